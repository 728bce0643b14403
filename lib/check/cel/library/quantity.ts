import { celFunc, celMethod, CelScalar, type CelFunc } from '@bufbuild/cel';
import { opaqueType } from './opaque';

// Kubernetes' quantity library (k8s.io/apiserver/pkg/cel/library/quantity.go) over a port of
// resource.Quantity (k8s.io/apimachinery/pkg/api/resource). A Quantity is held either as an
// int64 scaled by a power of ten or, when that cannot hold it exactly, as an arbitrary-precision
// decimal (Go's inf.Dec); which form a value is in is observable (`isInteger` is false for any
// inf.Dec, and for `1000m`, an int64 with a negative scale), so the port tracks it. All arithmetic
// is exact, in bigints.

/** value = mantissa × 10^exponent; `dec` marks Go's inf.Dec form, otherwise mantissa fits int64. */
interface Amount {
  readonly dec: boolean;
  readonly mantissa: bigint;
  readonly exponent: number;
}

class QuantityError extends Error {}

const FORMAT_WRONG = new QuantityError(
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
);
const NUMERIC_ERROR = new QuantityError('unable to parse numeric part of quantity');
const SUFFIX_ERROR = new QuantityError("unable to parse quantity's suffix");

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const NANO = -9;

// Scaling past this many digits would allocate without bound (as Go's inf.Dec would); refuse.
const MAX_SCALE_DIGITS = 100_000;

function fitsInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}

function pow10(n: number): bigint {
  if (n > MAX_SCALE_DIGITS) throw new QuantityError('quantity too large to evaluate exactly');
  return 10n ** BigInt(n);
}

function int64(mantissa: bigint, exponent: number): Amount {
  return { dec: false, mantissa, exponent };
}

function dec(mantissa: bigint, exponent: number): Amount {
  return { dec: true, mantissa, exponent };
}

interface QuantityParts {
  positive: boolean;
  value: string;
  num: string;
  denom: string;
  suffix: string;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** resource.parseQuantityString, a scanner that keeps Go's quirks (`1.G` and `-` parse). */
function parseQuantityString(str: string): QuantityParts {
  const parts: QuantityParts = { positive: true, value: '', num: '', denom: '', suffix: '' };
  let pos = 0;
  const end = str.length;
  if (str[0] === '-') {
    parts.positive = false;
    pos++;
  } else if (str[0] === '+') {
    pos++;
  }
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) {
    parts.num = '0';
    parts.value = '0';
    return parts;
  }
  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  parts.num = str.slice(pos, i);
  if (i >= end) {
    parts.value = str;
    return parts;
  }
  pos = i;
  if (parts.num === '') parts.num = '0';
  if (str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    parts.denom = str.slice(pos, i);
    if (i >= end) {
      parts.value = str;
      return parts;
    }
    pos = i;
  }
  parts.value = str.slice(0, pos);
  const suffixStart = pos;
  i = pos;
  while (i < end && 'eEinumkKMGTP'.includes(str[i])) i++;
  if (i >= end) {
    parts.suffix = str.slice(suffixStart);
    return parts;
  }
  pos = i;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  for (i = pos; i < end; i++) {
    if (!isDigit(str[i])) throw FORMAT_WRONG;
  }
  parts.suffix = str.slice(suffixStart);
  return parts;
}

type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/** resource's suffixHandler.interpret: base, exponent and format of a suffix. */
function interpretSuffix(suffix: string): { base: 10 | 2; exponent: number; format: Format } {
  if (Object.hasOwn(DECIMAL_SUFFIXES, suffix)) return { base: 10, exponent: DECIMAL_SUFFIXES[suffix], format: 'DecimalSI' };
  if (Object.hasOwn(BINARY_SUFFIXES, suffix)) return { base: 2, exponent: BINARY_SUFFIXES[suffix], format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    // strconv.ParseInt(…, 10, 64), then a truncating int32 conversion.
    if (!/^[+-]?[0-9]+$/.test(suffix.slice(1))) throw SUFFIX_ERROR;
    const parsed = BigInt(suffix.slice(1));
    if (!fitsInt64(parsed)) throw SUFFIX_ERROR;
    return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: 'DecimalExponent' };
  }
  throw SUFFIX_ERROR;
}

