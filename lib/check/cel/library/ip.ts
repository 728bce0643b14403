import { celFunc, celMethod, CelScalar, type CelFunc } from '@bufbuild/cel';
import { goQuote } from '../../field-error';
import { opaqueType } from './opaque';

// Kubernetes' IP and CIDR libraries (k8s.io/apiserver/pkg/cel/library/ip.go and cidr.go) wrap Go's
// net/netip, so this module ports netip.ParseAddr, ParsePrefix and the Addr predicates, with
// netip's error texts: Kubernetes passes them through to the CEL error.

/** An IP address as Go's `netip.Addr`: 16 bytes (IPv4 in its mapped form), a family and a zone. */
interface Addr {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
  readonly zone: string;
}

/** A CIDR as Go's `netip.Prefix`: an address (zone stripped) and a prefix length, unmasked. */
interface Prefix {
  readonly addr: Addr;
  readonly bits: number;
}

class ParseError extends Error {}

function addrError(input: string, msg: string, at?: string): ParseError {
  const where = at ? ` (at ${goQuote(at)})` : '';
  return new ParseError(`ParseAddr(${goQuote(input)}): ${msg}${where}`);
}

function parseIPv4Fields(input: string, off: number, end: number, out: Uint8Array, at: number): void {
  const s = input.slice(off, end);
  let val = 0;
  let pos = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && val === 0) throw addrError(input, 'IPv4 field has octet with leading zero');
      val = val * 10 + (c - 0x30);
      digits++;
      if (val > 255) throw addrError(input, 'IPv4 field has value >255');
    } else if (c === 0x2e) {
      if (i === 0 || i === s.length - 1 || s[i - 1] === '.') {
        throw addrError(input, 'IPv4 field must have at least one digit', s.slice(i));
      }
      if (pos === 3) throw addrError(input, 'IPv4 address too long');
      out[at + pos] = val;
      pos++;
      val = 0;
      digits = 0;
    } else {
      throw addrError(input, 'unexpected character', s.slice(i));
    }
  }
  if (pos < 3) throw addrError(input, 'IPv4 address too short');
  out[at + 3] = val;
}

function ipv4(fields: Uint8Array): Addr {
  const bytes = new Uint8Array(16);
  bytes[10] = 0xff;
  bytes[11] = 0xff;
  bytes.set(fields, 12);
  return { family: 4, bytes, zone: '' };
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function parseIPv6(input: string): Addr {
  let s = input;
  let zone = '';
  const percent = s.indexOf('%');
  if (percent !== -1) {
    zone = s.slice(percent + 1);
    s = s.slice(0, percent);
    if (zone === '') throw addrError(input, 'zone must be a non-empty string');
  }
  const ip = new Uint8Array(16);
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return { family: 6, bytes: ip, zone };
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const d = hexDigit(s.charCodeAt(off));
      if (d < 0) break;
      acc = acc * 16 + d;
      if (off > 3) throw addrError(input, 'each group must have 4 or less digits', s);
      if (acc > 0xffff) throw addrError(input, 'IPv6 field has value >=2^16', s);
    }
    if (off === 0) throw addrError(input, 'each colon-separated field must have at least one digit', s);
    if (off < s.length && s[off] === '.') {
      if (ellipsis < 0 && i !== 12) {
        throw addrError(input, 'embedded IPv4 address must replace the final 2 fields of the address', s);
      }
      if (i + 4 > 16) {
        throw addrError(input, 'too many hex fields to fit an embedded IPv4 at the end of the address', s);
      }
      const end = zone.length > 0 ? input.length - zone.length - 1 : input.length;
      parseIPv4Fields(input, end - s.length, end, ip, i);
      s = '';
      i += 4;
      break;
    }
    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;
    s = s.slice(off);
    if (s.length === 0) break;
    if (s[0] !== ':') throw addrError(input, 'unexpected character, want colon', s);
    if (s.length === 1) throw addrError(input, 'colon must be followed by more characters', s);
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) throw addrError(input, 'multiple :: in address', s);
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) throw addrError(input, 'trailing garbage after address', s);
  if (i < 16) {
    if (ellipsis < 0) throw addrError(input, 'address string too short');
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j];
    ip.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    throw addrError(input, 'the :: must expand to at least one field of zeros');
  }
  return { family: 6, bytes: ip, zone };
}

