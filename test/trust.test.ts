import { spawnSync } from 'child_process';
import { loadAll } from 'js-yaml';
import { checkManifestList } from '../lib/check/check';
import { checkFleet } from '../lib/check/fleet';
import { providedCrds } from '../lib/check/provided-crds';
import { formatViolation } from '../lib/check/violation';
import { Manifest } from '../lib/manifests';
import { resolveProject } from '../lib/project/resolve';
import { PROJECT_ROOT } from '../lib/project-root';
import { locateHelm } from '../lib/render/helm-binary';
import { MeshSettings } from '../lib/settings';
import { lockedVersions, readLock } from '../lib/vendoring/lock';
import { vendoredCharts } from '../lib/vendoring/vendored';
import { TOOL_CRDS_ROOT } from './fixtures/tool-crds';
import { renderFleet } from './render';

// A fleet's root of trust and remote credentials, rendered by reference (Istio's plug-in CA
// and multicluster installs), and primary-remote (Istio's "Install Primary-Remote", Helm tab).

const LOCKED = readLock(PROJECT_ROOT).istioVersion;
const STORE = { kind: 'ClusterSecretStore', name: 'vault' } as const;
const REMOTE_SECRETS = { store: STORE, keyPrefix: 'istio/remote/' } as const;
const EASTWEST = { name: 'istio-eastwestgateway', namespace: 'istio-system', kind: 'eastwest' } as const;
const CERT_MANAGER = { certManager: { issuer: { kind: 'ClusterIssuer', name: 'mesh1-root' } } } as const;

const cluster = (mesh: NonNullable<MeshSettings['mesh']>, gateways: MeshSettings['gateways'] = [EASTWEST]): MeshSettings =>
  ({ istioVersion: LOCKED, appNamespaces: [{ name: 'shop' }], gateways, mesh });

/** Two primaries on two networks with cert-manager (Istio's multi-primary, multi-network). */
const MULTI_PRIMARY = {
  east: cluster({ id: 'mesh1', network: 'network1', trust: CERT_MANAGER, remoteSecrets: REMOTE_SECRETS }),
  west: cluster({ id: 'mesh1', network: 'network2', trust: CERT_MANAGER, remoteSecrets: REMOTE_SECRETS }),
};

/** A primary and a remote on another network, the CA and credentials from External Secrets. */
const PRIMARY_REMOTE = {
  east: cluster({ id: 'mesh1', network: 'network1', trust: { externalSecret: { store: STORE, key: 'istio/mesh1/east', rootKey: 'istio/mesh1/root' } }, remoteSecrets: REMOTE_SECRETS }),
  west: cluster({ id: 'mesh1', network: 'network2', primary: 'east', pilotAddress: '203.0.113.10' }),
};

const find = (ms: readonly Manifest[], kind: string, name: string) => ms.find(m => m.kind === kind && m.name === name);
const ofKind = (ms: readonly Manifest[], kind: string) => ms.filter(m => m.kind === kind);
const fileNumber = (m: Manifest) => Number(m.file.slice(0, 4));

/** What npm run check says of the fleet: each cluster's folder (with cert-manager's and External Secrets' CRDs, as the cluster provides them), then the fleet rules. */
function violations(fleet: Awaited<ReturnType<typeof renderFleet>>): string[] {
  const options = { providedCrds: providedCrds(TOOL_CRDS_ROOT) };
  const perCluster = [...fleet].flatMap(([name, c]) => checkManifestList(c.manifests, c.settings, options).map(v => `${name}/${formatViolation(v)}`));
  const across = checkFleet([...fleet].map(([name, c]) => ({ name, expected: c.settings, manifests: c.manifests })));
  return [...perCluster, ...[...across.violations, ...across.warnings].map(f => `${f.cluster}/${formatViolation(f.violation)}`)];
}