/** inf.Dec's SetString on the numeric part: digits with at most one point, optional sign. */
function parseDecimal(value: string): { unscaled: bigint; scale: number } {
  const match = /^([+-]?)([0-9]*)(?:\.([0-9]*))?$/.exec(value);
  if (!match || match[2] + (match[3] ?? '') === '') throw NUMERIC_ERROR;
  const digits = match[2] + (match[3] ?? '');
  const unscaled = BigInt(digits);
  return { unscaled: match[1] === '-' ? -unscaled : unscaled, scale: (match[3] ?? '').length };
}

function digitCount(v: bigint): number {
  return (v < 0n ? -v : v).toString().length;
}

/** inf.Dec.Round(x, 9, RoundUp) for x >= 0, as an exponent -9 mantissa. */
function roundUpToNano(mantissa: bigint, exponent: number): bigint {
  if (exponent >= NANO) return mantissa * pow10(exponent - NANO);
  const drop = NANO - exponent;
  if (drop > digitCount(mantissa)) return 1n;
  const divisor = pow10(drop);
  const quotient = mantissa / divisor;
  return mantissa % divisor === 0n ? quotient : quotient + 1n;
}

/** resource.ParseQuantity. */
function parseQuantity(str: string): Amount {
  if (str.length === 0) throw FORMAT_WRONG;
  if (str === '0') return int64(0n, 0);
  const { positive, value, num, denom, suffix } = parseQuantityString(str);
  const { base, exponent, format } = interpretSuffix(suffix);

  let precision = 0;
  let scale = 0;
  let multiplier = 1n;
  if (format === 'BinarySI') {
    if (exponent >= 0 && denom.length === 0) {
      multiplier = 1n << BigInt(exponent);
      precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
    } else {
      precision = -1;
    }
  } else {
    scale = exponent;
    precision = 18 - (num.length + denom.length);
  }

  if (precision >= 0) {
    scale = (scale - denom.length) | 0;
    if (scale >= NANO) {
      const product = BigInt(num + denom) * multiplier;
      if (fitsInt64(product)) return int64(positive ? product : -product, scale);
    }
  }

  const parsed = parseDecimal(value);
  let mantissa = parsed.unscaled;
  let exp = -parsed.scale;
  if (base === 10) exp += exponent;
  else mantissa *= 1n << BigInt(exponent);

  const negative = mantissa < 0n;
  if (negative) mantissa = -mantissa;
  // Non-zero values round up, away from zero, to the nearest nano: asking for too little still
  // gets something.
  if (mantissa !== 0n) {
    mantissa = roundUpToNano(mantissa, exp);
    exp = NANO;
  }
  if (format === 'BinarySI' && compareAmounts(dec(mantissa, exp), dec(INT64_MAX, 0)) > 0) {
    mantissa = INT64_MAX;
    exp = 0;
  }
  return dec(negative ? -mantissa : mantissa, exp);
}

