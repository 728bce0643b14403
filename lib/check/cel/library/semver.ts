import { celFunc, celMethod, CelScalar, type CelFunc } from '@bufbuild/cel';
import { goQuote } from '../../field-error';
import { opaqueType } from './opaque';

// Kubernetes' semver library (k8s.io/apiserver/pkg/cel/library/semverlib.go) at version 1, the
// one a 1.33 API server enables: `semver`/`isSemver` take an optional `normalize` flag. Parsing
// and ordering port github.com/blang/semver/v4, whose error texts Kubernetes passes through.

interface PreRelease {
  readonly num?: bigint;
  readonly str?: string;
}

interface Version {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  readonly pre: readonly PreRelease[];
}

class SemverError extends Error {}

const NUMBERS = /^[0-9]*$/;
const ALPHANUMERIC = /^[0-9A-Za-z-]*$/;
const UINT64_MAX = 2n ** 64n - 1n;

function hasLeadingZeroes(s: string): boolean {
  return s.length > 1 && s[0] === '0';
}

/** strconv.ParseUint(s, 10, 64) for a string already known to hold only digits. */
function parseUint(s: string): bigint {
  if (s === '') throw new SemverError(`strconv.ParseUint: parsing ${goQuote(s)}: invalid syntax`);
  const value = BigInt(s);
  if (value > UINT64_MAX) throw new SemverError(`strconv.ParseUint: parsing ${goQuote(s)}: value out of range`);
  return value;
}

function parseNumber(s: string, name: string): bigint {
  if (!NUMBERS.test(s)) throw new SemverError(`Invalid character(s) found in ${name.toLowerCase()} number ${goQuote(s)}`);
  if (hasLeadingZeroes(s)) throw new SemverError(`${name} number must not contain leading zeroes ${goQuote(s)}`);
  return parseUint(s);
}

function parsePreRelease(s: string): PreRelease {
  if (s === '') throw new SemverError('Prerelease is empty');
  if (NUMBERS.test(s)) {
    if (hasLeadingZeroes(s)) {
      throw new SemverError(`Numeric PreRelease version must not contain leading zeroes ${goQuote(s)}`);
    }
    return { num: parseUint(s) };
  }
  if (ALPHANUMERIC.test(s)) return { str: s };
  throw new SemverError(`Invalid character(s) found in prerelease ${goQuote(s)}`);
}

/** Go's strings.SplitN(s, sep, 3). */
function splitN3(s: string, sep: string): string[] {
  const first = s.indexOf(sep);
  if (first < 0) return [s];
  const second = s.indexOf(sep, first + 1);
  if (second < 0) return [s.slice(0, first), s.slice(first + 1)];
  return [s.slice(0, first), s.slice(first + 1, second), s.slice(second + 1)];
}

/** blang/semver's Parse. */
function parseVersion(s: string): Version {
  if (s === '') throw new SemverError('Version string empty');
  const parts = splitN3(s, '.');
  if (parts.length !== 3) throw new SemverError('No Major.Minor.Patch elements found');
  const major = parseNumber(parts[0], 'Major');
  const minor = parseNumber(parts[1], 'Minor');
  let patchStr = parts[2];
  let build: string[] = [];
  let pre: string[] = [];
  const plus = patchStr.indexOf('+');
  if (plus !== -1) {
    build = patchStr.slice(plus + 1).split('.');
    patchStr = patchStr.slice(0, plus);
  }
  const dash = patchStr.indexOf('-');
  if (dash !== -1) {
    pre = patchStr.slice(dash + 1).split('.');
    patchStr = patchStr.slice(0, dash);
  }
  const patch = parseNumber(patchStr, 'Patch');
  const preRelease = pre.map(parsePreRelease);
  for (const part of build) {
    if (part === '') throw new SemverError('Build meta data is empty');
    if (!ALPHANUMERIC.test(part)) throw new SemverError(`Invalid character(s) found in build meta data ${goQuote(part)}`);
  }
  // Build metadata is validated but never compared, so the value does not keep it.
  return { major, minor, patch, pre: preRelease };
}

/** Kubernetes' normalizeAndParse: drops a leading "v" and leading zeros, pads "1" to "1.0.0". */
function normalizeAndParse(input: string): Version {
  const parts = splitN3(input.startsWith('v') ? input.slice(1) : input, '.').map((p) => {
    if (p.length <= 1) return p;
    const trimmed = p.replace(/^0+/, '');
    return trimmed === '' || !/^[0-9]/.test(trimmed) ? `0${trimmed}` : trimmed;
  });
  if (parts.length < 3) {
    if (/[+-]/.test(parts[parts.length - 1])) {
      throw new SemverError('short version cannot contain PreRelease/Build meta data');
    }
    while (parts.length < 3) parts.push('0');
  }
  return parseVersion(parts.join('.'));
}

