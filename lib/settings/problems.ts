import { UserError } from '../user-error';
import { DNS_LABEL, RFC1123_RULE } from './names';

/**
 * Collects every problem, so one run reports them all. A field whose shape is already
 * wrong (unknown, wrong type) gets no second message from the rules below.
 */
export class Problems {
  readonly list: string[] = [];
  private readonly shapeFields: string[] = [];

  addShape(field: string, message: string): void {
    this.list.push(`${field}: ${message}`);
    this.shapeFields.push(field);
  }

  add(field: string, value: unknown, rule: string): void {
    const covered = this.shapeFields.some(f => field === f || field.startsWith(`${f}.`) || field.startsWith(`${f}[`));
    if (!covered) this.list.push(`${field}: ${JSON.stringify(value)} ${rule}`);
  }
}

/** Values of the wrong shape were reported already; the rules read them as empty. */
export function asList<T>(v: readonly T[] | undefined): readonly T[] {
  return Array.isArray(v) ? v : [];
}

export function asMap<T extends object>(v: T | undefined): Partial<T> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {};
}

export function checkDnsLabel(p: Problems, field: string, value: unknown): void {
  if (typeof value !== 'string' || value.length > 63 || !DNS_LABEL.test(value)) {
    p.add(field, value, `is not a valid name (${RFC1123_RULE})`);
  }
}


/** Settings that break rules: every problem, one line each, `field: what is wrong`. */
export class InvalidSettingsError extends UserError {
  constructor(readonly problems: readonly string[]) {
    super(`invalid settings (main.ts):\n${problems.map(p => `  - ${p}`).join('\n')}`);
  }
}