describe('multi-primary with cert-manager', () => {
  test('each cluster gets its intermediate CA as a Certificate for cacerts from the mesh\'s issuer, in a trust stage before istiod', async () => {
    const fleet = await renderFleet(MULTI_PRIMARY);
    for (const [name, { manifests, files }] of fleet) {
      const cert = find(manifests, 'Certificate', 'cacerts')!;
      expect(cert.namespace).toBe('istio-system');
      expect(cert.file).toMatch(/-trust\.k8s\.yaml$/);
      expect(cert.object.spec).toMatchObject({ secretName: 'cacerts', isCA: true, issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'mesh1-root' } });
      // As Istio's tools/certs name an intermediate: the cluster in the locality, the CN short enough for cert-manager.
      expect(cert.object.spec.subject).toEqual({ organizations: ['Istio'], localities: [name] });
      expect(cert.object.spec.commonName.length).toBeLessThanOrEqual(64);
      expect(cert.object.spec.usages).toContain('cert sign');
      // Before istiod, after the CRDs: istiod mounts cacerts as optional and would make its own root.
      expect(fileNumber(cert)).toBeLessThan(fileNumber(find(manifests, 'Deployment', 'istiod')!));
      expect(files.indexOf(cert.file)).toBe(files.findIndex(f => f.endsWith('-istio-base.k8s.yaml')) + 1);
      // No secret material anywhere.
      expect(ofKind(manifests, 'Secret').filter(s => s.object.data || s.object.stringData)).toEqual([]);
    }
  });

  test('each istiod watches the other cluster: one ExternalSecret writing the Secret istiod discovers', async () => {
    const fleet = await renderFleet(MULTI_PRIMARY);
    for (const [name, { manifests }] of fleet) {
      const other = name === 'east' ? 'west' : 'east';
      const remotes = ofKind(manifests, 'ExternalSecret').filter(m => m.name.startsWith('istio-remote-secret-'));
      expect(remotes.map(m => m.name)).toEqual([`istio-remote-secret-${other}`]);
      expect(remotes[0].object.spec).toEqual({
        refreshInterval: '1h',
        secretStoreRef: STORE,
        target: {
          name: `istio-remote-secret-${other}`,
          creationPolicy: 'Owner',
          template: { mergePolicy: 'Merge', metadata: { labels: { 'istio/multiCluster': 'true' }, annotations: { 'networking.istio.io/cluster': other } } },
        },
        data: [{ secretKey: other, remoteRef: { key: `istio/remote/${other}` } }],
      });
    }
    expect(violations(fleet)).toEqual([]);
  });
});

