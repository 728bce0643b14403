import { alignLists } from './align';

/** What happened at one field path. */
export type FieldChangeKind = 'added' | 'removed' | 'changed' | 'reordered';

/** One difference inside an object. */
export interface FieldChange {
  /**
   * Path from the object's root, e.g. `spec.template.spec.containers[name=discovery].image`.
   * Items of lists without unique names are numbered as in the new list, removed ones
   * as in the old list.
   */
  readonly path: string;
  /** What happened there; `reordered` means a list keyed by name kept its items but not their order. */
  readonly kind: FieldChangeKind;
  /** The old value; absent for added fields and for summaries. */
  readonly before?: unknown;
  /** The new value; absent for removed fields and for summaries. */
  readonly after?: unknown;
  /** How many field changes this one entry stands for, when it summarises a subtree. */
  readonly summarises?: number;
}

function isRecord(v: unknown): v is { [key: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Not `key in obj`: a ConfigMap key such as `constructor` would be found on the prototype.
function has(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** Deep equality of parsed YAML; key order is ignored, as the API server ignores it. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every(k => has(b, k) && sameValue(a[k], b[k]));
  }
  return false;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function keyPath(parent: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent ? `${parent}.${key}` : key;
}

function namePath(parent: string, name: string): string {
  return `${parent}[name=${PLAIN_KEY.test(name) ? name : JSON.stringify(name)}]`;
}

/**
 * The names of a list's items when every item has a distinct string `name`, else
 * undefined. Keying by name is what makes a container or port change read as
 * `containers[name=discovery]` instead of `containers[3]`, and survive insertions.
 */
function itemNames(list: readonly unknown[]): string[] | undefined {
  const names = list.map(item => (isRecord(item) && typeof item.name === 'string' ? item.name : undefined));
  if (names.some(n => n === undefined)) return undefined;
  return new Set(names).size === names.length ? (names as string[]) : undefined;
}

function diffLists(path: string, a: readonly unknown[], b: readonly unknown[], out: FieldChange[]): void {
  const namesA = itemNames(a);
  const namesB = itemNames(b);
  if (namesA && namesB && a.length + b.length > 0) {
    const inB = new Set(namesB);
    const inA = new Set(namesA);
    const commonA = namesA.filter(n => inB.has(n));
    const commonB = namesB.filter(n => inA.has(n));
    if (commonA.some((n, i) => n !== commonB[i])) out.push({ path, kind: 'reordered' });
    namesA.forEach((name, i) => {
      const j = namesB.indexOf(name);
      if (j < 0) out.push({ path: namePath(path, name), kind: 'removed', before: a[i] });
      else diffInto(namePath(path, name), a[i], b[j], out);
    });
    namesB.forEach((name, j) => {
      if (!inA.has(name)) out.push({ path: namePath(path, name), kind: 'added', after: b[j] });
    });
    return;
  }
  // Items without names are matched by content, so an insertion or a removal is one entry.
  for (const step of alignLists(a, b, sameValue)) {
    switch (step.kind) {
      case 'kept':
        break;
      case 'removed':
        out.push({ path: `${path}[${step.from}]`, kind: 'removed', before: a[step.from] });
        break;
      case 'added':
        out.push({ path: `${path}[${step.to}]`, kind: 'added', after: b[step.to] });
        break;
      case 'changed':
        diffInto(`${path}[${step.to}]`, a[step.from], b[step.to], out);
        break;
    }
  }
}

function diffInto(path: string, a: unknown, b: unknown, out: FieldChange[]): void {
  if (isRecord(a) && isRecord(b)) {
    for (const key of Object.keys(a)) {
      if (!has(b, key)) out.push({ path: keyPath(path, key), kind: 'removed', before: a[key] });
      else diffInto(keyPath(path, key), a[key], b[key], out);
    }
    for (const key of Object.keys(b)) {
      if (!has(a, key)) out.push({ path: keyPath(path, key), kind: 'added', after: b[key] });
    }
  } else if (Array.isArray(a) && Array.isArray(b)) {
    diffLists(path, a, b, out);
  } else if (!sameValue(a, b)) {
    out.push({ path, kind: 'changed', before: a, after: b });
  }
}

/**
 * Every path where two parsed YAML values differ, in document order (the old value's
 * keys first, then keys only the new value has). A replaced subtree is one entry at its
 * root, not one per leaf; an empty result means the values are equal.
 */
export function diffFields(before: unknown, after: unknown): FieldChange[] {
  const out: FieldChange[] = [];
  diffInto('', before, after, out);
  return out;
}
