import { celFunc, celList, celMethod, CelScalar, type CelFunc, type CelValue } from '@bufbuild/cel';
import { opaqueType } from './opaque';
import { GoURLError, parseRequestURI } from './urls';

// Kubernetes' format library (k8s.io/apiserver/pkg/cel/library/format.go): named string formats
// (`format.dns1123Label()`, `format.named('uuid')`) whose `validate(s)` returns the same messages
// as Kubernetes' own validation (k8s.io/apimachinery/pkg/util/validation, kube-openapi strfmt).
//
// Kubernetes returns CEL optionals: `validate` gives `optional.none()` for a valid string and
// `optional.of([messages])` otherwise; `format.named` gives `optional.of(format)` or none.
// @bufbuild/cel 0.6.1 has no optional type, so this module returns a stand-in,
// `kubernetes.Optional`, with the methods rules use on these results: `hasValue()`, `value()`,
// `orValue(default)` and `or(optional)`. What it cannot offer: `optional.of`/`optional.none()`
// literals, `.?` selection, and `type(...)` reads `kubernetes.Optional`, not `optional_type`.

/** A named format: Kubernetes' Format.Name, compared by `==`, and its validator. */
interface NamedFormat {
  readonly name: string;
  readonly validate: (value: string) => string[];
}

type Optional =
  | { readonly kind: 'none' }
  | { readonly kind: 'format'; readonly format: NamedFormat }
  | { readonly kind: 'errors'; readonly errors: readonly string[] };

const encoder = new TextEncoder();

function byteLength(s: string): number {
  return encoder.encode(s).length;
}

function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;

function anchored(fmt: string): RegExp {
  return new RegExp(`^(?:${fmt})$`);
}

const DNS1123_LABEL = anchored(DNS1123_LABEL_FMT);
const DNS1123_SUBDOMAIN = anchored(DNS1123_SUBDOMAIN_FMT);
const DNS1035_LABEL = anchored(DNS1035_LABEL_FMT);
const QUALIFIED_NAME = anchored(QUALIFIED_NAME_FMT);
const LABEL_VALUE = anchored(LABEL_VALUE_FMT);

const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!DNS1123_LABEL.test(value)) {
    // A valid subdomain that is not a valid label can only be failing on its dots.
    if (DNS1123_SUBDOMAIN.test(value)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN.test(value)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!DNS1035_LABEL.test(value)) errs.push(regexError(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  return errs;
}

function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...isDNS1123Subdomain(prefix).map((msg) => `prefix part ${msg}`));
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (byteLength(name) > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!QUALIFIED_NAME.test(name)) {
    errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  }
  return errs;
}

function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!LABEL_VALUE.test(value)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/**
 * apimachinery's maskTrailingDash, for names that get a generated suffix: it drops the last two
 * characters and appends "a" (an upstream quirk kept as is; only the trailing dash matters).
 */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

