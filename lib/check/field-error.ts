/**
 * The API server's field errors (k8s.io/apimachinery/pkg/util/validation/field): check
 * reports in the server's own words, so a violation reads as the refusal it predicts and
 * upstream test data that quotes the server's messages can be compared with ours.
 */

/** field.ErrorType, plus strict field validation's unknown-field error. */
export type FieldErrorType =
  | 'Required'
  | 'Forbidden'
  | 'TooLong'
  | 'TooMany'
  | 'Invalid'
  | 'TypeInvalid'
  | 'Unsupported'
  | 'Duplicate'
  | 'NotFound'
  | 'Unknown';

/** How the server words each type (TypeInvalid reads as "Invalid value", as in Go). */
const WORDING: { readonly [type in FieldErrorType]: string } = {
  Required: 'Required value',
  Forbidden: 'Forbidden',
  TooLong: 'Too long',
  TooMany: 'Too many',
  Invalid: 'Invalid value',
  TypeInvalid: 'Invalid value',
  Unsupported: 'Unsupported value',
  Duplicate: 'Duplicate value',
  NotFound: 'Not found',
  Unknown: 'field not declared in schema',
};

/** Types whose message shows the offending value (field.Error.ErrorBody). */
const SHOWS_VALUE = new Set<FieldErrorType>(['Invalid', 'TypeInvalid', 'Unsupported', 'Duplicate', 'NotFound', 'TooMany']);

/** One problem at one field. */
export interface FieldError {
  /** Field path as the server prints it, e.g. `spec.ports[1].number`; '' for the object itself. */
  readonly path: string;
  /** What kind of problem. */
  readonly type: FieldErrorType;
  /** The offending value, shown for the types that show one. @default - none */
  readonly value?: unknown;
  /** The explanation after the type and value. @default - none */
  readonly detail?: string;
}

// strconv.Quote keeps what unicode.IsPrint accepts: letters, marks, numbers, punctuation,
// symbols and the ASCII space.
const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const GO_ESCAPES: { readonly [ch: string]: string } = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\',
};

/** Go's %q of a string (strconv.Quote), how the API server shows an invalid string. */
export function goQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const escaped = GO_ESCAPES[ch];
    if (escaped !== undefined) {
      out += escaped;
      continue;
    }
    if (GO_PRINTABLE.test(ch)) {
      out += ch;
      continue;
    }
    const cp = ch.codePointAt(0)!;
    out += cp < 0x80 ? `\\x${hex(cp, 2)}` : cp < 0x10000 ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
  }
  return `${out}"`;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** Go's %v / %q rendering of a value in an error body: strings quoted as Go quotes them, objects as JSON. */
function renderValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** `spec.ports[1]: Duplicate value: {"name":"a"}`, as field.Error.Error() prints it. */
export function formatFieldError(e: FieldError): string {
  let body = WORDING[e.type];
  if (SHOWS_VALUE.has(e.type) && 'value' in e) body += `: ${renderValue(e.value)}`;
  if (e.detail) body += `: ${e.detail}`;
  return e.path ? `${e.path}: ${body}` : body;
}

/** A field path built as the server builds one: `.name` for a property, `[i]` for an index, `[key]` for a map key. */
export class FieldPath {
  static readonly ROOT = new FieldPath('');

  private constructor(readonly text: string) {}

  /** A property of an object. */
  child(name: string): FieldPath {
    return new FieldPath(this.text ? `${this.text}.${name}` : name);
  }

  /** An element of a list. */
  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }

  /** A value of a map (additionalProperties). */
  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }

  toString(): string {
    return this.text;
  }
}