describe('primary-remote on two networks with External Secrets', () => {
  test('the primary\'s cacerts comes from the store, Istio\'s four keys, the root from the mesh\'s root key', async () => {
    const east = (await renderFleet(PRIMARY_REMOTE)).get('east')!;
    const cacerts = find(east.manifests, 'ExternalSecret', 'cacerts')!;
    expect(cacerts.object.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: STORE,
      target: { name: 'cacerts', creationPolicy: 'Owner' },
      data: [
        { secretKey: 'ca-cert.pem', remoteRef: { key: 'istio/mesh1/east', property: 'ca-cert.pem' } },
        { secretKey: 'ca-key.pem', remoteRef: { key: 'istio/mesh1/east', property: 'ca-key.pem' } },
        { secretKey: 'cert-chain.pem', remoteRef: { key: 'istio/mesh1/east', property: 'cert-chain.pem' } },
        { secretKey: 'root-cert.pem', remoteRef: { key: 'istio/mesh1/root', property: 'root-cert.pem' } },
      ],
    });
  });

  test('the remote has no istiod and no CA; istio-system names its primary; the primary watches it and exposes istiod on its east-west gateway', async () => {
    const fleet = await renderFleet(PRIMARY_REMOTE);
    const east = fleet.get('east')!;
    const west = fleet.get('west')!;
    expect(ofKind(west.manifests, 'Deployment').map(m => m.name)).toEqual([EASTWEST.name]);
    expect(ofKind(west.manifests, 'Certificate').concat(ofKind(west.manifests, 'ExternalSecret'))).toEqual([]);
    // Its trust stage holds only the empty token Secret of the account east's istiod reads west as.
    expect(west.manifests.filter(m => m.file.endsWith('-trust.k8s.yaml')).map(m => [m.kind, m.name, m.object.type, m.object.data])).toEqual([
      ['Secret', 'istio-reader-service-account-istio-remote-secret-token', 'kubernetes.io/service-account-token', undefined],
    ]);
    expect(find(west.manifests, 'Namespace', 'istio-system')!.object.metadata).toMatchObject({
      annotations: { 'topology.istio.io/controlPlaneClusters': 'east' },
      labels: { 'topology.istio.io/network': 'network2' },
    });
    // istiod's Service in the remote points at the primary's east-west gateway, by an EndpointSlice (never an ExternalName, which webhooks cannot call).
    expect(find(west.manifests, 'Service', 'istiod')!.object.spec.type).not.toBe('ExternalName');
    expect(ofKind(west.manifests, 'EndpointSlice').flatMap(m => m.object.endpoints.flatMap((e: any) => e.addresses))).toEqual(['203.0.113.10']);
    // The primary serves remotes (EXTERNAL_ISTIOD), watches west only, and exposes istiod (expose-istiod.yaml).
    const env = find(east.manifests, 'Deployment', 'istiod')!.object.spec.template.spec.containers[0].env;
    expect(env).toEqual(expect.arrayContaining([{ name: 'EXTERNAL_ISTIOD', value: 'true' }]));
    expect(ofKind(east.manifests, 'ExternalSecret').map(m => m.name)).toEqual(['cacerts', 'istio-remote-secret-west']);
    const gateway = find(east.manifests, 'Gateway', 'istiod-gateway')!;
    expect(gateway.object.spec.servers.map((s: any) => [s.port.number, s.tls.mode])).toEqual([[15012, 'PASSTHROUGH'], [15017, 'PASSTHROUGH']]);
    expect(find(east.manifests, 'Deployment', EASTWEST.name)!.object.spec.template.metadata.labels).toMatchObject(gateway.object.spec.selector);
    const routes = find(east.manifests, 'VirtualService', 'istiod-vs')!.object.spec;
    expect(routes.gateways).toEqual(['istiod-gateway']);
    expect(routes.tls.map((r: any) => [r.match[0].port, r.route[0].destination])).toEqual([
      [15012, { host: 'istiod.istio-system.svc.cluster.local', port: { number: 15012 } }],
      [15017, { host: 'istiod.istio-system.svc.cluster.local', port: { number: 443 } }],
    ]);
    expect(violations(fleet)).toEqual([]);
  });

  test('the remote\'s base and istiod objects are what helm template renders with the flags of Istio\'s primary-remote docs', async () => {
    const west = (await renderFleet(PRIMARY_REMOTE)).get('west')!;
    const helm = locateHelm({ root: PROJECT_ROOT });
    const charts = vendoredCharts(PROJECT_ROOT, LOCKED).dirs;
    const template = (release: string, chart: string, flags: string[]) => {
      const r = spawnSync(helm, ['template', release, chart, '-n', 'istio-system', '--kube-version', west.settings.kubeVersion, ...flags.flatMap(f => ['--set', f])], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      return (loadAll(r.stdout) as any[]).filter(Boolean);
    };
    const id = (o: any) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    // Where this project departs from helm's defaults on purpose (docs/design.md): the values
    // ConfigMaps record the values given, and the validating webhooks start as Fail.
    const comparable = (o: any) => {
      if (o.kind === 'ConfigMap' && ['values', 'istio-sidecar-injector'].includes(o.metadata.name)) return id(o);
      if (o.kind === 'ValidatingWebhookConfiguration') return { ...o, webhooks: o.webhooks.map((w: any) => ({ ...w, failurePolicy: undefined })) };
      return o;
    };
    const same = (file: string, expected: any[]) => {
      const ours = west.manifests.filter(m => m.file.endsWith(file)).map(m => JSON.parse(JSON.stringify(m.object)));
      expect(ours.map(id).sort()).toEqual(expected.map(id).sort());
      const byId = new Map(expected.map(o => [id(o), comparable(o)]));
      for (const o of ours) expect({ id: id(o), object: comparable(o) }).toEqual({ id: id(o), object: byId.get(id(o)) });
    };
    // "Install the base chart in cluster2", then "the istiod chart" (Helm tab): the docs' flags, cluster and network ours.
    const docsFlags = [
      'profile=remote', 'global.multiCluster.clusterName=west', 'global.network=network2',
      'istiodRemote.injectionPath=/inject/cluster/west/net/network2', 'global.configCluster=true',
      'global.remotePilotAddress=203.0.113.10',
    ];
    same('-istio-base.k8s.yaml', template('istio-base', charts.base, ['profile=remote']));
    same('-istiod.k8s.yaml', template('istiod', charts.istiod, docsFlags));
    // The comparison can fail: without one of the docs' flags the objects differ.
    expect(() => same('-istiod.k8s.yaml', template('istiod', charts.istiod, docsFlags.filter(f => !f.startsWith('global.configCluster'))))).toThrow();
    // The remote's values carry the docs' settings.
    const values = JSON.parse(find(west.manifests, 'ConfigMap', 'values')!.object.data['original-values']);
    expect(values).toMatchObject({ profile: 'remote', istiodRemote: { injectionPath: '/inject/cluster/west/net/network2' }, global: { configCluster: true, remotePilotAddress: '203.0.113.10', network: 'network2', multiCluster: { clusterName: 'west' } } });
  });
});

