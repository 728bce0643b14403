import { MeshSettings } from './lib/settings';

/**
 * This cluster's mesh. Edit here, run `npm run synth`, review (`npm run diff -- HEAD`)
 * and commit dist/. Every field is in docs/reference/settings.md, common changes in the
 * guides of docs/. Export `extend(chart, mesh)` to add your own objects.
 */
export const settings: MeshSettings = {
  istioVersion: '1.30.3',
  kubeVersion: '1.33.0',
  scheduling: {
    nodeSelector: { 'node-role.example.com/infra': 'true' },
    tolerations: [
      { key: 'node-role.example.com/infra', operator: 'Exists', effect: 'NoSchedule' },
    ],
  },
  gateways: [
    { name: 'istio-ingressgateway', namespace: 'istio-ingress', kind: 'ingress', serviceType: 'LoadBalancer' },
    { name: 'istio-egressgateway', namespace: 'istio-egress', kind: 'egress', serviceType: 'ClusterIP' },
  ],
  // Sidecars reach only Services and the hosts below, which leave through the egress gateway.
  egress: {
    outboundTrafficPolicy: 'REGISTRY_ONLY',
    hosts: [{ host: 'api.stripe.com', port: 443 }],
  },
  // Each namespace admits its own workloads (authorization: 'namespace-isolation') and these.
  appNamespaces: [
    { name: 'shop', labels: { team: 'commerce' }, allow: [{ from: { gateways: ['istio-ingressgateway'] }, to: { ports: [8080] } }] },
    { name: 'payments', labels: { team: 'payments' }, allow: [{ from: { namespaces: ['shop'] }, to: { ports: [8443] } }] },
  ],
};
