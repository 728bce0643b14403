import { UserError } from '../user-error';

/**
 * Which Kubernetes Gateway API release (standard channel) goes with which Istio minor
 * release: the `sigs.k8s.io/gateway-api` requirement in that Istio release's `go.mod`,
 * i.e. the API istiod is built against.
 *
 * Source: istio/istio `go.mod` at the release tags 1.29.6
 * (7019d6d3608e4995e9a36d2977cfec3a341431cd) and 1.30.3
 * (56df41f63e513f834c9a3af33d8aed82d1d961f2), as recorded in the team mirror's
 * `../shared/gateway-api/README.md`. Patch releases of one Istio minor keep its Gateway
 * API version. A mesh that renders the Gateway API CRDs (ambient, or gatewayApi: true)
 * on another Istio minor needs its line here, from that release's `go.mod`; a sidecar
 * mesh does not (its versions get no Gateway API CRDs vendored).
 *
 * `npm run vendor` pins, per Istio version, the Gateway API version this table names;
 * after that the lock is what synth and the renderer read (synth refuses a lock that
 * disagrees with this table, and asks for `npm run vendor`).
 */
export const GATEWAY_API_VERSIONS: GatewayApiTable = {
  '1.29': 'v1.4.1',
  '1.30': 'v1.5.1',
};

/** Istio minor (`1.30`) → Gateway API release (`v1.5.1`). Tests pass their own. */
export type GatewayApiTable = { readonly [istioMinor: string]: string };

/** This file, as errors name it. */
export const GATEWAY_API_TABLE_FILE = 'lib/vendoring/gateway-api-versions.ts';

/**
 * The Gateway API release that goes with `istioVersion`, if this table lists its minor.
 * A minor it does not list gets no Gateway API CRDs vendored: only a mesh that renders
 * them (ambient, or gatewayApi: true) needs the table to list it.
 */
export function knownGatewayApiVersion(istioVersion: string, table: GatewayApiTable = GATEWAY_API_VERSIONS): string | undefined {
  const minor = istioVersion.split('.').slice(0, 2).join('.');
  return Object.prototype.hasOwnProperty.call(table, minor) ? table[minor] : undefined;
}

/** The Gateway API release that goes with `istioVersion`; a UserError naming this table for a minor it does not list. */
export function gatewayApiVersionFor(istioVersion: string, table: GatewayApiTable = GATEWAY_API_VERSIONS): string {
  const minor = istioVersion.split('.').slice(0, 2).join('.');
  const version = Object.prototype.hasOwnProperty.call(table, minor) ? table[minor] : undefined;
  if (!version) {
    const known = Object.keys(table).join(', ') || 'none';
    throw new UserError(
      `no Gateway API version is known for Istio ${minor} (Istio ${istioVersion}; known: ${known}): ` +
      `add "${minor}" to GATEWAY_API_VERSIONS in ${GATEWAY_API_TABLE_FILE}, with the sigs.k8s.io/gateway-api version of that Istio release's go.mod`,
    );
  }
  return version;
}
