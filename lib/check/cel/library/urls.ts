import { celFunc, celMethod, CelScalar, listType, mapType, type CelFunc } from '@bufbuild/cel';
import { goQuote } from '../../field-error';
import { opaqueType } from './opaque';

// Kubernetes' URL library (k8s.io/apiserver/pkg/cel/library/urls.go) is a thin layer over Go's
// net/url, so this module ports the parts of net/url (Go 1.24) that it reaches: Parse,
// ParseRequestURI, String, EscapedPath, Hostname, Port and Query. Go works on UTF-8 bytes; the
// port works on UTF-16 strings and only turns to bytes where escapes are read or written, which
// gives the same result for valid UTF-8 (a `%ff` escape, invalid UTF-8, decodes to U+FFFD here).

/** A parsed URL, field for field Go's `url.URL`. */
export interface GoURL {
  scheme: string;
  opaque: string;
  user: GoUserinfo | undefined;
  host: string;
  path: string;
  rawPath: string;
  omitHost: boolean;
  forceQuery: boolean;
  rawQuery: string;
  fragment: string;
  rawFragment: string;
}

interface GoUserinfo {
  username: string;
  password: string;
  passwordSet: boolean;
}

/** A net/url parse error; its message is Go's `err.Error()`. */
export class GoURLError extends Error {}

/** Go's `url.ParseRequestURI`: an absolute URI or an absolute path, no fragment splitting. */
export function parseRequestURI(rawURL: string): GoURL {
  return wrapParseError(rawURL, () => parse(rawURL, true));
}

/** Go's `url.Parse`: any URI reference, with the `#fragment` cut off first. */
export function parseURL(rawURL: string): GoURL {
  const hash = rawURL.indexOf('#');
  const u = hash < 0 ? rawURL : rawURL.slice(0, hash);
  const url = wrapParseError(u, () => parse(u, false));
  if (hash >= 0) {
    const frag = rawURL.slice(hash + 1);
    if (frag !== '') wrapParseError(rawURL, () => setFragment(url, frag));
  }
  return url;
}

function wrapParseError<T>(rawURL: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof GoURLError) throw new GoURLError(`parse ${goQuote(rawURL)}: ${err.message}`);
    throw err;
  }
}

// Go's encoding modes for shouldEscape / escape / unescape.
enum Mode {
  Path = 1,
  PathSegment,
  Host,
  Zone,
  UserPassword,
  QueryComponent,
  Fragment,
}

function isAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

function shouldEscape(c: number, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  if (mode === Mode.Host || mode === Mode.Zone) {
    if ('!$&\'()*+,;=:[]<>"'.includes(String.fromCharCode(c))) return false;
  }
  const ch = String.fromCharCode(c);
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    switch (mode) {
      case Mode.Path:
        return ch === '?';
      case Mode.PathSegment:
        return ch === '/' || ch === ';' || ch === ',' || ch === '?';
      case Mode.UserPassword:
        return ch === '@' || ch === '/' || ch === '?' || ch === ':';
      case Mode.QueryComponent:
        return true;
      case Mode.Fragment:
        return false;
    }
  }
  if (mode === Mode.Fragment && '!()*'.includes(ch)) return false;
  return true;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function unhex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return 0;
}

function escapeError(s: string): GoURLError {
  return new GoURLError(`invalid URL escape ${goQuote(s)}`);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function unescape(s: string, mode: Mode): string {
  let n = 0;
  let hasPlus = false;
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      n++;
      if (i + 2 >= s.length || !isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) {
        throw escapeError(s.slice(i, i + 3));
      }
      const escape = s.slice(i, i + 3);
      if (mode === Mode.Host && unhex(s.charCodeAt(i + 1)) < 8 && escape !== '%25') throw escapeError(escape);
      if (mode === Mode.Zone) {
        const v = (unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2));
        if (escape !== '%25' && v !== 0x20 && shouldEscape(v, Mode.Host)) throw escapeError(escape);
      }
      i += 3;
    } else if (c === 0x2b) {
      hasPlus = mode === Mode.QueryComponent;
      i++;
    } else {
      if ((mode === Mode.Host || mode === Mode.Zone) && c < 0x80 && shouldEscape(c, mode)) {
        throw new GoURLError(`invalid character ${goQuote(s[i])} in host name`);
      }
      i++;
    }
  }
  if (n === 0 && !hasPlus) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      bytes.push((unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2)));
      i += 2;
    } else if (c === 0x2b) {
      bytes.push(mode === Mode.QueryComponent ? 0x20 : 0x2b);
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      // A whole code point (both halves of a surrogate pair) becomes its UTF-8 bytes.
      const cp = s.codePointAt(i) ?? c;
      const ch = String.fromCodePoint(cp);
      bytes.push(...encoder.encode(ch));
      i += ch.length - 1;
    }
  }
  return decoder.decode(new Uint8Array(bytes));
}

const UPPER_HEX = '0123456789ABCDEF';