/** Go's `netip.ParseAddr`. */
function parseAddr(s: string): Addr {
  for (const ch of s) {
    if (ch === '.') {
      const fields = new Uint8Array(4);
      parseIPv4Fields(s, 0, s.length, fields, 0);
      return ipv4(fields);
    }
    if (ch === ':') return parseIPv6(s);
    if (ch === '%') throw addrError(s, 'missing IPv6 address');
  }
  throw addrError(s, 'unable to parse IP');
}

function is4In6(a: Addr): boolean {
  return a.family === 6 && a.bytes.subarray(0, 10).every((b) => b === 0) && a.bytes[10] === 0xff && a.bytes[11] === 0xff;
}

function word(a: Addr, i: number): number {
  return (a.bytes[2 * i] << 8) | a.bytes[2 * i + 1];
}

function v4String(a: Addr): string {
  return Array.from(a.bytes.subarray(12), String).join('.');
}

/** Go's `Addr.String`: dotted quad, or RFC 5952 IPv6 (longest run of 2+ zero groups elided). */
function addrString(a: Addr): string {
  if (a.family === 4) return v4String(a);
  const zone = a.zone ? `%${a.zone}` : '';
  if (is4In6(a)) return `::ffff:${v4String(a)}${zone}`;
  let zeroStart = 255;
  let zeroEnd = 255;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && word(a, j) === 0) j++;
    if (j - i >= 2 && j - i > zeroEnd - zeroStart) {
      zeroStart = i;
      zeroEnd = j;
    }
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === zeroStart) {
      out += '::';
      i = zeroEnd;
      if (i >= 8) break;
    } else if (i > 0) {
      out += ':';
    }
    out += word(a, i).toString(16);
  }
  return out + zone;
}

function isUnspecified(a: Addr): boolean {
  const from = a.family === 4 ? 12 : 0;
  return a.zone === '' && a.bytes.subarray(from).every((b) => b === 0);
}

function unmap(a: Addr): Addr {
  return is4In6(a) ? { family: 4, bytes: a.bytes, zone: '' } : a;
}

function isLoopback(addr: Addr): boolean {
  const a = unmap(addr);
  if (a.family === 4) return a.bytes[12] === 127;
  return a.bytes.subarray(0, 15).every((b) => b === 0) && a.bytes[15] === 1;
}

function isMulticast(addr: Addr): boolean {
  const a = unmap(addr);
  return a.family === 4 ? (a.bytes[12] & 0xf0) === 0xe0 : a.bytes[0] === 0xff;
}

function isLinkLocalMulticast(addr: Addr): boolean {
  const a = unmap(addr);
  if (a.family === 4) return a.bytes[12] === 224 && a.bytes[13] === 0 && a.bytes[14] === 0;
  return (word(a, 0) & 0xff0f) === 0xff02;
}

function isLinkLocalUnicast(addr: Addr): boolean {
  const a = unmap(addr);
  if (a.family === 4) return a.bytes[12] === 169 && a.bytes[13] === 254;
  return (word(a, 0) & 0xffc0) === 0xfe80;
}

function isGlobalUnicast(addr: Addr): boolean {
  const a = unmap(addr);
  if (a.family === 4 && (isUnspecified(a) || a.bytes.subarray(12).every((b) => b === 255))) return false;
  return !(a.family === 6 && isUnspecified(a)) && !isLoopback(a) && !isMulticast(a) && !isLinkLocalUnicast(a);
}

/** Kubernetes' parseIPAddr: netip.ParseAddr without zones or IPv4-mapped IPv6. */
function parseIPAddr(raw: string): Addr {
  let addr: Addr;
  try {
    addr = parseAddr(raw);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    throw new ParseError(`IP Address ${goQuote(raw)} parse error during conversion from string: ${err.message}`);
  }
  if (addr.zone !== '') throw new ParseError(`IP address ${goQuote(raw)} with zone value is not allowed`);
  if (is4In6(addr)) throw new ParseError(`IPv4-mapped IPv6 address ${goQuote(raw)} is not allowed`);
  return addr;
}

