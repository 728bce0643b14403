import {
  celFunc,
  celMethod,
  CelScalar,
  celType,
  isCelList,
  isCelMap,
  isCelType,
  isCelUint,
  listType,
  type CelFunc,
  type CelList,
  type CelMap,
  type CelValue,
} from '@bufbuild/cel';
import { isReflectMessage } from '@bufbuild/protobuf/reflect';
import { DurationSchema, TimestampSchema, type Duration, type Timestamp } from '@bufbuild/protobuf/wkt';
import { goQuote } from '../../field-error';

// Kubernetes 1.33 enables cel-go's strings extension at version 2 (cel-go v0.23, as vendored by
// Kubernetes). @bufbuild/cel/ext's `strings` has the same functions but not the same behaviour:
// it indexes UTF-16 code units where cel-go indexes code points, `replace`/`split` ignore Go's
// negative-limit and empty-separator rules, `strings.quote` escapes NUL, and `format` renders
// doubles, lists, maps, durations and errors differently. These overloads keep bufbuild's ids, so
// listed after bufbuild's `strings` they replace it; `lowerAscii`, `upperAscii` and `trim` already
// agree with cel-go and stay bufbuild's.

function indexError(index: bigint | number): Error {
  return new Error(`index out of range: ${index}`);
}

function runesOf(s: string): string[] {
  return Array.from(s);
}

function charAt(s: string, index: bigint): string {
  const runes = runesOf(s);
  if (index < 0n || index > BigInt(runes.length)) throw indexError(index);
  return runes[Number(index)] ?? '';
}

function matchesAt(runes: string[], sub: string[], at: number): boolean {
  for (let j = 0; j < sub.length; j++) if (runes[at + j] !== sub[j]) return false;
  return true;
}

// cel-go v0.23 rejects an offset at or past the end (later versions return -1 instead), so
// `''.indexOf('a')` is an error, as it is in Kubernetes 1.33.
function indexOf(s: string, substr: string, offset: bigint): bigint {
  if (substr === '') return offset;
  const runes = runesOf(s);
  const sub = runesOf(substr);
  if (offset < 0n || offset >= BigInt(runes.length)) throw indexError(offset);
  for (let i = Number(offset); i < runes.length - (sub.length - 1); i++) {
    if (matchesAt(runes, sub, i)) return BigInt(i);
  }
  return -1n;
}

function lastIndexOf(s: string, substr: string, offset: bigint): bigint {
  if (substr === '') return offset;
  const runes = runesOf(s);
  const sub = runesOf(substr);
  if (offset < 0n || offset >= BigInt(runes.length)) throw indexError(offset);
  let start = Number(offset);
  if (start > runes.length - sub.length) start = runes.length - sub.length;
  for (let i = start; i >= 0; i--) {
    if (matchesAt(runes, sub, i)) return BigInt(i);
  }
  return -1n;
}

function countOf(s: string, sub: string): number {
  if (sub === '') return runesOf(s).length + 1;
  let count = 0;
  for (let i = s.indexOf(sub); i !== -1; i = s.indexOf(sub, i + sub.length)) count++;
  return count;
}

/** Go's strings.Replace: a negative n replaces all; an empty `old` matches between runes. */
function replace(s: string, old: string, replacement: string, limit: bigint): string {
  if (old === replacement || limit === 0n) return s;
  const count = countOf(s, old);
  if (count === 0) return s;
  const n = limit < 0n || BigInt(count) < limit ? count : Number(limit);
  let out = '';
  let start = 0;
  for (let i = 0; i < n; i++) {
    let j = start;
    if (old === '') {
      if (i > 0) j += (s.codePointAt(start) ?? 0) > 0xffff ? 2 : 1;
    } else {
      j = s.indexOf(old, start);
    }
    out += s.slice(start, j) + replacement;
    start = j + old.length;
  }
  return out + s.slice(start);
}