describe('what cert-manager and Secret names would refuse is refused in the settings', () => {
  const problemsOf = (clusters: { [name: string]: MeshSettings }): string[] => {
    try {
      resolveProject({ clusters }, lockedVersions(PROJECT_ROOT));
    } catch (err) {
      return (err as Error).message.split('\n').slice(1).map(l => l.replace(/^ {2}- /, ''));
    }
    return [];
  };
  const withTrust = (certManager: object) => ({
    east: cluster({ id: 'mesh1', network: 'network1', trust: { certManager: { issuer: { kind: 'ClusterIssuer', name: 'mesh1-root' }, ...certManager } }, remoteSecrets: REMOTE_SECRETS }),
    west: cluster({ id: 'mesh1', network: 'network2', trust: { certManager: { issuer: { kind: 'ClusterIssuer', name: 'mesh1-root' }, ...certManager } }, remoteSecrets: REMOTE_SECRETS }),
  });

  test('a lifetime cert-manager refuses: renewal not before expiry, under an hour, renewal under 5 minutes; a short lifetime renews at a third', () => {
    expect(problemsOf(withTrust({ duration: '720h' })).length).toBe(0);
    expect(resolveProject({ clusters: withTrust({ duration: '720h' }) }, lockedVersions(PROJECT_ROOT))[0].settings.trust).toMatchObject({ duration: '720h', renewBefore: '240h' });
    expect(problemsOf(withTrust({ duration: '720h', renewBefore: '720h' }))).toContain('clusters.east.mesh.trust.certManager.renewBefore: "720h" must be shorter than the certificate\'s duration (720h): cert-manager refuses it');
    expect(problemsOf(withTrust({ duration: '30m' }))).toContain('clusters.east.mesh.trust.certManager.duration: "30m" is shorter than cert-manager accepts (at least 1h)');
    expect(problemsOf(withTrust({ renewBefore: '1m' }))).toContain('clusters.east.mesh.trust.certManager.renewBefore: "1m" is shorter than cert-manager accepts (at least 5m)');
  });

  test('an external issuer (its own group and kind) is a root reference like cert-manager\'s own', async () => {
    const pca = { group: 'awspca.cert-manager.io', kind: 'AWSPCAClusterIssuer', name: 'mesh1-pca' };
    const fleet = await renderFleet({
      east: cluster({ id: 'mesh1', network: 'network1', trust: { certManager: { issuer: pca } }, remoteSecrets: REMOTE_SECRETS }),
      west: cluster({ id: 'mesh1', network: 'network2', trust: { certManager: { issuer: pca } }, remoteSecrets: REMOTE_SECRETS }),
    });
    expect(find(fleet.get('east')!.manifests, 'Certificate', 'cacerts')!.object.spec.issuerRef).toEqual(pca);
    expect(violations(fleet)).toEqual([]);
  });

  test('a watched cluster\'s name must make a valid Secret name (istio-remote-secret-<cluster>), as istioctl names it', () => {
    const clusters = withTrust({});
    expect(problemsOf({ ...clusters, west: { ...clusters.west, mesh: { ...clusters.west.mesh!, clusterName: 'West_1' } } })).toEqual([
      'clusters.west.mesh.clusterName: "West_1" names the remote secret istio-remote-secret-West_1 in east, which is not a valid Secret name: use lowercase letters, digits, \'-\' and \'.\'',
    ]);
  });
});

