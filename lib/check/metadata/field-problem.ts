// Field errors as the API server prints them (k8s.io/apimachinery/pkg/util/validation/field,
// errors.go ErrorBody), so a refusal found offline reads like the one kubectl would show.
import { goQuote } from '../field-error';

/** One problem, as the API server words it. */
export interface FieldProblem {
  /** Kubernetes field path, e.g. `metadata.labels` or `metadata.name`. */
  readonly path: string;
  /** The API server's message, e.g. `Invalid value: "Foo_bar": a lowercase RFC 1123 subdomain must consist of …`. */
  readonly message: string;
}

/** A value Go prints verbatim (%#v of a struct or slice), already formatted. */
export class GoSyntax {
  constructor(readonly text: string) {}
}

/** `path: Invalid value: <value>: detail`, with the value printed as Go prints it. */
export function invalid(path: string, value: string | number | GoSyntax, detail: string): FieldProblem {
  const shown = typeof value === 'string' ? goQuote(value) : value instanceof GoSyntax ? value.text : String(value);
  return { path, message: `Invalid value: ${shown}: ${detail}` };
}

/** `path: Required value[: detail]`. */
export function required(path: string, detail = ''): FieldProblem {
  return { path, message: detail ? `Required value: ${detail}` : 'Required value' };
}

/** `path: Forbidden: detail`. */
export function forbidden(path: string, detail: string): FieldProblem {
  return { path, message: `Forbidden: ${detail}` };
}

/** `path: Too long: may not be more than N bytes` (field.TooLong; the value is never shown). */
export function tooLong(path: string, maxBytes: number): FieldProblem {
  return { path, message: `Too long: may not be more than ${maxBytes} byte${maxBytes === 1 ? '' : 's'}` };
}

/** How encoding/json names a JSON value that does not fit a Go type. */
function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' || typeof value === 'bigint') return 'number';
  if (typeof value === 'boolean') return 'bool';
  return typeof value === 'string' ? 'string' : 'object';
}

/**
 * A value of the wrong JSON type is refused before validation runs, with the decoder's
 * message (a 400, not a field error): `json: cannot unmarshal number into Go struct field
 * ObjectMeta.metadata.labels of type string`.
 */
export function wrongType(path: string, value: unknown, goType: string, struct = 'ObjectMeta'): FieldProblem {
  // encoding/json names a number that is valid JSON but no int64 by its literal.
  const kind = goType === 'int64' && typeof value === 'number' ? `number ${value}` : jsonKind(value);
  return { path, message: `json: cannot unmarshal ${kind} into Go struct field ${struct}.${path} of type ${goType}` };
}
