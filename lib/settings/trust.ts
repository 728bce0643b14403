import { durationMs, formatDuration, GO_DURATION } from './durations';
import { asMap, Problems } from './problems';
import { CertManagerTrust, ExternalSecretTrust, MeshSettings, RemoteSecretsSource, ResolvedTrust, TrustSource } from './types';

/** Names of issuers and stores (Kubernetes object names). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A kind, as an issuer's kind is written (`ClusterIssuer`, `AWSPCAClusterIssuer`). */
const KIND = /^[A-Z][A-Za-z0-9]*$/;

/** Defaults of the trust and remote-secret sources. */
export const TRUST_DEFAULTS = { duration: '8760h', renewBefore: '720h', refreshInterval: '1h', issuerGroup: 'cert-manager.io' } as const;

/** cert-manager's own floors (its webhook refuses less): a certificate of at least an hour, renewed at least 5 minutes ahead. */
const MIN_DURATION_MS = 3_600_000;
const MIN_RENEW_BEFORE_MS = 300_000;

function checkName(p: Problems, field: string, value: unknown): void {
  if (typeof value !== 'string' || value.length > 253 || !DNS_SUBDOMAIN.test(value)) p.add(field, value, 'is not a valid object name (a DNS subdomain: lowercase letters, digits, \'-\' and \'.\')');
}

function checkDuration(p: Problems, field: string, value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'string' || !GO_DURATION.test(value)) {
    p.add(field, value, 'is not a duration (a Go duration such as 8760h or 1h30m)');
    return false;
  }
  return true;
}

function checkKey(p: Problems, field: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || value === '' || /\s/.test(value))) p.add(field, value, 'must be a store key without spaces');
}

/** The intermediate's renewal ahead of expiry: as set, else 30 days, or a third of a shorter lifetime. */
function renewBeforeOf(c: Pick<CertManagerTrust, 'duration' | 'renewBefore'>): string {
  if (c.renewBefore !== undefined) return c.renewBefore;
  const duration = durationMs(c.duration ?? TRUST_DEFAULTS.duration);
  return durationMs(TRUST_DEFAULTS.renewBefore) < duration ? TRUST_DEFAULTS.renewBefore : formatDuration(duration / 3);
}

function checkCertManager(p: Problems, trust: CertManagerTrust): void {
  const c = asMap(trust);
  const issuer = asMap(c.issuer);
  checkName(p, 'mesh.trust.certManager.issuer.name', issuer.name);
  if (issuer.kind !== undefined && (typeof issuer.kind !== 'string' || !KIND.test(issuer.kind))) p.add('mesh.trust.certManager.issuer.kind', issuer.kind, 'is not a kind (ClusterIssuer, Issuer, or an external issuer\'s kind)');
  if (issuer.group !== undefined) checkName(p, 'mesh.trust.certManager.issuer.group', issuer.group);
  const validDuration = checkDuration(p, 'mesh.trust.certManager.duration', c.duration);
  const validRenew = checkDuration(p, 'mesh.trust.certManager.renewBefore', c.renewBefore);
  if (!validDuration || !validRenew) return;
  // What cert-manager's webhook refuses when the Certificate is applied.
  const duration = durationMs(c.duration ?? TRUST_DEFAULTS.duration);
  const renewBefore = durationMs(renewBeforeOf(c));
  if (duration < MIN_DURATION_MS) p.add('mesh.trust.certManager.duration', c.duration, 'is shorter than cert-manager accepts (at least 1h)');
  if (renewBefore < MIN_RENEW_BEFORE_MS) p.add('mesh.trust.certManager.renewBefore', c.renewBefore, 'is shorter than cert-manager accepts (at least 5m)');
  if (renewBefore >= duration) p.add('mesh.trust.certManager.renewBefore', renewBeforeOf(c), `must be shorter than the certificate's duration (${c.duration ?? TRUST_DEFAULTS.duration}): cert-manager refuses it`);
}

function checkExternalSecret(p: Problems, trust: ExternalSecretTrust): void {
  const e = asMap(trust);
  checkName(p, 'mesh.trust.externalSecret.store.name', asMap(e.store).name);
  checkKey(p, 'mesh.trust.externalSecret.key', e.key);
  checkKey(p, 'mesh.trust.externalSecret.rootKey', e.rootKey);
  checkDuration(p, 'mesh.trust.externalSecret.refreshInterval', e.refreshInterval);
}

/** Checks a cluster's `mesh.trust` and `mesh.remoteSecrets` (what the fleet decides is lib/project/fleet.ts's). */
export function checkTrust(p: Problems, input: MeshSettings): void {
  const t = asMap(input.mesh?.trust as object) as { certManager?: CertManagerTrust; externalSecret?: ExternalSecretTrust };
  if (t.certManager) checkCertManager(p, t.certManager);
  if (t.externalSecret) checkExternalSecret(p, t.externalSecret);
  const source = input.mesh?.remoteSecrets;
  if (source === undefined) return;
  const r = asMap(source as RemoteSecretsSource);
  checkName(p, 'mesh.remoteSecrets.store.name', asMap(r.store).name);
  checkKey(p, 'mesh.remoteSecrets.keyPrefix', r.keyPrefix);
  checkKey(p, 'mesh.remoteSecrets.property', r.property);
  checkDuration(p, 'mesh.remoteSecrets.refreshInterval', r.refreshInterval);
}

/** A cluster's trust source with defaults, before the fleet is known (which may still refuse 'self-signed'). */
export function resolveTrust(input: MeshSettings): ResolvedTrust {
  if (input.mesh?.primary !== undefined) return { source: 'remote' };
  const trust: TrustSource = input.mesh?.trust ?? 'self-signed';
  if (trust === 'self-signed' || trust === 'manual') return { source: trust };
  if ('certManager' in trust) {
    const c = trust.certManager;
    return {
      source: 'cert-manager',
      issuer: { group: c.issuer.group ?? TRUST_DEFAULTS.issuerGroup, kind: c.issuer.kind, name: c.issuer.name },
      duration: c.duration ?? TRUST_DEFAULTS.duration,
      renewBefore: renewBeforeOf(c),
    };
  }
  const e = trust.externalSecret;
  return {
    source: 'external-secret',
    store: { kind: e.store.kind, name: e.store.name },
    key: e.key,
    rootKey: e.rootKey ?? e.key,
    refreshInterval: e.refreshInterval ?? TRUST_DEFAULTS.refreshInterval,
  };
}
