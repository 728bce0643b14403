import { Manifest, objectRef } from '../manifests';

/** The rules `npm run check` enforces; a violation names the one it broke. */
export type Rule =
  | 'object'
  | 'kube-schema'
  | 'removed-api'
  | 'unknown-kind'
  | 'metadata'
  | 'crd-schema'
  | 'crd-rule'
  | 'crd-rule-unsupported'
  | 'unique'
  | 'namespace-scope'
  | 'namespace-order'
  | 'crd-order'
  | 'webhook-service'
  | 'webhook-selector'
  | 'gateway-selector'
  | 'egress-service-entry'
  | 'destination-subset'
  | 'injection'
  | 'system-injection'
  | 'default-validator'
  | 'scheduling'
  | 'node-agent-scheduling'
  | 'image-pinned'
  | 'secret-data'
  | 'trust-source'
  | 'trust-order'
  | 'trust-root'
  | 'remote-secrets'
  | 'delivery-path'
  | 'delivery-coverage'
  | 'delivery-order'
  | 'delivery-drift'
  | 'delivery-project'
  | 'delivery-prune'
  | 'authz-coverage'
  | 'authz-principal'
  | 'authz-selector'
  | 'authz-l7-ztunnel'
  | 'privileged-proxies'
  | 'manual-trust';

/** One broken rule on one object. */
export interface Violation {
  /** Manifest file the object is in, relative to the checked folder. */
  readonly file: string;
  /** Position of the object in its file, from 0. */
  readonly index: number;
  /** `kind/namespace/name` of the object (see objectRef). */
  readonly ref: string;
  /** The rule that was broken. */
  readonly rule: Rule;
  /** What is wrong, with the offending value and where. */
  readonly detail: string;
}

/** A violation of `rule` by manifest `m`. */
export function violation(m: Manifest, rule: Rule, detail: string): Violation {
  return { file: m.file, index: m.index, ref: objectRef(m), rule, detail };
}

/** `file: kind/ns/name: rule: detail`, the one-line form the CLI prints. */
export function formatViolation(v: Violation): string {
  return `${v.file}: ${v.ref}: ${v.rule}: ${v.detail}`;
}