function bitLen(a: Addr): number {
  return a.family === 4 ? 32 : 128;
}

/** Go's `netip.ParsePrefix`. */
function parsePrefix(s: string): Prefix {
  const prefixError = (msg: string) => new ParseError(`netip.ParsePrefix(${goQuote(s)}): ${msg}`);
  const slash = s.lastIndexOf('/');
  if (slash < 0) throw prefixError("no '/'");
  let ip: Addr;
  try {
    ip = parseAddr(s.slice(0, slash));
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    throw prefixError(err.message);
  }
  if (ip.family === 6 && ip.zone !== '') throw prefixError('IPv6 zones cannot be present in a prefix');
  const bitsStr = s.slice(slash + 1);
  // strconv.Atoi accepts a sign and leading zeros, which netip refuses, and fails past int64.
  if (
    !/^[0-9]+$/.test(bitsStr) ||
    (bitsStr.length > 1 && bitsStr[0] === '0') ||
    BigInt(bitsStr) > 2n ** 63n - 1n
  ) {
    throw prefixError(`bad bits after slash: ${goQuote(bitsStr)}`);
  }
  const bits = Number(bitsStr);
  if (bits > bitLen(ip)) throw prefixError('prefix length out of range');
  return { addr: ip, bits };
}

/** Kubernetes' parseCIDR: netip.ParsePrefix without IPv4-mapped IPv6. */
function parseCIDR(raw: string): Prefix {
  let prefix: Prefix;
  try {
    prefix = parsePrefix(raw);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    throw new ParseError(`network address parse error during conversion from string: ${err.message}`);
  }
  if (is4In6(prefix.addr)) throw new ParseError(`IPv4-mapped IPv6 address ${goQuote(raw)} is not allowed`);
  return prefix;
}

function stringToCIDR(raw: string): Prefix {
  try {
    return parseCIDR(raw);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    throw new ParseError(`network address parse error during conversion from string: ${err.message}`);
  }
}

function maskedBytes(a: Addr, bits: number): Uint8Array {
  const effective = a.family === 4 ? bits + 96 : bits;
  const out = new Uint8Array(a.bytes);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, effective - 8 * i));
    out[i] &= (0xff00 >> keep) & 0xff;
  }
  return out;
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  return x.every((b, i) => b === y[i]);
}

function masked(p: Prefix): Prefix {
  return { addr: { family: p.addr.family, bytes: maskedBytes(p.addr, p.bits), zone: '' }, bits: p.bits };
}

function prefixContains(p: Prefix, ip: Addr): boolean {
  if (ip.zone !== '' || ip.family !== p.addr.family) return false;
  return sameBytes(maskedBytes(ip, p.bits), maskedBytes(p.addr, p.bits));
}

/**
 * Kubernetes' cidrContainsCIDR as fixed by kubernetes/kubernetes#130450 (in 1.33, and cherry-picked
 * to 1.32 and 1.31): both addresses masked to this prefix's length must agree, and this prefix must
 * be no longer than the other. Before the fix the other address was compared unmasked.
 */
function prefixContainsPrefix(p: Prefix, other: Prefix): boolean {
  if (other.addr.family !== p.addr.family || p.bits > other.bits) return false;
  return sameBytes(maskedBytes(p.addr, p.bits), maskedBytes(other.addr, p.bits));
}

function prefixString(p: Prefix): string {
  return `${addrString(p.addr)}/${p.bits}`;
}

/** The `net.IP` CEL type; the key is netip's canonical form, so `==` is netip.Addr equality. */
export const IP_TYPE = opaqueType<Addr>('net.IP', { encode: addrString, decode: parseAddr });

/** The `net.CIDR` CEL type; equality is netip.Prefix equality (address unmasked, and length). */
export const CIDR_TYPE = opaqueType<Prefix>('net.CIDR', { encode: prefixString, decode: parsePrefix });