/** Go's strings.SplitN: n == 0 gives [], n < 0 splits all, the last part keeps the rest. */
function split(s: string, sep: string, limit: bigint): string[] {
  if (limit === 0n) return [];
  if (sep === '') {
    const runes = runesOf(s);
    const n = limit < 0n || limit > BigInt(runes.length) ? runes.length : Number(limit);
    if (n === 0) return [];
    return [...runes.slice(0, n - 1), runes.slice(n - 1).join('')];
  }
  const n = limit < 0n ? Number.POSITIVE_INFINITY : Number(limit);
  const parts: string[] = [];
  let rest = s;
  while (parts.length < n - 1) {
    const at = rest.indexOf(sep);
    if (at < 0) break;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + sep.length);
  }
  parts.push(rest);
  return parts;
}

function substring(s: string, start: bigint, end?: bigint): string {
  const runes = runesOf(s);
  const length = BigInt(runes.length);
  if (end !== undefined && start > end) {
    throw new Error(`invalid substring range. start: ${start}, end: ${end}`);
  }
  if (start < 0n || start > length) throw indexError(start);
  if (end !== undefined && (end < 0n || end > length)) throw indexError(end);
  return runes.slice(Number(start), end === undefined ? undefined : Number(end)).join('');
}

function join(list: CelList, separator: string): string {
  const parts: string[] = [];
  for (const element of list) {
    if (typeof element !== 'string') throw new Error(`join: invalid input: ${plainString(element)}`);
    parts.push(element);
  }
  return parts.join(separator);
}

const QUOTE_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  '"': '\\"',
};

/** cel-go's strings.quote: CEL's escapes only; lone surrogates (invalid UTF-8) become U+FFFD. */
function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    out += QUOTE_ESCAPES[ch] ?? (cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : ch);
  }
  return `${out}"`;
}

// ---- string.format, as cel-go v0.23's ext/formatting.go with the en_US locale ----

class FormatError extends Error {}

function typeName(v: CelValue): string {
  return celType(v).name;
}

function timestampOf(v: CelValue): Timestamp | undefined {
  return isReflectMessage(v, TimestampSchema) ? (v.message as Timestamp) : undefined;
}

function durationOf(v: CelValue): Duration | undefined {
  return isReflectMessage(v, DurationSchema) ? (v.message as Duration) : undefined;
}

function plainString(v: CelValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return formatFloatG(v);
  if (isCelUint(v)) return v.value.toString();
  return typeName(v);
}

/** A double's exact value as digits × 10^-scale (every finite double is a finite decimal). */
function exactDecimal(x: number): { digits: bigint; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  let mantissa = bits & ((1n << 52n) - 1n);
  let exponent = biased - 1075;
  if (biased === 0) exponent = -1074;
  else mantissa |= 1n << 52n;
  if (exponent >= 0) return { digits: mantissa << BigInt(exponent), scale: 0 };
  return { digits: mantissa * 5n ** BigInt(-exponent), scale: -exponent };
}