describe('primary-remote on one network', () => {
  test('the remote\'s injection path names the shared network, and it needs no east-west gateway of its own', async () => {
    const fleet = await renderFleet({
      east: cluster({ id: 'mesh1', network: 'network1', remoteSecrets: REMOTE_SECRETS }),
      west: cluster({ id: 'mesh1', network: 'network1', primary: 'east', pilotAddress: '192.0.2.10' }, []),
    });
    const west = fleet.get('west')!;
    const injector = find(west.manifests, 'MutatingWebhookConfiguration', 'istio-sidecar-injector')!.object;
    expect(injector.webhooks.map((w: any) => w.clientConfig.service.path)).toEqual(injector.webhooks.map(() => '/inject/cluster/west/net/network1'));
    // An IP address: the istiod Service gets an EndpointSlice to it instead of a DNS name.
    expect(find(west.manifests, 'Service', 'istiod')!.object.spec.type).not.toBe('ExternalName');
    expect(ofKind(west.manifests, 'EndpointSlice').flatMap(m => m.object.endpoints.flatMap((e: any) => e.addresses))).toEqual(['192.0.2.10']);
    // One istiod in the mesh: its own root is the mesh's (self-signed is allowed), and it watches west.
    expect(fleet.get('east')!.settings.trust).toEqual({ source: 'self-signed' });
    expect(ofKind(fleet.get('east')!.manifests, 'ExternalSecret').map(m => m.name)).toEqual(['istio-remote-secret-west']);
  });
});

