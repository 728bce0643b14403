import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { PROJECT_ROOT } from '../lib/project-root';
import { RenderedRelease, renderReleases } from '../lib/render/engine';
import { identifyHelm, locateHelm } from '../lib/render/helm-binary';
import { ReleaseRequest } from '../lib/render/release-request';
import { projectRenderCache } from '../lib/render/render-cache';
import { MeshSettings, resolveSettings, ResolvedMeshSettings } from '../lib/settings';
import { AppsChart } from '../lib/stages/apps';
import { chartSource } from '../lib/render/chart-source';
import { GatewaysChart } from '../lib/stages/gateways';
import { IstioBaseChart } from '../lib/stages/istio-base';
import { IstiodChart } from '../lib/stages/istiod';
import { gatewayReleases, istioBaseRelease, istiodRelease } from '../lib/render/mesh-releases';
import { NamespacesChart } from '../lib/stages/namespaces';
import { readLock } from '../lib/vendoring/lock';
import { vendoredCharts } from '../lib/vendoring/vendored';
import { inMemoryChart } from './render';

// Each stage chart on its own, synthesised in memory (nothing written), on fixture values.
const charts = vendoredCharts(PROJECT_ROOT);
const LOCKED = readLock(PROJECT_ROOT).istioVersion;
const app = () => inMemoryChart().node.scope as any;
const settings = (s: Omit<MeshSettings, 'istioVersion'>): ResolvedMeshSettings => resolveSettings({ istioVersion: LOCKED, ...s }, LOCKED);

/** Renders releases as synth does (through the project's render cache). */
function render(requests: readonly ReleaseRequest[]): Promise<RenderedRelease[]> {
  const cache = projectRenderCache(PROJECT_ROOT, {});
  return renderReleases(requests, { helm: identifyHelm(locateHelm({ root: PROJECT_ROOT, env: {} }), cache && path.dirname(cache.dir)), cache });
}

const synth = (chart: Chart): any[] => Testing.synth(chart);

const refs = (objects: any[]) => objects.map(o => `${o.kind}/${o.metadata.namespace ?? '-'}/${o.metadata.name}`);

describe('stage charts, in memory', () => {
  test('namespaces: one Namespace per entry, with its labels, and no namespace on the chart', () => {
    const objects = synth(new NamespacesChart(app(), 'namespaces', { namespaces: [{ name: 'istio-system' }, { name: 'edge', labels: { zone: 'a' } }] }));
    expect(objects.map(o => [o.kind, o.metadata.name, o.metadata.labels ?? {}])).toEqual([
      ['Namespace', 'istio-system', {}], ['Namespace', 'edge', { zone: 'a' }],
    ]);
  });

  test('apps: one Namespace per app namespace, with the labels the settings resolved (injection label included)', () => {
    const byDefault = synth(new AppsChart(app(), 'apps', { namespaces: settings({ appNamespaces: [{ name: 'shop', labels: { team: 'x' } }] }).appNamespaces }));
    expect(byDefault.map(o => o.metadata.labels)).toEqual([{ team: 'x', 'istio-injection': 'enabled' }]);
    const canary = synth(new AppsChart(app(), 'apps', { namespaces: settings({ revision: 'canary', appNamespaces: [{ name: 'shop' }] }).appNamespaces }));
    expect(canary.map(o => o.metadata.labels)).toEqual([{ 'istio.io/rev': 'canary' }]);
  });

  test('istio-base: CRDs without a namespace, the default validator pointing at the revision, failurePolicy Fail', async () => {
    const [release] = await render([istioBaseRelease(settings({ revision: 'blue' }), chartSource(charts, 'base'))]);
    const objects = synth(new IstioBaseChart(app(), 'istio-base', { release }));
    const crds = objects.filter(o => o.kind === 'CustomResourceDefinition');
    expect(crds.length).toBeGreaterThan(0);
    expect(crds.filter(o => o.metadata.namespace !== undefined)).toEqual([]);
    const validator = objects.find(o => o.kind === 'ValidatingWebhookConfiguration');
    expect(validator.webhooks.map((w: any) => [w.failurePolicy, w.clientConfig.service.name])).toEqual([['Fail', 'istiod-blue']]);
  });

  test('istiod: release named after the revision, scheduling and image passed as values, extra values merged', async () => {
    const resolved = settings({
      revision: 'blue',
      scheduling: { nodeSelector: { pool: 'infra' }, tolerations: [{ key: 'infra', operator: 'Exists' }] },
      images: { hub: 'registry.example.com/istio' },
      values: { istiod: { pilot: { env: { FIXTURE_ENV: 'yes' } } } },
    });
    const [release] = await render([istiodRelease(resolved, resolved.revisions[0], chartSource(charts, 'istiod'))]);
    expect(release.request.releaseName).toBe('istiod-blue');
    const objects = synth(new IstiodChart(app(), 'istiod', { releases: [release], scheduling: resolved.istiodScheduling }));
    const deployment = objects.find(o => o.kind === 'Deployment');
    expect(deployment.metadata).toMatchObject({ name: 'istiod-blue', namespace: 'istio-system' });
    const pod = deployment.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ pool: 'infra' });
    expect(pod.tolerations).toEqual(expect.arrayContaining([{ key: 'infra', operator: 'Exists' }, { key: 'cni.istio.io/not-ready', operator: 'Exists' }]));
    expect(pod.containers[0].image).toMatch(/^registry\.example\.com\/istio\/pilot:/);
    expect(pod.containers[0].env).toContainEqual({ name: 'FIXTURE_ENV', value: 'yes' });
  });

  test('gateways: one release per gateway, in its namespace, with its service type and replicas', async () => {
    const resolved = settings({
      gateways: [
        { name: 'in', namespace: 'edge', kind: 'ingress' },
        { name: 'out', namespace: 'exit', kind: 'egress', replicas: 2, values: { labels: { extra: 'yes' } } },
      ],
    });
    const releases = await render(gatewayReleases(resolved, new Map([[LOCKED, charts]])));
    const objects = synth(new GatewaysChart(app(), 'gateways', { gateways: resolved.gateways, releases }));
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