/** digits / 10^drop rounded half to even, as strconv rounds a float to a fixed precision. */
function roundHalfEven(digits: bigint, drop: number): bigint {
  if (drop <= 0) return digits * 10n ** BigInt(-drop);
  const divisor = 10n ** BigInt(drop);
  const quotient = digits / divisor;
  const twice = (digits % divisor) * 2n;
  if (twice > divisor || (twice === divisor && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

/** strconv.FormatFloat(x, 'f', prec, 64) for finite x, without the sign. */
function fixedDigits(x: number, precision: number): { int: string; frac: string } {
  const { digits, scale } = exactDecimal(x);
  const rounded = roundHalfEven(digits, scale - precision).toString().padStart(precision + 1, '0');
  return { int: rounded.slice(0, rounded.length - precision), frac: rounded.slice(rounded.length - precision) };
}

function signOf(x: number): string {
  return x < 0 || Object.is(x, -0) ? '-' : '';
}

/** Go's fmt.Sprintf("%.Nf", x): no grouping, Go's names for infinities. */
function goFixed(x: number, precision: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const { int, frac } = fixedDigits(x, precision);
  return `${signOf(x)}${int}${precision > 0 ? `.${frac}` : ''}`;
}

/** Shortest round-trip digits of |x| (x finite, non-zero) and the decimal exponent of the first. */
function shortestDigits(x: number): { digits: string; exponent: number } {
  const [mantissa, exponent] = Math.abs(x).toExponential().split('e');
  return { digits: mantissa.replace('.', ''), exponent: Number(exponent) };
}

/** The digits d₁d₂… × 10^exponent written without an exponent. */
function plainDecimal(digits: string, exponent: number): string {
  if (exponent < 0) return `0.${'0'.repeat(-exponent - 1)}${digits}`;
  const int = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const frac = digits.slice(exponent + 1);
  return frac ? `${int}.${frac}` : int;
}

/** Go's fmt.Sprintf("%g", x), which cel-go uses to turn a double into a string. */
function formatFloatG(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return `${signOf(x)}0`;
  const { digits, exponent } = shortestDigits(x);
  // Shortest %g switches to an exponent below 1e-4 and from 1e6 up (strconv's eprec of 6).
  if (exponent < -4 || exponent >= 6) return goExponent(x, digits, exponent);
  return `${signOf(x)}${plainDecimal(digits, exponent)}`;
}

function goExponent(x: number, digits: string, exponent: number): string {
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const sign = exponent < 0 ? '-' : '+';
  return `${signOf(x)}${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

function groupThousands(int: string): string {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** golang.org/x/text's %f for en_US: grouped thousands, ∞ for infinities. */
function localeFixed(x: number, precision: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  const { int, frac } = fixedDigits(x, precision);
  return `${x < 0 ? '-' : ''}${groupThousands(int)}${precision > 0 ? `.${frac}` : ''}`;
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** golang.org/x/text's %e for en_US: "2.718280 × 10⁰⁰", narrow no-break spaces around ×. */
function localeScientific(x: number, precision: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  let mantissa: bigint;
  let exponent: number;
  if (x === 0) {
    mantissa = 0n;
    exponent = 0;
  } else {
    const { digits, scale } = exactDecimal(x);
    const length = digits.toString().length;
    exponent = length - 1 - scale;
    mantissa = roundHalfEven(digits, length - (precision + 1));
    if (mantissa.toString().length > precision + 1) {
      mantissa /= 10n;
      exponent++;
    }
  }
  const text = mantissa.toString().padStart(precision + 1, '0');
  const body = precision > 0 ? `${text[0]}.${text.slice(1)}` : text;
  const power = String(Math.abs(exponent))
    .padStart(2, '0')
    .replace(/[0-9]/g, (d) => SUPERSCRIPT[Number(d)]);
  return `${x < 0 ? '-' : ''}${body}\u202f×\u202f10${exponent < 0 ? '⁻' : ''}${power}`;
}

/** strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s", cel-go's duration to string. */
function durationString(d: Duration): string {
  const seconds = Number(d.seconds) + d.nanos / 1e9;
  if (seconds === 0) return '0s';
  const { digits, exponent } = shortestDigits(seconds);
  return `${seconds < 0 ? '-' : ''}${plainDecimal(digits, exponent)}s`;
}

/** Go's time.Format(RFC3339Nano) in UTC, cel-go's timestamp to string. */
function timestampString(t: Timestamp): string {
  const date = new Date(Number(t.seconds) * 1000);
  const base = date.toISOString().slice(0, 19);
  const nanos = t.nanos ? `.${String(t.nanos).padStart(9, '0').replace(/0+$/, '')}` : '';
  return `${base}${nanos}Z`;
}

const decoder = new TextDecoder();

/** cel-go's FormatString, the %s clause. */
function formatString(v: CelValue): string {
  if (isCelList(v)) return formatList(v);
  if (isCelMap(v)) return formatMap(v);
  if (v === null) return 'null';
  if (typeof v === 'string' || typeof v === 'bigint' || typeof v === 'boolean' || typeof v === 'number') {
    return plainString(v);
  }
  if (isCelUint(v)) return v.value.toString();
  if (v instanceof Uint8Array) return decoder.decode(v);
  if (isCelType(v)) return v.name;
  const timestamp = timestampOf(v);
  if (timestamp) return timestampString(timestamp);
  const duration = durationOf(v);
  if (duration) return durationString(duration);
  throw new FormatError(
    `string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given ${typeName(v)}`,
  );
}

/** cel-go's clauseForType + quoteForCEL: an element of a list or map, written as a CEL literal. */
function formatElement(v: CelValue): string {
  if (typeof v === 'bigint' || isCelUint(v)) return formatDecimal(v);
  if (typeof v === 'string') return goQuote(v);
  if (v instanceof Uint8Array) return `b${goQuote(decoder.decode(v))}`;
  if (typeof v === 'boolean' || v === null || isCelType(v)) return formatString(v);
  if (typeof v === 'number') {
    const text = goFixed(v, 6);
    return Number.isFinite(v) ? text : goQuote(text);
  }
  if (timestampOf(v)) return `timestamp(${goQuote(formatString(v))})`;
  if (durationOf(v)) return `duration(${goQuote(formatString(v))})`;
  if (isCelList(v)) return formatList(v);
  if (isCelMap(v)) return formatMap(v);
  throw new FormatError(`no formatting function for ${typeName(v)}`);
}

function formatList(list: CelList): string {
  return `[${Array.from(list, formatElement).join(', ')}]`;
}

function formatMap(map: CelMap): string {
  const pairs: [string, string][] = [];
  for (const [key, value] of map) {
    let keyText: string;
    if (typeof key === 'string') keyText = goQuote(key);
    else if (typeof key === 'boolean') keyText = String(key);
    else if (typeof key === 'bigint' || isCelUint(key)) keyText = formatDecimal(key);
    else throw new FormatError(`no formatting function for map key of type ${typeName(key)}`);
    pairs.push([keyText, formatElement(value)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `{${pairs.map(([k, v]) => `${k}:${v}`).join(', ')}}`;
}

function formatDecimal(v: CelValue): string {
  if (typeof v === 'bigint') return v.toString();
  if (isCelUint(v)) return v.value.toString();
  throw new FormatError(`decimal clause can only be used on integers, was given ${typeName(v)}`);
}

/** A double, or one of the strings %f and %e accept in its place. */
function floatArgument(v: CelValue, clause: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  throw new FormatError(`${clause} clause can only be used on doubles, was given ${typeName(v)}`);
}

function formatBinary(v: CelValue): string {
  if (typeof v === 'bigint') return v.toString(2);
  if (isCelUint(v)) return v.value.toString(2);
  if (typeof v === 'boolean') return v ? '1' : '0';
  throw new FormatError(`only integers and bools can be formatted as binary, was given ${typeName(v)}`);
}

function formatOctal(v: CelValue): string {
  if (typeof v === 'bigint') return v.toString(8);
  if (isCelUint(v)) return v.value.toString(8);
  throw new FormatError(`octal clause can only be used on integers, was given ${typeName(v)}`);
}

const encoder = new TextEncoder();

function formatHex(v: CelValue, upper: boolean): string {
  let text: string;
  if (typeof v === 'bigint') text = v.toString(16);
  else if (isCelUint(v)) text = v.value.toString(16);
  else if (typeof v === 'string' || v instanceof Uint8Array) {
    const bytes = typeof v === 'string' ? encoder.encode(v) : v;
    text = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  } else {
    throw new FormatError(`only integers, byte buffers, and strings can be formatted as hex, was given ${typeName(v)}`);
  }
  return upper ? text.toUpperCase() : text;
}

/** Reads a clause after '%': returns the characters consumed and the formatter. */
function parseClause(format: string, from: number): [number, (v: CelValue) => string] {
  let i = from;
  let precision: number | undefined;
  if (format[i] === '.') {
    i++;
    let digits = '';
    for (;;) {
      if (i >= format.length) {
        throw new FormatError(
          'could not parse formatting clause: error while parsing precision: could not find end of precision specifier',
        );
      }
      if (!/[0-9]/.test(format[i])) break;
      digits += format[i++];
    }
    if (digits === '') {
      throw new FormatError(
        'could not parse formatting clause: error while parsing precision: error while converting precision to integer: strconv.Atoi: parsing "": invalid syntax',
      );
    }
    precision = Number(digits);
  }
  const verb = format[i++];
  const p = precision ?? 6;
  switch (verb) {
    case 's':
      return [i, formatString];
    case 'd':
      return [i, formatDecimal];
    case 'f':
      return [i, (v) => localeFixed(floatArgument(v, 'fixed-point'), p)];
    case 'e':
      return [i, (v) => localeScientific(floatArgument(v, 'scientific'), p)];
    case 'b':
      return [i, formatBinary];
    case 'x':
    case 'X':
      return [i, (v) => formatHex(v, verb === 'X')];
    case 'o':
      return [i, formatOctal];
    default:
      throw new FormatError(`could not parse formatting clause: unrecognized formatting clause ${goQuote(verb)}`);
  }
}

/** cel-go's parseFormatString; unused arguments are not an error at run time. */
function format(template: string, args: CelList): string {
  let out = '';
  let argIndex = 0;
  for (let i = 0; i < template.length; ) {
    if (template[i] !== '%') {
      out += template[i++];
      continue;
    }
    if (template[i + 1] === '%') {
      out += '%';
      i += 2;
      continue;
    }
    if (argIndex >= args.size) throw new FormatError(`index ${argIndex} out of range`);
    if (i + 1 >= template.length) throw new FormatError('unexpected end of string');
    const [next, formatter] = parseClause(template, i + 1);
    try {
      out += formatter(args.get(argIndex) as CelValue);
    } catch (err) {
      if (err instanceof FormatError) throw new FormatError(`error during formatting: ${err.message}`);
      throw err;
    }
    i = next;
    argIndex++;
  }
  return out;
}

function formatOrError(template: string, args: CelList): string {
  try {
    return format(template, args);
  } catch (err) {
    if (err instanceof FormatError) throw new Error(err.message);
    throw err;
  }
}

const { STRING, INT, DYN } = CelScalar;
const LIST = listType(DYN);

/**
 * cel-go strings v2 where @bufbuild/cel/ext's `strings` differs; list these after bufbuild's
 * `strings` so that they replace its overloads of the same ids.
 */
export const STRINGS_V2_OVERRIDES: readonly CelFunc[] = [
  celMethod('charAt', STRING, [INT], STRING, function (index) {
    return charAt(this, index);
  }),
  celMethod('indexOf', STRING, [STRING], INT, function (sub) {
    return indexOf(this, sub, 0n);
  }),
  celMethod('indexOf', STRING, [STRING, INT], INT, function (sub, offset) {
    return indexOf(this, sub, offset);
  }),
  celMethod('lastIndexOf', STRING, [STRING], INT, function (sub) {
    const length = BigInt(runesOf(this).length);
    return sub === '' ? length : lastIndexOf(this, sub, length - 1n);
  }),
  celMethod('lastIndexOf', STRING, [STRING, INT], INT, function (sub, offset) {
    return lastIndexOf(this, sub, offset);
  }),
  celMethod('replace', STRING, [STRING, STRING], STRING, function (old, replacement) {
    return replace(this, old, replacement, -1n);
  }),
  celMethod('replace', STRING, [STRING, STRING, INT], STRING, function (old, replacement, n) {
    return replace(this, old, replacement, n);
  }),
  celMethod('split', STRING, [STRING], listType(STRING), function (sep) {
    return split(this, sep, -1n);
  }),
  celMethod('split', STRING, [STRING, INT], listType(STRING), function (sep, n) {
    return split(this, sep, n);
  }),
  celMethod('substring', STRING, [INT], STRING, function (start) {
    return substring(this, start);
  }),
  celMethod('substring', STRING, [INT, INT], STRING, function (start, end) {
    return substring(this, start, end);
  }),
  celMethod('join', LIST, [], STRING, function () {
    return join(this, '');
  }),
  celMethod('join', LIST, [STRING], STRING, function (separator) {
    return join(this, separator);
  }),
  celFunc('strings.quote', [STRING], STRING, quote),
  celMethod('format', STRING, [LIST], STRING, function (args) {
    return formatOrError(this, args);
  }),
];