function escape(s: string, mode: Mode): string {
  let out = '';
  for (const b of encoder.encode(s)) {
    if (b === 0x20 && mode === Mode.QueryComponent) out += '+';
    else if (shouldEscape(b, mode)) out += `%${UPPER_HEX[b >> 4]}${UPPER_HEX[b & 15]}`;
    else out += String.fromCharCode(b);
  }
  return out;
}

function getScheme(rawURL: string): [scheme: string, rest: string] {
  for (let i = 0; i < rawURL.length; i++) {
    const c = rawURL.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) continue;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) return ['', rawURL];
      continue;
    }
    if (c === 0x3a) {
      if (i === 0) throw new GoURLError('missing protocol scheme');
      return [rawURL.slice(0, i), rawURL.slice(i + 1)];
    }
    return ['', rawURL];
  }
  return ['', rawURL];
}

function containsCTLByte(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function parse(rawURL: string, viaRequest: boolean): GoURL {
  if (containsCTLByte(rawURL)) throw new GoURLError('net/url: invalid control character in URL');
  if (rawURL === '' && viaRequest) throw new GoURLError('empty url');
  const url: GoURL = {
    scheme: '',
    opaque: '',
    user: undefined,
    host: '',
    path: '',
    rawPath: '',
    omitHost: false,
    forceQuery: false,
    rawQuery: '',
    fragment: '',
    rawFragment: '',
  };
  if (rawURL === '*') {
    url.path = '*';
    return url;
  }
  const [scheme, afterScheme] = getScheme(rawURL);
  url.scheme = scheme.toLowerCase();
  let rest = afterScheme;

  if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) {
    url.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      url.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }

  if (!rest.startsWith('/')) {
    if (url.scheme !== '') {
      // Rootless paths per RFC 3986 are opaque.
      url.opaque = rest;
      return url;
    }
    if (viaRequest) throw new GoURLError('invalid URI for request');
    const slash = rest.indexOf('/');
    const segment = slash < 0 ? rest : rest.slice(0, slash);
    if (segment.includes(':')) throw new GoURLError('first path segment in URL cannot contain colon');
  }

  if ((url.scheme !== '' || (!viaRequest && !rest.startsWith('///'))) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    [url.user, url.host] = parseAuthority(authority);
  } else if (url.scheme !== '' && rest.startsWith('/')) {
    url.omitHost = true;
  }
  setPath(url, rest);
  return url;
}

function parseAuthority(authority: string): [GoUserinfo | undefined, string] {
  const at = authority.lastIndexOf('@');
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (at < 0) return [undefined, host];
  const userinfo = authority.slice(0, at);
  if (!validUserinfo(userinfo)) throw new GoURLError('net/url: invalid userinfo');
  const colon = userinfo.indexOf(':');
  if (colon < 0) {
    return [{ username: unescape(userinfo, Mode.UserPassword), password: '', passwordSet: false }, host];
  }
  return [
    {
      username: unescape(userinfo.slice(0, colon), Mode.UserPassword),
      password: unescape(userinfo.slice(colon + 1), Mode.UserPassword),
      passwordSet: true,
    },
    host,
  ];
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) throw new GoURLError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw new GoURLError(`invalid port ${goQuote(colonPort)} after host`);
    // RFC 6874: %25 introduces a zone, which may %-encode more than a host may.
    const zone = host.slice(0, close).indexOf('%25');
    if (zone >= 0) {
      return (
        unescape(host.slice(0, zone), Mode.Host) +
        unescape(host.slice(zone, close), Mode.Zone) +
        unescape(host.slice(close), Mode.Host)
      );
    }
  } else {
    const colon = host.lastIndexOf(':');
    if (colon !== -1) {
      const colonPort = host.slice(colon);
      if (!validOptionalPort(colonPort)) throw new GoURLError(`invalid port ${goQuote(colonPort)} after host`);
    }
  }
  return unescape(host, Mode.Host);
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  if (port[0] !== ':') return false;
  return /^[0-9]*$/.test(port.slice(1));
}

function validUserinfo(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (isAlnum(c)) continue;
    if ("-._:~!$&'()*+,;=%@".includes(ch)) continue;
    return false;
  }
  return true;
}

function setPath(url: GoURL, p: string): void {
  const path = unescape(p, Mode.Path);
  url.path = path;
  url.rawPath = escape(path, Mode.Path) === p ? '' : p;
}

function setFragment(url: GoURL, f: string): void {
  const frag = unescape(f, Mode.Fragment);
  url.fragment = frag;
  url.rawFragment = escape(frag, Mode.Fragment) === f ? '' : f;
}

function validEncoded(s: string, mode: Mode): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ("!$&'()*+,;=:@[]%".includes(s[i])) continue;
    // Non-ASCII is always escaped, so its raw form is never a valid encoding.
    if (c >= 0x80 || shouldEscape(c, mode)) return false;
  }
  return true;
}

function unescapes(s: string, mode: Mode, expected: string): boolean {
  try {
    return unescape(s, mode) === expected;
  } catch {
    return false;
  }
}

