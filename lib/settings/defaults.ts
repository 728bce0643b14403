import { GatewaySettings } from './types';

/** The namespace of the Istio control plane; Istio's charts and docs assume it. */
export const ISTIO_NAMESPACE = 'istio-system';

/** The default gateways: Istio's documented ingress and egress gateway layout. */
export const DEFAULT_GATEWAYS: readonly GatewaySettings[] = [
  { name: 'istio-ingressgateway', namespace: 'istio-ingress', kind: 'ingress' },
  { name: 'istio-egressgateway', namespace: 'istio-egress', kind: 'egress' },
];

/** Istio's default trust domain: the first part of every workload's SPIFFE identity. */
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';

/** The default Kubernetes version to render for. */
export const DEFAULT_KUBE_VERSION = '1.33.0';

/**
 * Lowest Kubernetes minor version each Istio minor supports (Istio's support matrix,
 * https://istio.io/latest/docs/releases/supported-releases/).
 */
export const MIN_KUBE_VERSION: { readonly [istioMinor: string]: string } = {
  '1.29': '1.31',
  '1.30': '1.32',
};

/**
 * Namespaces Kubernetes itself owns: injecting sidecars there breaks the cluster's own
 * components (Istio's docs exclude them from injection by default).
 */
export const RESERVED_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];