/** Exact comparison of two values, without materializing far-apart powers of ten. */
function compareAmounts(a: Amount, b: Amount): number {
  const sa = sign(a);
  const sb = sign(b);
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  // Same sign: compare magnitudes by order of magnitude first.
  const magA = digitCount(a.mantissa) + a.exponent;
  const magB = digitCount(b.mantissa) + b.exponent;
  let result: number;
  if (magA !== magB) {
    result = magA < magB ? -1 : 1;
  } else {
    const common = Math.min(a.exponent, b.exponent);
    const x = abs(a.mantissa) * pow10(a.exponent - common);
    const y = abs(b.mantissa) * pow10(b.exponent - common);
    result = x === y ? 0 : x < y ? -1 : 1;
  }
  return sa < 0 ? -result : result;
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

function sign(a: Amount): number {
  return a.mantissa === 0n ? 0 : a.mantissa < 0n ? -1 : 1;
}

/** resource's int64Multiply: the product if it fits int64 (MinInt64 only times 0 or 1). */
function int64Multiply(a: bigint, b: bigint): bigint | undefined {
  if (a === 0n || b === 0n || a === 1n || b === 1n) return a * b;
  if (a === INT64_MIN || b === INT64_MIN) return undefined;
  const product = a * b;
  return fitsInt64(product) ? product : undefined;
}

/** resource's positiveScaleInt64: base × 10^scale if it fits int64. */
function positiveScaleInt64(base: bigint, scale: number): bigint | undefined {
  if (scale === 0 || base === 0n) return base;
  if (scale === 1 || scale === 2 || scale === 3 || scale === 6 || scale === 9) {
    return int64Multiply(base, 10n ** BigInt(scale));
  }
  let value: bigint | undefined = base;
  for (let i = 0; i < scale && value !== undefined; i++) value = int64Multiply(value, 10n);
  return value;
}

/** resource's int64Amount.Add; undefined when the sum leaves int64 (Go then falls back to inf.Dec). */
function addInt64(a: Amount, b: Amount): Amount | undefined {
  if (b.mantissa === 0n) return a;
  if (a.mantissa === 0n) return b;
  // The operand with the coarser scale is brought down to the finer one.
  const left = a.exponent > b.exponent ? positiveScaleInt64(a.mantissa, a.exponent - b.exponent) : a.mantissa;
  const right = b.exponent > a.exponent ? positiveScaleInt64(b.mantissa, b.exponent - a.exponent) : b.mantissa;
  if (left === undefined || right === undefined) return undefined;
  const total = left + right;
  return fitsInt64(total) ? int64(total, Math.min(a.exponent, b.exponent)) : undefined;
}

/** inf.Dec addition: the result keeps the finer of the two scales. */
function addDec(a: Amount, b: Amount): Amount {
  const common = Math.min(a.exponent, b.exponent);
  return dec(a.mantissa * pow10(a.exponent - common) + b.mantissa * pow10(b.exponent - common), common);
}

/** Quantity.Add. */
function add(a: Amount, b: Amount): Amount {
  if (!a.dec && !b.dec) {
    const sum = addInt64(a, b);
    if (sum) return sum;
  }
  return addDec(a, b);
}

/** Quantity.Sub; int64Amount.Sub negates in int64, where -MinInt64 wraps to itself. */
function sub(a: Amount, b: Amount): Amount {
  if (!a.dec && !b.dec) {
    const negated = b.mantissa === INT64_MIN ? INT64_MIN : -b.mantissa;
    const difference = addInt64(a, int64(negated, b.exponent));
    if (difference) return difference;
  }
  return addDec(a, dec(-b.mantissa, b.exponent));
}

/** Quantity.AsInt64: only an int64 form with a non-negative scale converts. */
function asInt64(a: Amount): bigint | undefined {
  if (a.dec || a.exponent < 0) return undefined;
  return positiveScaleInt64(a.mantissa, a.exponent);
}

// Go's math.Pow10 tables: the product of two table entries, not a correctly rounded power.
const POW10 = Array.from({ length: 32 }, (_, i) => Number(`1e${i}`));
const POW10_POS32 = Array.from({ length: 10 }, (_, i) => Number(`1e${32 * i}`));
const POW10_NEG32 = Array.from({ length: 11 }, (_, i) => Number(`1e-${32 * i}`));

function goPow10(n: number): number {
  if (n >= 0 && n <= 308) return POW10_POS32[Math.floor(n / 32)] * POW10[n % 32];
  if (n < 0 && n >= -323) return POW10_NEG32[Math.floor(-n / 32)] / POW10[-n % 32];
  return n > 0 ? Number.POSITIVE_INFINITY : 0;
}

/** Quantity.AsApproximateFloat64: float64(mantissa) × math.Pow10(exponent). */
function asApproximateFloat(a: Amount): number {
  const base = Number(a.mantissa);
  return a.exponent === 0 ? base : base * goPow10(a.exponent);
}

/** The equality key: the exact value, normalized (Kubernetes compares quantities with Cmp). */
function canonicalKey(a: Amount): string {
  if (a.mantissa === 0n) return '0';
  let mantissa = a.mantissa;
  let exponent = a.exponent;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  return `${mantissa}e${exponent}`;
}

function fromKey(key: string): Amount {
  const [mantissa, exponent] = key.split('e');
  const value = BigInt(mantissa);
  return { dec: !fitsInt64(value), mantissa: value, exponent: Number(exponent ?? 0) };
}

/** The `kubernetes.Quantity` CEL type; `==` compares values, so `quantity('1') == quantity('1000m')`. */
export const QUANTITY_TYPE = opaqueType<Amount>('kubernetes.Quantity', { encode: canonicalKey, decode: fromKey });

const { STRING, BOOL, INT, DOUBLE } = CelScalar;
const QUANTITY = QUANTITY_TYPE.celType;

function toCelError<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof QuantityError) throw new Error(err.message);
    throw err;
  }
}

