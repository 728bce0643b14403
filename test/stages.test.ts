import { Chart, Testing } from 'cdk8s';
import { AppsChart } from '../lib/charts/apps';
import { GatewaysChart } from '../lib/charts/gateways';
import { IstioBaseChart } from '../lib/charts/istio-base';
import { IstiodChart } from '../lib/charts/istiod';
import { NamespacesChart } from '../lib/charts/namespaces';
import { RenderContext } from '../lib/charts/release';
import { locateHelm, withHermeticHelm } from '../lib/helm';
import { withLocalYamlLoad } from '../lib/local-yaml-load';
import { PROJECT_ROOT } from '../lib/project-root';
import { resolveSettings } from '../lib/settings';
import { readLock } from '../lib/vendor/lock';
import { vendoredCharts } from '../lib/vendor/vendor';
import { inMemoryChart } from './render';

// Each stage chart on its own, synthesised in memory (nothing written), on fixture values.
const charts = vendoredCharts(PROJECT_ROOT);
const app = () => inMemoryChart().node.scope as any;

/** Builds stage charts with helm available, as IstioMesh does, and returns their objects. */
function synthStage<T extends Chart>(build: (context: RenderContext) => T): any[] {
  return withHermeticHelm(locateHelm({ root: PROJECT_ROOT }), helm => withLocalYamlLoad(() =>
    Testing.synth(build({ helmExecutable: helm, kubeVersion: '1.33.0' }))));
}

const refs = (objects: any[]) => objects.map(o => `${o.kind}/${o.metadata.namespace ?? '-'}/${o.metadata.name}`);

describe('stage charts, in memory', () => {
  test('namespaces: one Namespace per entry, with its labels, and no namespace on the chart', () => {
    const objects = Testing.synth(new NamespacesChart(app(), 'namespaces', { namespaces: [{ name: 'istio-system' }, { name: 'edge', labels: { zone: 'a' } }] }));
    expect(objects.map(o => [o.kind, o.metadata.name, o.metadata.labels ?? {}])).toEqual([
      ['Namespace', 'istio-system', {}], ['Namespace', 'edge', { zone: 'a' }],
    ]);
  });

  test('apps: istio-injection=enabled for the default revision, istio.io/rev for a named one', () => {
    const byDefault = Testing.synth(new AppsChart(app(), 'apps', { namespaces: [{ name: 'shop', labels: { team: 'x' } }], revision: '' }));
    expect(byDefault.map(o => o.metadata.labels)).toEqual([{ team: 'x', 'istio-injection': 'enabled' }]);
    const canary = Testing.synth(new AppsChart(app(), 'apps', { namespaces: [{ name: 'shop' }], revision: 'canary' }));
    expect(canary.map(o => o.metadata.labels)).toEqual([{ 'istio.io/rev': 'canary' }]);
  });

  test('istio-base: CRDs without a namespace, the default validator pointing at the revision, failurePolicy Fail', () => {
    const objects = synthStage(context => new IstioBaseChart(app(), 'istio-base', { chartDir: charts.dirs.base, revision: 'blue', context }));
    const crds = objects.filter(o => o.kind === 'CustomResourceDefinition');
    expect(crds.length).toBeGreaterThan(0);
    expect(crds.filter(o => o.metadata.namespace !== undefined)).toEqual([]);
    const validator = objects.find(o => o.kind === 'ValidatingWebhookConfiguration');
    expect(validator.webhooks.map((w: any) => [w.failurePolicy, w.clientConfig.service.name])).toEqual([['Fail', 'istiod-blue']]);
  });

  test('istiod: release named after the revision, scheduling and image passed as values, extra values merged', () => {
    const objects = synthStage(context => new IstiodChart(app(), 'istiod', {
      chartDir: charts.dirs.istiod, revision: 'blue', context,
      scheduling: { nodeSelector: { pool: 'infra' }, tolerations: [{ key: 'infra', operator: 'Exists' }] },
      images: { hub: 'registry.example.com/istio' },
      values: { pilot: { env: { FIXTURE_ENV: 'yes' } } },
    }));
    const deployment = objects.find(o => o.kind === 'Deployment');
    expect(deployment.metadata).toMatchObject({ name: 'istiod-blue', namespace: 'istio-system' });
    const pod = deployment.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ pool: 'infra' });
    expect(pod.tolerations).toEqual(expect.arrayContaining([{ key: 'infra', operator: 'Exists' }, { key: 'cni.istio.io/not-ready', operator: 'Exists' }]));
    expect(pod.containers[0].image).toMatch(/^registry\.example\.com\/istio\/pilot:/);
    expect(pod.containers[0].env).toContainEqual({ name: 'FIXTURE_ENV', value: 'yes' });
  });

  test('gateways: one release per gateway, in its namespace, with its service type and replicas', () => {
    const settings = resolveSettings({
      istioVersion: readLock(PROJECT_ROOT).istioVersion,
      gateways: [
        { name: 'in', namespace: 'edge', kind: 'ingress' },
        { name: 'out', namespace: 'exit', kind: 'egress', replicas: 2, values: { labels: { extra: 'yes' } } },
      ],
    }, readLock(PROJECT_ROOT).istioVersion);
    const objects = synthStage(context => new GatewaysChart(app(), 'gateways', { chartDir: charts.dirs.gateway, revision: '', gateways: settings.gateways, context }));
    expect(refs(objects.filter(o => ['Deployment', 'Service'].includes(o.kind))).sort()).toEqual([
      'Deployment/edge/in', 'Deployment/exit/out', 'Service/edge/in', 'Service/exit/out',
    ]);
    const service = (name: string) => objects.find(o => o.kind === 'Service' && o.metadata.name === name);
    expect([service('in').spec.type, service('out').spec.type]).toEqual(['LoadBalancer', 'ClusterIP']);
    const out = objects.find(o => o.kind === 'Deployment' && o.metadata.name === 'out');
    expect(out.spec.replicas).toBe(2);
    expect(out.spec.template.metadata.labels).toMatchObject({ extra: 'yes' });
    expect(objects.find(o => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'out')).toBeUndefined();
  });
});
