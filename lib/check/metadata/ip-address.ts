// networking validation.ValidateIPAddressName: an IPAddress is named by the address it
// allocates, checked with util/validation IsValidIP (ip.go), strict and canonical.
import { isIP } from 'net';
import { goQuote } from '../field-error';
import { NameValidator } from './names';

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV4_MAPPED = /^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/;

/**
 * The messages for an IPAddress name. IPAddress has no generateName, so the prefix flag is
 * ignored, as in Go.
 */
export const ipAddressName: NameValidator = name => {
  // Node accepts IPv6 zones ("fe80::1%eth0"), which Go's parser does not.
  const family = name.includes('%') ? 0 : isIP(name);
  if (family === 0) {
    // Go's sloppy parser reads zero-padded octets (as octal elsewhere), then refuses them.
    const octets = DOTTED_QUAD.exec(name);
    if (octets && octets.slice(1).every(o => Number(o) <= 255)) return ['must not have leading 0s'];
    return ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'];
  }
  if (family === 4) return [];
  // The URL parser prints IPv6 as RFC 5952 says, as Go's net.IP.String does.
  const canonical = new URL(`http://[${name}]`).hostname.slice(1, -1);
  if (IPV4_MAPPED.test(canonical)) return ['must not be an IPv4-mapped IPv6 address'];
  return canonical === name ? [] : [`must be in canonical form (${goQuote(canonical)})`];
};