describe('the fleet is refused when its trust cannot hold', () => {
  const problems = (clusters: { [name: string]: MeshSettings }): string[] => {
    try {
      resolveProject({ clusters }, lockedVersions(PROJECT_ROOT));
    } catch (err) {
      return (err as Error).message.split('\n').slice(1).map(l => l.replace(/^ {2}- /, ''));
    }
    return [];
  };

  test('a mesh mixing trust sources, or self-signed primaries, is refused naming the roots', () => {
    expect(problems({
      east: MULTI_PRIMARY.east,
      west: cluster({ id: 'mesh1', network: 'network2', trust: { externalSecret: { store: STORE, key: 'istio/mesh1/west' } }, remoteSecrets: REMOTE_SECRETS }),
    })).toEqual([
      'mesh mesh1: its clusters chain to different roots (east: cert-manager ClusterIssuer mesh1-root; west: ClusterSecretStore vault, key istio/mesh1/west (root-cert.pem)): every cluster of a mesh takes its CA from the same root (same issuer, or same store and rootKey)',
    ]);
    expect(problems({ east: MULTI_PRIMARY.east, west: cluster({ id: 'mesh1', network: 'network2', remoteSecrets: REMOTE_SECRETS }) })).toEqual([
      expect.stringMatching(/^clusters\.west\.mesh\.trust: mesh mesh1 has 2 clusters with istiod \(east, west\), so they must share a root of trust/),
    ]);
    // Two External Secrets keys without a shared rootKey chain to two roots.
    const perCluster = (key: string) => ({ externalSecret: { store: STORE, key } });
    expect(problems({
      east: cluster({ id: 'mesh1', network: 'network1', trust: perCluster('istio/east'), remoteSecrets: REMOTE_SECRETS }),
      west: cluster({ id: 'mesh1', network: 'network2', trust: perCluster('istio/west'), remoteSecrets: REMOTE_SECRETS }),
    })).toEqual([expect.stringContaining('mesh mesh1: its clusters chain to different roots')]);
  });

  test('one mesh, one trust domain: clusters naming different ones are refused (principals would not match across them)', () => {
    expect(problems({ east: { ...MULTI_PRIMARY.east, trustDomain: 'east.example.com' }, west: MULTI_PRIMARY.west })).toEqual([
      'mesh mesh1: its clusters name different trust domains (east: east.example.com, west: cluster.local): one mesh has one trust domain, or a policy in one cluster does not recognise callers from another; set the same trustDomain in each',
    ]);
    expect(problems({ east: { ...MULTI_PRIMARY.east, trustDomain: 'mesh1.example.com' }, west: { ...MULTI_PRIMARY.west, trustDomain: 'mesh1.example.com' } })).toEqual([]);
  });

  test('a remote needs a primary of its mesh with an east-west gateway, and its pilot address; it has no CA or credentials of its own', () => {
    const remote = (mesh: object) => cluster({ id: 'mesh1', network: 'network2', primary: 'east', pilotAddress: '203.0.113.10', ...mesh });
    expect(problems({ east: PRIMARY_REMOTE.east, west: remote({ pilotAddress: undefined }) })).toEqual([
      'clusters.west.mesh.pilotAddress: is required with mesh.primary: the IP address of the primary\'s east-west gateway, where this cluster\'s proxies and webhooks reach istiod',
    ]);
    // A DNS name would become an ExternalName Service, which the API server does not call webhooks through.
    expect(problems({ east: PRIMARY_REMOTE.east, west: remote({ pilotAddress: 'istiod.east.example.com' }) })).toEqual([
      expect.stringMatching(/^clusters\.west\.mesh\.pilotAddress: "istiod\.east\.example\.com" must be an IPv4 or IPv6 address/),
    ]);
    expect(problems({ east: PRIMARY_REMOTE.east, west: remote({ pilotAddress: '999.1.1.1' }) })).toHaveLength(1);
    expect(problems({ east: PRIMARY_REMOTE.east, west: remote({ pilotAddress: '2001:db8::10' }) })).toEqual([]);
    expect(problems({ east: { ...PRIMARY_REMOTE.east, gateways: [] }, west: remote({}) })).toEqual(expect.arrayContaining([
      'clusters.west.mesh.primary: "east" has no east-west gateway: its istiod is exposed to remote clusters through one (add a gateway of kind \'eastwest\' to it)',
    ]));
    expect(problems({ east: PRIMARY_REMOTE.east, west: remote({ primary: 'north' }) })).toEqual([
      'clusters.west.mesh.primary: "north" is not a cluster of main.ts\'s clusters (they are east, west)',
    ]);
    expect(problems({ east: PRIMARY_REMOTE.east, west: remote({ trust: CERT_MANAGER, remoteSecrets: REMOTE_SECRETS }) })).toEqual([
      expect.stringMatching(/^clusters\.west\.mesh\.trust: .* is for clusters with istiod: a remote cluster's workloads are signed by its primary's istiod$/),
      expect.stringMatching(/^clusters\.west\.mesh\.remoteSecrets: .* is for clusters with istiod: the primary watches its remotes/),
    ]);
    // The remote's webhooks carry the unnamed default revision: a revisioned primary would never patch their CA bundle.
    expect(problems({ east: { ...PRIMARY_REMOTE.east, revision: 'blue' }, west: remote({}) })).toEqual([
      expect.stringMatching(/^clusters\.east\.revision: east serves remote clusters \(west\), whose injection webhooks its istiod keeps only for the unnamed default revision/),
    ]);
    expect(problems({ east: PRIMARY_REMOTE.east, west: { ...remote({}), revision: 'blue' } })).toEqual([
      expect.stringMatching(/^clusters\.west\.revision: "blue" is not for a remote cluster/),
    ]);
    // The primary must be able to read the remote's API server.
    expect(problems({ east: { ...PRIMARY_REMOTE.east, mesh: { ...PRIMARY_REMOTE.east.mesh!, remoteSecrets: undefined } }, west: remote({}) })).toEqual([
      'clusters.east.mesh.remoteSecrets: required: the istiod of east watches west of mesh mesh1, and reads their API server credentials from a secret store: set remoteSecrets: { store: { kind, name }, keyPrefix }',
    ]);
  });
});
