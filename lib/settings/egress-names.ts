import { createHash } from 'crypto';

/**
 * `api.example.com` port 443 → `api-example-com-443`: the name of a host's egress
 * objects. Also a DestinationRule subset name, which must be a DNS label: a long one is
 * cut and made unique by a digest of the host. (Settings refuse two hosts that map to
 * one name, such as `my-api.example.com` and `my.api-example.com`.)
 */
export function egressName(host: string, port: number): string {
  const name = `${host.replace(/\./g, '-')}-${port}`;
  if (name.length <= 63) return name;
  const digest = createHash('sha256').update(`${host}:${port}`).digest('hex').slice(0, 8);
  return `${name.slice(0, 54).replace(/-+$/, '')}-${digest}`;
}