const { STRING, BOOL, INT } = CelScalar;
const IP = IP_TYPE.celType;
const CIDR = CIDR_TYPE.celType;

function rethrowAsCelError<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof ParseError) throw new Error(err.message);
    throw err;
  }
}

function succeeds(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (err) {
    if (err instanceof ParseError) return false;
    throw err;
  }
}

/** Kubernetes' IP library: `ip`, `isIP`, `ip.isCanonical`, `string(ip)` and the address predicates. */
export const IP_FUNCTIONS: readonly CelFunc[] = [
  celFunc('ip', [STRING], IP, (s) => IP_TYPE.wrap(rethrowAsCelError(() => parseIPAddr(s)))),
  celFunc('isIP', [STRING], BOOL, (s) => succeeds(() => parseIPAddr(s))),
  celFunc('ip.isCanonical', [STRING], BOOL, (s) => addrString(rethrowAsCelError(() => parseIPAddr(s))) === s),
  celFunc('string', [IP], STRING, (ip) => addrString(IP_TYPE.unwrap(ip))),
  celMethod('family', IP, [], INT, function () {
    return BigInt(IP_TYPE.unwrap(this).family);
  }),
  celMethod('isUnspecified', IP, [], BOOL, function () {
    return isUnspecified(IP_TYPE.unwrap(this));
  }),
  celMethod('isLoopback', IP, [], BOOL, function () {
    return isLoopback(IP_TYPE.unwrap(this));
  }),
  celMethod('isLinkLocalMulticast', IP, [], BOOL, function () {
    return isLinkLocalMulticast(IP_TYPE.unwrap(this));
  }),
  celMethod('isLinkLocalUnicast', IP, [], BOOL, function () {
    return isLinkLocalUnicast(IP_TYPE.unwrap(this));
  }),
  celMethod('isGlobalUnicast', IP, [], BOOL, function () {
    return isGlobalUnicast(IP_TYPE.unwrap(this));
  }),
];

/** Kubernetes' CIDR library: `cidr`, `isCIDR`, `string(cidr)`, containment, `ip`, `masked`, `prefixLength`. */
export const CIDR_FUNCTIONS: readonly CelFunc[] = [
  celFunc('cidr', [STRING], CIDR, (s) => CIDR_TYPE.wrap(rethrowAsCelError(() => stringToCIDR(s)))),
  celFunc('isCIDR', [STRING], BOOL, (s) => succeeds(() => parseCIDR(s))),
  celFunc('string', [CIDR], STRING, (c) => prefixString(CIDR_TYPE.unwrap(c))),
  celMethod('containsIP', CIDR, [IP], BOOL, function (ip) {
    return prefixContains(CIDR_TYPE.unwrap(this), IP_TYPE.unwrap(ip));
  }),
  celMethod('containsIP', CIDR, [STRING], BOOL, function (s) {
    let ip: Addr;
    try {
      ip = parseIPAddr(s);
    } catch (err) {
      // Kubernetes hands the parse error to a type switch that reports a missing overload instead.
      if (err instanceof ParseError) throw new Error('no such overload');
      throw err;
    }
    return prefixContains(CIDR_TYPE.unwrap(this), ip);
  }),
  celMethod('containsCIDR', CIDR, [CIDR], BOOL, function (other) {
    return prefixContainsPrefix(CIDR_TYPE.unwrap(this), CIDR_TYPE.unwrap(other));
  }),
  celMethod('containsCIDR', CIDR, [STRING], BOOL, function (s) {
    return prefixContainsPrefix(CIDR_TYPE.unwrap(this), rethrowAsCelError(() => stringToCIDR(s)));
  }),
  celMethod('ip', CIDR, [], IP, function () {
    return IP_TYPE.wrap(CIDR_TYPE.unwrap(this).addr);
  }),
  celMethod('masked', CIDR, [], CIDR, function () {
    return CIDR_TYPE.wrap(masked(CIDR_TYPE.unwrap(this)));
  }),
  celMethod('prefixLength', CIDR, [], INT, function () {
    return BigInt(CIDR_TYPE.unwrap(this).bits);
  }),
];