function compareBig(a: bigint, b: bigint): number {
  return a === b ? 0 : a > b ? 1 : -1;
}

function comparePre(a: PreRelease, b: PreRelease): number {
  if (a.num !== undefined && b.num !== undefined) return compareBig(a.num, b.num);
  if (a.num !== undefined) return -1;
  if (b.num !== undefined) return 1;
  const x = a.str ?? '';
  const y = b.str ?? '';
  return x === y ? 0 : x > y ? 1 : -1;
}

/** blang/semver's Version.Compare: a release outranks its pre-releases; build metadata is ignored. */
function compareVersions(a: Version, b: Version): number {
  const core = compareBig(a.major, b.major) || compareBig(a.minor, b.minor) || compareBig(a.patch, b.patch);
  if (core !== 0) return core;
  if (a.pre.length === 0 && b.pre.length === 0) return 0;
  if (a.pre.length === 0) return 1;
  if (b.pre.length === 0) return -1;
  for (let i = 0; i < a.pre.length && i < b.pre.length; i++) {
    const c = comparePre(a.pre[i], b.pre[i]);
    if (c !== 0) return c;
  }
  return a.pre.length === b.pre.length ? 0 : a.pre.length < b.pre.length ? -1 : 1;
}

/** The key: the version without build metadata, which blang's EQ ignores too. */
function versionKey(v: Version): string {
  const pre = v.pre.map((p) => (p.num !== undefined ? p.num.toString() : p.str)).join('.');
  return `${v.major}.${v.minor}.${v.patch}${pre ? `-${pre}` : ''}`;
}

/** The `kubernetes.Semver` CEL type; `==` is blang's EQ (build metadata does not count). */
export const SEMVER_TYPE = opaqueType<Version>('kubernetes.Semver', { encode: versionKey, decode: parseVersion });

const { STRING, BOOL, INT } = CelScalar;
const SEMVER = SEMVER_TYPE.celType;

function parse(s: string, normalize: boolean): Version {
  return normalize ? normalizeAndParse(s) : parseVersion(s);
}

function parseOrCelError(s: string, normalize: boolean): Version {
  try {
    return parse(s, normalize);
  } catch (err) {
    if (err instanceof SemverError) throw new Error(err.message);
    throw err;
  }
}

function valid(s: string, normalize: boolean): boolean {
  try {
    parse(s, normalize);
    return true;
  } catch (err) {
    if (err instanceof SemverError) return false;
    throw err;
  }
}

/** Kubernetes' semver library, version 1. */
export const SEMVER_FUNCTIONS: readonly CelFunc[] = [
  celFunc('semver', [STRING], SEMVER, (s) => SEMVER_TYPE.wrap(parseOrCelError(s, false))),
  celFunc('semver', [STRING, BOOL], SEMVER, (s, normalize) => SEMVER_TYPE.wrap(parseOrCelError(s, normalize))),
  celFunc('isSemver', [STRING], BOOL, (s) => valid(s, false)),
  celFunc('isSemver', [STRING, BOOL], BOOL, (s, normalize) => valid(s, normalize)),
  // Go converts the uint64 components to int64, wrapping above 2^63-1.
  celMethod('major', SEMVER, [], INT, function () {
    return BigInt.asIntN(64, SEMVER_TYPE.unwrap(this).major);
  }),
  celMethod('minor', SEMVER, [], INT, function () {
    return BigInt.asIntN(64, SEMVER_TYPE.unwrap(this).minor);
  }),
  celMethod('patch', SEMVER, [], INT, function () {
    return BigInt.asIntN(64, SEMVER_TYPE.unwrap(this).patch);
  }),
  celMethod('isGreaterThan', SEMVER, [SEMVER], BOOL, function (other) {
    return compareVersions(SEMVER_TYPE.unwrap(this), SEMVER_TYPE.unwrap(other)) === 1;
  }),
  celMethod('isLessThan', SEMVER, [SEMVER], BOOL, function (other) {
    return compareVersions(SEMVER_TYPE.unwrap(this), SEMVER_TYPE.unwrap(other)) === -1;
  }),
  celMethod('compareTo', SEMVER, [SEMVER], INT, function (other) {
    return BigInt(compareVersions(SEMVER_TYPE.unwrap(this), SEMVER_TYPE.unwrap(other)));
  }),
];