function prefixed(validate: (value: string) => string[]): (value: string) => string[] {
  return (value) => validate(maskTrailingDash(value));
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;
const DATE_TIME = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/;

/** strfmt's IsDate: Go's time.Parse("2006-01-02", s), which checks the day against the month. */
function isDate(s: string): boolean {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(s);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day >= 1 && day <= days;
}

/** strfmt's IsDateTime: a date, "T", and an RFC 3339 time (checked loosely, as strfmt does). */
function isDateTime(s: string): boolean {
  if (s.length < 4) return false;
  const parts = s.toLowerCase().split('t');
  if (parts.length < 2 || !isDate(parts[0])) return false;
  const m = DATE_TIME.exec(parts[1]);
  return m !== null && m[1] <= '23' && m[2] <= '59' && m[3] <= '59';
}

function check(valid: (s: string) => boolean, message: string): (value: string) => string[] {
  return (value) => (valid(value) ? [] : [message]);
}

function uri(value: string): string[] {
  try {
    parseRequestURI(value);
    return [];
  } catch (err) {
    if (err instanceof GoURLError) return [err.message];
    throw err;
  }
}

/** Kubernetes' ConstantFormats: the name after `format.`, and Format.Name, which `==` compares. */
const FORMATS: Record<string, NamedFormat> = {
  dns1123Label: { name: 'DNS1123Label', validate: isDNS1123Label },
  dns1123Subdomain: { name: 'DNS1123Subdomain', validate: isDNS1123Subdomain },
  dns1035Label: { name: 'DNS1035Label', validate: isDNS1035Label },
  qualifiedName: { name: 'QualifiedName', validate: isQualifiedName },
  dns1123LabelPrefix: { name: 'DNS1123LabelPrefix', validate: prefixed(isDNS1123Label) },
  dns1123SubdomainPrefix: { name: 'DNS1123SubdomainPrefix', validate: prefixed(isDNS1123Subdomain) },
  dns1035LabelPrefix: { name: 'DNS1035LabelPrefix', validate: prefixed(isDNS1035Label) },
  labelValue: { name: 'LabelValue', validate: isValidLabelValue },
  uri: { name: 'URI', validate: uri },
  uuid: { name: 'uuid', validate: check((s) => UUID.test(s), 'does not match the UUID format') },
  byte: { name: 'byte', validate: check((s) => BASE64.test(s), 'invalid base64') },
  date: { name: 'date', validate: check(isDate, 'invalid date') },
  datetime: { name: 'datetime', validate: check(isDateTime, 'invalid datetime') },
};

const FORMATS_BY_NAME = new Map(Object.values(FORMATS).map((f) => [f.name, f]));

function formatByName(name: string): NamedFormat {
  const format = FORMATS_BY_NAME.get(name);
  if (!format) throw new Error(`unknown format ${name}`);
  return format;
}

/** The `kubernetes.NamedFormat` CEL type; equal when their Format.Name is. */
export const FORMAT_TYPE = opaqueType<NamedFormat>('kubernetes.NamedFormat', {
  encode: (f) => f.name,
  decode: formatByName,
});

function optionalKey(o: Optional): string {
  switch (o.kind) {
    case 'none':
      return '';
    case 'format':
      return `format:${o.format.name}`;
    case 'errors':
      return `errors:${JSON.stringify(o.errors)}`;
  }
}

function optionalFromKey(key: string): Optional {
  if (key.startsWith('format:')) return { kind: 'format', format: formatByName(key.slice('format:'.length)) };
  if (key.startsWith('errors:')) return { kind: 'errors', errors: JSON.parse(key.slice('errors:'.length)) as string[] };
  return { kind: 'none' };
}

/** The stand-in for cel-go's optional type, holding a format or a list of messages. */
export const OPTIONAL_TYPE = opaqueType<Optional>('kubernetes.Optional', {
  encode: optionalKey,
  decode: optionalFromKey,
});

function optionalValue(o: Optional): CelValue | undefined {
  switch (o.kind) {
    case 'none':
      return undefined;
    case 'format':
      return FORMAT_TYPE.wrap(o.format);
    case 'errors':
      return celList(o.errors);
  }
}

const { STRING, BOOL, DYN } = CelScalar;
const FORMAT = FORMAT_TYPE.celType;
const OPTIONAL = OPTIONAL_TYPE.celType;

/** Kubernetes' format library, with `kubernetes.Optional` in place of CEL optionals. */
export const FORMAT_FUNCTIONS: readonly CelFunc[] = [
  ...Object.entries(FORMATS).map(([key, format]) => celFunc(`format.${key}`, [], FORMAT, () => FORMAT_TYPE.wrap(format))),
  celFunc('format.named', [STRING], OPTIONAL, (name) =>
    OPTIONAL_TYPE.wrap(Object.hasOwn(FORMATS, name) ? { kind: 'format', format: FORMATS[name] } : { kind: 'none' }),
  ),
  celMethod('validate', FORMAT, [STRING], OPTIONAL, function (value) {
    const errors = FORMAT_TYPE.unwrap(this).validate(value);
    return OPTIONAL_TYPE.wrap(errors.length === 0 ? { kind: 'none' } : { kind: 'errors', errors });
  }),
  celMethod('hasValue', OPTIONAL, [], BOOL, function () {
    return OPTIONAL_TYPE.unwrap(this).kind !== 'none';
  }),
  celMethod('value', OPTIONAL, [], DYN, function () {
    const value = optionalValue(OPTIONAL_TYPE.unwrap(this));
    if (value === undefined) throw new Error('optional.none() dereference');
    return value;
  }),
  celMethod('orValue', OPTIONAL, [DYN], DYN, function (fallback) {
    return optionalValue(OPTIONAL_TYPE.unwrap(this)) ?? fallback;
  }),
  celMethod('or', OPTIONAL, [OPTIONAL], OPTIONAL, function (other) {
    return OPTIONAL_TYPE.unwrap(this).kind === 'none' ? other : this;
  }),
];
