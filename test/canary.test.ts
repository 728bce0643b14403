import * as path from 'path';
import { App } from 'cdk8s';
import { checkManifestList } from '../lib/check/check';
import { formatViolation } from '../lib/check/violation';
import { Manifest } from '../lib/manifests';
import { IstioMesh } from '../lib/mesh';
import { prepareMesh } from '../lib/render/prepare-mesh';
import { MeshSettings, resolveSettings } from '../lib/settings';
import { vendoredCharts } from '../lib/vendoring/vendored';
import { PROJECT_ROOT } from '../lib/project-root';
import { fixtureVersions, syntheticRelease } from './fixtures/synthetic-release';
import { manifestsOf, tempDir } from './render';

// The canary runbook of docs/guides/canary-upgrades.md, step by step, on fixture settings: an older release (made
// from the vendored charts, see fixtures/synthetic-release.ts) and the locked one.
const { locked: NEW, older: OLD } = fixtureVersions();
const t = tempDir('istio-cdk8s-canary-');
afterAll(() => t.cleanup());
const charts = new Map([[OLD, syntheticRelease(t.dir, OLD)], [NEW, vendoredCharts(PROJECT_ROOT, NEW)]]);
const [OLD_REV, NEW_REV] = [OLD, NEW].map(v => v.replace(/\./g, '-'));

const gateways: MeshSettings['gateways'] = [{ name: 'ingress', namespace: 'ingress', kind: 'ingress' }];
const STEPS: Array<[string, MeshSettings]> = [
  ['0. one revision, the default tag on it', {
    revisions: [{ name: OLD_REV, istioVersion: OLD }], tags: { default: OLD_REV },
    appNamespaces: [{ name: 'shop' }, { name: 'cart' }], gateways,
  }],
  ['1. the new revision beside it, tagged canary', {
    revisions: [{ name: OLD_REV, istioVersion: OLD }, { name: NEW_REV, istioVersion: NEW }], tags: { default: OLD_REV, canary: NEW_REV },
    appNamespaces: [{ name: 'shop' }, { name: 'cart' }], gateways,
  }],
  ['2. one namespace moved to the canary', {
    revisions: [{ name: OLD_REV, istioVersion: OLD }, { name: NEW_REV, istioVersion: NEW }], tags: { default: OLD_REV, canary: NEW_REV },
    appNamespaces: [{ name: 'shop', revision: 'canary' }, { name: 'cart' }], gateways,
  }],
  ['3. the default tag moved to the new revision', {
    revisions: [{ name: OLD_REV, istioVersion: OLD }, { name: NEW_REV, istioVersion: NEW }], tags: { default: NEW_REV, canary: NEW_REV },
    appNamespaces: [{ name: 'shop', revision: 'canary' }, { name: 'cart' }], gateways,
  }],
  ['4. the old revision removed', {
    revisions: [{ name: NEW_REV, istioVersion: NEW }], tags: { default: NEW_REV, canary: NEW_REV },
    appNamespaces: [{ name: 'shop', revision: 'canary' }, { name: 'cart' }], gateways,
  }],
];

async function render(settings: MeshSettings): Promise<Manifest[]> {
  const resolved = resolveSettings(settings, [OLD, NEW]);
  const props = await prepareMesh(resolved, { charts: new Map(resolved.istioVersions.map(v => [v, charts.get(v)!])) });
  const app = new App({ outdir: path.join(t.dir, 'never-written') });
  new IstioMesh(app, 'mesh', props);
  const { manifests } = manifestsOf(app);
  // Each step must pass every check, as CI runs it on dist/.
  expect(checkManifestList(manifests, resolved).map(formatViolation)).toEqual([]);
  return manifests;
}

const find = (ms: Manifest[], kind: string, name: string) => ms.find(m => m.kind === kind && m.name === name);
const istiods = (ms: Manifest[]) => ms.filter(m => m.kind === 'Deployment' && m.name.startsWith('istiod-')).map(m => m.name).sort();
const validatorService = (ms: Manifest[]) => find(ms, 'ValidatingWebhookConfiguration', 'istiod-default-validator')!.object.webhooks[0].clientConfig.service.name;
const tagService = (ms: Manifest[], tag: string) => find(ms, 'MutatingWebhookConfiguration', `istio-revision-tag-${tag}`)?.object.webhooks[0].clientConfig.service.name;

describe('canary upgrade runbook', () => {
  test.each(STEPS.map((s, i) => [s[0], i] as const))('%s: renders and passes check', async (_name, i) => {
    const ms = await render(STEPS[i][1]);
    switch (i) {
      case 0:
        expect(istiods(ms)).toEqual([`istiod-${OLD_REV}`]);
        expect([validatorService(ms), tagService(ms, 'default')]).toEqual([`istiod-${OLD_REV}`, `istiod-${OLD_REV}`]);
        break;
      case 1: {
        expect(istiods(ms)).toEqual([`istiod-${OLD_REV}`, `istiod-${NEW_REV}`].sort());
        expect([tagService(ms, 'default'), tagService(ms, 'canary')]).toEqual([`istiod-${OLD_REV}`, `istiod-${NEW_REV}`]);
        expect(validatorService(ms)).toBe(`istiod-${OLD_REV}`);
        // CRDs come from the newest version, rendered once.
        const crds = ms.filter(m => m.kind === 'CustomResourceDefinition');
        expect(new Set(crds.map(m => m.object.metadata.labels?.['app.kubernetes.io/version'] ?? m.object.metadata.labels?.['helm.sh/chart']))).toEqual(new Set([expect.stringContaining(NEW)]));
        expect(new Set(crds.map(m => m.name)).size).toBe(crds.length);
        // Each istiod comes from its own version's chart.
        const chartOf = (rev: string) => find(ms, 'Deployment', `istiod-${rev}`)!.object.metadata.labels['helm.sh/chart'];
        expect([chartOf(OLD_REV), chartOf(NEW_REV)]).toEqual([`istiod-${OLD}`, `istiod-${NEW}`]);
        break;
      }
      case 2:
        expect(find(ms, 'Namespace', 'shop')!.object.metadata.labels).toEqual({ 'istio.io/rev': 'canary' });
        expect(find(ms, 'Namespace', 'cart')!.object.metadata.labels).toEqual({ 'istio-injection': 'enabled' });
        break;
      case 3:
        expect([validatorService(ms), tagService(ms, 'default'), tagService(ms, 'canary')]).toEqual([`istiod-${NEW_REV}`, `istiod-${NEW_REV}`, `istiod-${NEW_REV}`]);
        // The gateway follows the default tag: now rendered from the new version's chart.
        expect(find(ms, 'Deployment', 'ingress')!.object.metadata.labels['app.kubernetes.io/version']).toBe(NEW);
        break;
      case 4:
        expect(istiods(ms)).toEqual([`istiod-${NEW_REV}`]);
        break;
    }
  });

  test('the single-revision form is unchanged by the canary form\'s existence: one unnamed istiod, no tags', async () => {
    const ms = await render({ istioVersion: NEW, appNamespaces: [{ name: 'shop' }], gateways });
    expect(ms.filter(m => m.kind === 'Deployment' && m.namespace === 'istio-system').map(m => m.name)).toEqual(['istiod']);
    expect(ms.filter(m => m.name.startsWith('istio-revision-tag'))).toEqual([]);
  });
});
