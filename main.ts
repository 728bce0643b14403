import { MeshSettings } from './lib/settings';
import { synthMesh } from './lib/synth';
import { runMain } from './lib/user-error';

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

if (require.main === module) runMain(() => synthMesh(settings).then(() => undefined));
