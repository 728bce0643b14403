import { isIP } from 'net';
import { FieldError, FieldPath, goQuote } from '../field-error';
import { additionalPropertiesOf, isJsonObject, JsonValue, SchemaNode } from './structural';

/**
 * The string formats a CustomResourceDefinition schema can ask the API server to validate
 * (apiextensions-apiserver apiserver/validation/formats.go, as of Kubernetes 1.33), each as
 * go-openapi/strfmt checks it. Any other format on a string — and int32/int64 on integers,
 * float/double on numbers, which the server recognises but never range-checks for custom
 * resources — is not validated, so none is checked here either.
 *
 * Where strfmt is lenient (date-time layouts, e-mail, URIs) the check is at least as
 * lenient: a false alarm would refuse what the server accepts.
 */
const KUBERNETES_STRING_FORMATS: { readonly [normalizedName: string]: (s: string) => boolean } = {
  bsonobjectid: s => /^[0-9a-fA-F]{24}$/.test(s),
  uri: isRequestUri,
  email: s => /^[^@\s]+@[^@\s]+$/.test(s) || /<[^@\s<>]+@[^@\s<>]+>\s*$/.test(s),
  hostname: isHostname,
  ipv4: s => isIP(goIp(s)) !== 0 && s.includes('.'),
  ipv6: s => isIP(goIp(s)) !== 0 && s.includes(':'),
  cidr: isCidr,
  mac: s => /^([0-9a-fA-F]{2}[:-]){5}([0-9a-fA-F]{2})$/.test(s) || /^([0-9a-fA-F]{2}[:-]){7}([0-9a-fA-F]{2})$/.test(s) || /^([0-9a-fA-F]{2}[:-]){19}([0-9a-fA-F]{2})$/.test(s) || /^([0-9a-fA-F]{4}\.){2,9}[0-9a-fA-F]{4}$/.test(s),
  uuid: s => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s),
  uuid3: s => /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s),
  uuid4: s => /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i.test(s),
  uuid5: s => /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i.test(s),
  isbn: s => isIsbn10(s) || isIsbn13(s),
  isbn10: isIsbn10,
  isbn13: isIsbn13,
  creditcard: s => /^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})$/.test(s.replace(/[^0-9]/g, '')),
  ssn: s => /^\d{3}[- ]?\d{2}[- ]?\d{4}$/.test(s),
  hexcolor: s => /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(s),
  rgbcolor: s => /^rgb\(\s*(25[0-5]|2[0-4]\d|1\d\d|\d{1,2})\s*,\s*(25[0-5]|2[0-4]\d|1\d\d|\d{1,2})\s*,\s*(25[0-5]|2[0-4]\d|1\d\d|\d{1,2})\s*\)$/.test(s),
  byte: s => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s.replace(/[\r\n]/g, '')),
  password: () => true,
  date: isFullDate,
  duration: isDuration,
  datetime: isDateTime,
  quantity: s => /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/.test(s),
};

/** The formats of a CRD schema the server validates, by the name the schema uses ('date-time' normalises to 'datetime'). */
function kubernetesStringFormat(format: string): ((s: string) => boolean) | undefined {
  const normalized = format.replace(/-/g, '');
  return Object.prototype.hasOwnProperty.call(KUBERNETES_STRING_FORMATS, normalized) ? KUBERNETES_STRING_FORMATS[normalized] : undefined;
}

/** Go's net.ParseIP takes no zone and no leading zeros in IPv4 octets; Node's isIP agrees except for zones. */
function goIp(s: string): string {
  return s.includes('%') ? '' : s;
}

function isCidr(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  const family = isIP(goIp(ip));
  if (!family || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** url.ParseRequestURI: an absolute URI (scheme:…) or an absolute path; no fragment-only or relative references. */
function isRequestUri(s: string): boolean {
  if (s.length === 0 || /[\s\x00-\x1f\x7f]/.test(s)) return false;
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s) || s.startsWith('/');
}

/** strfmt's hostname rule (RFC 1034 labels, at most 255 characters, a final label of letters). */
function isHostname(s: string): boolean {
  if (s.length > 255) return false;
  return /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u.test(s);
}

function isIsbn10(s: string): boolean {
  const d = s.replace(/[\s-]/g, '');
  if (!/^\d{9}[\dX]$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += (10 - i) * (d[i] === 'X' ? 10 : Number(d[i]));
  return sum % 11 === 0;
}

function isIsbn13(s: string): boolean {
  const d = s.replace(/[\s-]/g, '');
  if (!/^\d{13}$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += (i % 2 === 0 ? 1 : 3) * Number(d[i]);
  return sum % 10 === 0;
}

function isFullDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return mo >= 1 && mo <= 12 && d >= 1 && d <= days;
}

/** strfmt.ParseDateTime's layouts: RFC 3339 with or without seconds, fractions and zone offset. */
function isDateTime(s: string): boolean {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2})(:(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m || !isFullDate(m[1])) return false;
  return Number(m[2]) < 24 && Number(m[3]) < 60 && (m[5] === undefined || Number(m[5]) < 60);
}

/** strfmt.ParseDuration: Go's time.ParseDuration, or a number and a unit ("3 days", "22 ns"). */
function isDuration(s: string): boolean {
  if (/^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/.test(s) || s === '0') return true;
  return /^(\d+)\s*(ns|nanoseconds?|us|µs|microseconds?|ms|milliseconds?|s|seconds?|sec|m|minutes?|min|h|hours?|hr|d|days?|w|weeks?|wk)$/i.test(s);
}

/**
 * Strings whose schema names a format the server checks and that do not have it, reported
 * as kube-openapi does (`spec.at in body must be of type date-time: "yesterday"`). Walked
 * here rather than left to ajv, so a compiled validator depends on no code of ours.
 */
export function formatErrors(schema: SchemaNode, value: JsonValue, path: FieldPath = FieldPath.ROOT): FieldError[] {
  const out: FieldError[] = [];
  const visit = (node: SchemaNode, v: JsonValue | undefined, at: FieldPath): void => {
    if (typeof v === 'string' && typeof node.format === 'string' && (node.type === undefined || node.type === 'string')) {
      const valid = kubernetesStringFormat(node.format);
      if (valid && !valid(v)) out.push({ path: at.text, type: 'TypeInvalid', value: v, detail: `${at.text || 'body'} in body must be of type ${node.format}: ${goQuote(v)}` });
    } else if (Array.isArray(v)) {
      if (node.items) v.forEach((item, i) => visit(node.items!, item, at.index(i)));
    } else if (isJsonObject(v)) {
      const values = additionalPropertiesOf(node);
      for (const [k, child] of Object.entries(v)) {
        const prop = node.properties?.[k];
        if (prop) visit(prop, child, at.child(k));
        else if (values) visit(values, child, at.key(k));
      }
    }
  };
  visit(schema, value, path);
  return out;
}
