import { MeshSettings } from './lib/settings';

/**
 * This cluster's mesh. Edit here, run `npm run synth`, review and commit dist/.
 * Every field is documented in lib/settings.ts; the README shows common changes.
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
  appNamespaces: [
    { name: 'shop', labels: { team: 'commerce' } },
    { name: 'payments', labels: { team: 'payments' } },
  ],
};

// Loaded only when run, so tools that read `settings` (npm run check) load no generator code.
if (require.main === module) {
  const { synthMesh } = require('./lib/synth') as typeof import('./lib/synth');
  const { runMain } = require('./lib/user-error') as typeof import('./lib/user-error');
  runMain(() => synthMesh(settings).then(() => undefined));
}