/**
 * Kubernetes' quantity library as of 1.33: `quantity`, `isQuantity`, `sign` (a global function,
 * not a method, despite the docs), comparisons, `add`/`sub` and the integer/float conversions.
 * `mul`, `div` and `divInt` arrived after 1.33 and are left out.
 */
export const QUANTITY_FUNCTIONS: readonly CelFunc[] = [
  celFunc('quantity', [STRING], QUANTITY, (s) => QUANTITY_TYPE.wrap(toCelError(() => parseQuantity(s)))),
  celFunc('isQuantity', [STRING], BOOL, (s) => {
    try {
      parseQuantity(s);
      return true;
    } catch (err) {
      if (err instanceof QuantityError) return false;
      throw err;
    }
  }),
  celFunc('sign', [QUANTITY], INT, (q) => BigInt(sign(QUANTITY_TYPE.unwrap(q)))),
  celMethod('isGreaterThan', QUANTITY, [QUANTITY], BOOL, function (other) {
    return toCelError(() => compareAmounts(QUANTITY_TYPE.unwrap(this), QUANTITY_TYPE.unwrap(other)) === 1);
  }),
  celMethod('isLessThan', QUANTITY, [QUANTITY], BOOL, function (other) {
    return toCelError(() => compareAmounts(QUANTITY_TYPE.unwrap(this), QUANTITY_TYPE.unwrap(other)) === -1);
  }),
  celMethod('compareTo', QUANTITY, [QUANTITY], INT, function (other) {
    return toCelError(() => BigInt(compareAmounts(QUANTITY_TYPE.unwrap(this), QUANTITY_TYPE.unwrap(other))));
  }),
  celMethod('asApproximateFloat', QUANTITY, [], DOUBLE, function () {
    return asApproximateFloat(QUANTITY_TYPE.unwrap(this));
  }),
  celMethod('asInteger', QUANTITY, [], INT, function () {
    const value = asInt64(QUANTITY_TYPE.unwrap(this));
    if (value === undefined) throw new Error('cannot convert value to integer');
    return value;
  }),
  celMethod('isInteger', QUANTITY, [], BOOL, function () {
    return asInt64(QUANTITY_TYPE.unwrap(this)) !== undefined;
  }),
  celMethod('add', QUANTITY, [QUANTITY], QUANTITY, function (other) {
    return QUANTITY_TYPE.wrap(toCelError(() => add(QUANTITY_TYPE.unwrap(this), QUANTITY_TYPE.unwrap(other))));
  }),
  celMethod('add', QUANTITY, [INT], QUANTITY, function (n) {
    return QUANTITY_TYPE.wrap(toCelError(() => add(QUANTITY_TYPE.unwrap(this), int64(n, 0))));
  }),
  celMethod('sub', QUANTITY, [QUANTITY], QUANTITY, function (other) {
    return QUANTITY_TYPE.wrap(toCelError(() => sub(QUANTITY_TYPE.unwrap(this), QUANTITY_TYPE.unwrap(other))));
  }),
  celMethod('sub', QUANTITY, [INT], QUANTITY, function (n) {
    return QUANTITY_TYPE.wrap(toCelError(() => sub(QUANTITY_TYPE.unwrap(this), int64(n, 0))));
  }),
];