/** Go's `URL.EscapedPath`. */
export function escapedPath(url: GoURL): string {
  if (url.rawPath !== '' && validEncoded(url.rawPath, Mode.Path) && unescapes(url.rawPath, Mode.Path, url.path)) {
    return url.rawPath;
  }
  if (url.path === '*') return '*';
  return escape(url.path, Mode.Path);
}

function escapedFragment(url: GoURL): string {
  if (
    url.rawFragment !== '' &&
    validEncoded(url.rawFragment, Mode.Fragment) &&
    unescapes(url.rawFragment, Mode.Fragment, url.fragment)
  ) {
    return url.rawFragment;
  }
  return escape(url.fragment, Mode.Fragment);
}

function userinfoString(user: GoUserinfo): string {
  const name = escape(user.username, Mode.UserPassword);
  return user.passwordSet ? `${name}:${escape(user.password, Mode.UserPassword)}` : name;
}

/** Go's `URL.String`, which Kubernetes compares for URL equality. */
export function urlString(url: GoURL): string {
  let out = '';
  if (url.scheme !== '') out += `${url.scheme}:`;
  if (url.opaque !== '') {
    out += url.opaque;
  } else {
    if (url.scheme !== '' || url.host !== '' || url.user !== undefined) {
      if (!(url.omitHost && url.host === '' && url.user === undefined)) {
        if (url.host !== '' || url.path !== '' || url.user !== undefined) out += '//';
        if (url.user !== undefined) out += `${userinfoString(url.user)}@`;
        if (url.host !== '') out += escape(url.host, Mode.Host);
      }
    }
    const path = escapedPath(url);
    if (path !== '' && path[0] !== '/' && url.host !== '') out += '/';
    if (out === '') {
      // RFC 3986 §4.2: a first segment with a colon would read as a scheme.
      const slash = path.indexOf('/');
      if ((slash < 0 ? path : path.slice(0, slash)).includes(':')) out += './';
    }
    out += path;
  }
  if (url.forceQuery || url.rawQuery !== '') out += `?${url.rawQuery}`;
  if (url.fragment !== '') out += `#${escapedFragment(url)}`;
  return out;
}

function splitHostPort(hostPort: string): [host: string, port: string] {
  let host = hostPort;
  let port = '';
  const colon = host.lastIndexOf(':');
  if (colon !== -1 && validOptionalPort(host.slice(colon))) {
    port = host.slice(colon + 1);
    host = host.slice(0, colon);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return [host, port];
}

/** Go's `URL.Query`: malformed pairs are dropped silently. */
function query(rawQuery: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const pair of rawQuery.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    try {
      const key = unescape(eq < 0 ? pair : pair.slice(0, eq), Mode.QueryComponent);
      const value = unescape(eq < 0 ? '' : pair.slice(eq + 1), Mode.QueryComponent);
      values.set(key, [...(values.get(key) ?? []), value]);
    } catch (err) {
      if (!(err instanceof GoURLError)) throw err;
    }
  }
  return values;
}

/** The `kubernetes.URL` CEL type; equal URLs have equal `String()` forms, as in Kubernetes. */
export const URL_TYPE = opaqueType<GoURL>('kubernetes.URL', {
  encode: urlString,
  decode: parseURL,
});

const { STRING, BOOL } = CelScalar;
const URL = URL_TYPE.celType;

/** Kubernetes' URL library: `url`, `isURL` and the `get*` accessors. */
export const URL_FUNCTIONS: readonly CelFunc[] = [
  celFunc('url', [STRING], URL, (s) => {
    try {
      parseRequestURI(s);
      // ParseRequestURI keeps a fragment in the path or query; Kubernetes re-parses with Parse.
      return URL_TYPE.wrap(parseURL(s));
    } catch (err) {
      if (err instanceof GoURLError) throw new Error(`URL parse error during conversion from string: ${err.message}`);
      throw err;
    }
  }),
  celFunc('isURL', [STRING], BOOL, (s) => {
    try {
      parseRequestURI(s);
      return true;
    } catch (err) {
      if (err instanceof GoURLError) return false;
      throw err;
    }
  }),
  celMethod('getScheme', URL, [], STRING, function () {
    return URL_TYPE.unwrap(this).scheme;
  }),
  celMethod('getHost', URL, [], STRING, function () {
    return URL_TYPE.unwrap(this).host;
  }),
  celMethod('getHostname', URL, [], STRING, function () {
    return splitHostPort(URL_TYPE.unwrap(this).host)[0];
  }),
  celMethod('getPort', URL, [], STRING, function () {
    return splitHostPort(URL_TYPE.unwrap(this).host)[1];
  }),
  celMethod('getEscapedPath', URL, [], STRING, function () {
    return escapedPath(URL_TYPE.unwrap(this));
  }),
  celMethod('getQuery', URL, [], mapType(STRING, listType(STRING)), function () {
    return query(URL_TYPE.unwrap(this).rawQuery);
  }),
];
