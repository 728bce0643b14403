import { isIP } from 'net';
import { RE2JS } from '@bufbuild/re2';
import type { RegExpEngine } from 'ajv/dist/types';

/**
 * The string formats a CustomResourceDefinition schema can ask the API server to validate
 * (apiextensions-apiserver apiserver/validation/formats.go, as of Kubernetes 1.33), each as
 * kube-openapi's strfmt checks it (default.go, time.go, duration.go, with govalidator's
 * checks), by the name the server normalises it to (`date-time` → `datetime`). Any other
 * format on a string — and int32/int64 on integers, float/double on numbers, which the
 * server recognises but never range-checks for custom resources — is not validated, so
 * none is checked here either.
 */
export const KUBERNETES_FORMATS: { readonly [normalizedName: string]: (s: string) => boolean } = {
  bsonobjectid: s => /^[0-9a-fA-F]{24}$/.test(s),
  uri: isRequestUri,
  email: s => /^[^@\s<>]+@[^@\s<>]+$/.test(s) || /^[^<>]*<[^@\s<>]+@[^@\s<>]+>\s*$/.test(s),
  hostname: isHostname,
  ipv4: s => isGoIp(s) && s.includes('.'),
  ipv6: s => isGoIp(s) && s.includes(':'),
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
  rgbcolor: s => /^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$/.test(s),
  // govalidator.IsBase64: whole groups of four, the last one possibly padded; not empty.
  byte: s => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/.test(s),
  password: () => true,
  date: s => isFullDate(s),
  duration: s => parseKubernetesDuration(s) !== undefined,
  datetime: s => parseKubernetesDateTime(s) !== undefined,
  // The spelling CRDs use; the server normalises it to datetime, and names it as written.
  'date-time': s => parseKubernetesDateTime(s) !== undefined,
};

/** The name of the Kubernetes check of a schema's `format`, when the server checks that format on strings. */
export function kubernetesStringFormat(format: string): string | undefined {
  for (const name of [format, format.replace(/-/g, '')]) if (Object.prototype.hasOwnProperty.call(KUBERNETES_FORMATS, name)) return name;
  return undefined;
}

/**
 * Schema `pattern`s as kube-openapi runs them: Go's regexp (RE2 syntax: `(?i)` works, `\s`
 * is ASCII only), matched anywhere in the string. ajv's engine, in its standalone code too.
 */
export const RE2_PATTERNS: RegExpEngine = Object.assign((pattern: string) => RE2JS.compile(pattern), { code: 'require("istio-cdk8s/check-runtime").RE2_PATTERNS' });

/** Go's net.ParseIP: no zone, no leading zeros in IPv4 octets (Node's isIP agrees on those). */
function isGoIp(s: string): boolean {
  return !s.includes('%') && isIP(s) !== 0;
}

function isCidr(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!isGoIp(ip) || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (isIP(ip) === 4 ? 32 : 128);
}

/** url.ParseRequestURI: an absolute URI (scheme:…) or an absolute path; no spaces or control characters. */
function isRequestUri(s: string): boolean {
  if (s.length === 0 || /[\s\x00-\x1f\x7f]/.test(s)) return false;
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s) || s.startsWith('/');
}

/** strfmt.IsHostname: RFC 1034 labels of at most 63 octets, at most 255 in all, a final label of letters. */
function isHostname(s: string): boolean {
  if (Buffer.byteLength(s) > 255 || s.split('.').some(label => Buffer.byteLength(label) > 63)) return false;
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
  return mo >= 1 && mo <= 12 && d >= 1 && d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/**
 * strfmt.ParseDateTime's layouts (RFC 3339, with or without seconds, fraction and zone),
 * in milliseconds since the epoch; a time without a zone is UTC, as in Go.
 */
export function parseKubernetesDateTime(s: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m || !isFullDate(m[1])) return undefined;
  const [hh, mm, ss] = [Number(m[2]), Number(m[3]), Number(m[4] ?? 0)];
  if (hh > 23 || mm > 59 || ss > 59) return undefined;
  const zone = m[6] === undefined || /^[Zz]$/.test(m[6]) ? 'Z' : m[6].length === 5 ? `${m[6].slice(0, 3)}:${m[6].slice(3)}` : m[6];
  const ms = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4] ?? '00'}${(m[5] ?? '').slice(0, 4)}${zone}`);
  return Number.isNaN(ms) ? undefined : ms;
}

const GO_UNIT_MS: { readonly [unit: string]: number } = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };

/** strfmt's units beyond Go's, with the spellings it takes (the last of each also as a prefix: `minutes`). */
const STRFMT_UNITS: readonly (readonly [ms: number, ...spellings: string[]])[] = [
  [1e-6, 'ns', 'nano'], [1e-3, 'us', 'µs', 'micro'], [1, 'ms', 'milli'], [1000, 's', 'sec'], [60000, 'm', 'min'],
  [3600000, 'h', 'hr', 'hour'], [86400000, 'd', 'day'], [604800000, 'w', 'wk', 'week'],
];

/**
 * strfmt.ParseDuration, in milliseconds: Go's time.ParseDuration, else every `<digits>
 * <unit>` found in the string summed (`1d2h`, `5 mins`, `3 days`), as the server reads a
 * `duration` format; undefined when neither finds a duration.
 */
export function parseKubernetesDuration(s: string): number | undefined {
  const go = /^([-+]?)((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(s);
  if (go) {
    let total = 0;
    for (const part of go[2].matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(part[1]) * GO_UNIT_MS[part[2]];
    return go[1] === '-' ? -total : total;
  }
  if (s === '0') return 0;
  let total = 0;
  let found = false;
  for (const [, digits, rawUnit] of s.matchAll(/(\d+)\s*([A-Za-zµ]+)/g)) {
    const unit = rawUnit.toLowerCase();
    for (const [ms, ...spellings] of STRFMT_UNITS) {
      const last = spellings.length - 1;
      spellings.forEach((spelling, i) => {
        if ((i === last && unit.startsWith(spelling)) || spelling === unit) {
          found = true;
          total += Number(digits) * ms;
        }
      });
    }
  }
  return found ? total : undefined;
}
