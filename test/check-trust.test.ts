import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import { stringify } from 'yaml';
import { CheckExpectations, checkManifestList } from '../lib/check/check';
import { checkCommand } from '../lib/check/cli';
import { checkFleet, FleetCluster } from '../lib/check/fleet';
import { formatViolation, Rule, Violation } from '../lib/check/violation';
import { Manifest, manifestsOf } from '../lib/manifests';
import { ProjectDefinition } from '../lib/project/definition';
import { PROJECT_ROOT } from '../lib/project-root';
import { MeshSettings, ResolvedMeshSettings, ResolvedTrust } from '../lib/settings';
import { refusals } from '../lib/synth/output-check';
import { synthMesh } from '../lib/synth/synth';
import { UserError } from '../lib/user-error';
import { readLock } from '../lib/vendoring/lock';
import { runCaptured } from './command-io';
import { tempDir } from './render';

// A root of trust and remote credentials by reference: the objects are made by hand here,
// as the trust stage renders them (a Certificate or ExternalSecret writing cacerts, one
// ExternalSecret per watched cluster), so each rule is shown to fire on its own.

type Obj = { [key: string]: unknown };
type Files = { readonly [file: string]: readonly Obj[] };

const TRUST_RULES: readonly Rule[] = ['secret-data', 'trust-source', 'trust-order', 'trust-root', 'remote-secrets', 'manual-trust'];

/** The manifests of a folder of files, in memory. */
function manifests(files: Files): Manifest[] {
  return Object.keys(files).sort().flatMap(f => manifestsOf(f, files[f]));
}

const ns = (name: string): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

function istiod(name = 'istiod'): Obj {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'istio-system' },
    spec: {
      selector: { matchLabels: { app: 'istiod' } },
      template: { metadata: { labels: { app: 'istiod' } }, spec: { containers: [{ name: 'discovery', image: 'example.com/pilot:1.0.0' }] } },
    },
  };
}

function certificate(issuer: { kind?: string; name: string; group?: string }, o: { secretName?: string; isCA?: boolean; name?: string } = {}): Obj {
  return {
    apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: o.name ?? 'cacerts', namespace: 'istio-system' },
    spec: {
      secretName: o.secretName ?? 'cacerts', isCA: o.isCA ?? true, commonName: 'Istio intermediate CA',
      duration: '8760h', renewBefore: '720h', privateKey: { algorithm: 'RSA', size: 4096 }, usages: ['cert sign', 'crl sign'],
      issuerRef: { group: 'cert-manager.io', ...issuer },
    },
  };
}

const CA_KEYS = ['ca-cert.pem', 'ca-key.pem', 'cert-chain.pem'];

function externalSecretCa(store: { kind: string; name: string }, key: string, rootKey = key, extra: Obj = {}): Obj {
  return {
    apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'cacerts', namespace: 'istio-system' },
    spec: {
      refreshInterval: '1h', secretStoreRef: store, target: { name: 'cacerts', creationPolicy: 'Owner' },
      data: [...CA_KEYS.map(k => ({ secretKey: k, remoteRef: { key, property: k } })), { secretKey: 'root-cert.pem', remoteRef: { key: rootKey, property: 'root-cert.pem' } }],
      ...extra,
    },
  };
}

const VAULT = { kind: 'ClusterSecretStore', name: 'vault' } as const;

/** The ExternalSecret that writes the remote secret of `cluster`, as `istioctl create-remote-secret` would make it. */
function remoteSecret(cluster: string, o: { annotation?: string | null; key?: string; secretKey?: string; store?: { kind: string; name: string }; name?: string } = {}): Obj {
  const name = o.name ?? `istio-remote-secret-${cluster}`;
  const annotation = o.annotation === null ? {} : { annotations: { 'networking.istio.io/cluster': o.annotation ?? cluster } };
  return {
    apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name, namespace: 'istio-system' },
    spec: {
      refreshInterval: '1h', secretStoreRef: o.store ?? VAULT,
      target: { name, creationPolicy: 'Owner', template: { metadata: { labels: { 'istio/multiCluster': 'true' }, ...annotation } } },
      data: [{ secretKey: o.secretKey ?? cluster, remoteRef: { key: o.key ?? `istio/remote/${cluster}` } }],
    },
  };
}

const BASE: CheckExpectations = { kubeVersion: '1.33.0', istiodScheduling: { nodeSelector: {}, tolerations: [] }, gateways: [] };
const certManager = (issuer: string): ResolvedTrust => ({ source: 'cert-manager', issuer: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: issuer }, duration: '8760h', renewBefore: '720h' });
const CERT_MANAGER = certManager('mesh1-root');
const EXTERNAL: ResolvedTrust = { source: 'external-secret', store: VAULT, key: 'istio/east/ca', rootKey: 'istio/root', refreshInterval: '1h' };

/** The trust rules' findings on a folder, as `file: kind/ns/name: rule: detail`. */
const trustFindings = (files: Files, trust?: ResolvedTrust): string[] =>
  checkManifestList(manifests(files), { ...BASE, ...(trust ? { trust } : {}) }).filter(v => TRUST_RULES.includes(v.rule)).map(formatViolation);

/** A cluster folder in the trust stage's layout: namespaces, trust, istiod. */
const folder = (trust: readonly Obj[], istiods: readonly Obj[] = [istiod()]): Files => ({
  '0000-namespaces.k8s.yaml': [ns('istio-system')],
  '0001-trust.k8s.yaml': trust,
  '0002-istiod.k8s.yaml': istiods,
});

const rulesOf = (vs: readonly Violation[]): Rule[] => vs.map(v => v.rule);

describe('secret-data', () => {
  test('a Secret with data or stringData is refused, naming its keys and never its values; an empty one passes', () => {
    const withData = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'shop' }, data: { password: 'aHVudGVyMg==' }, stringData: { user: 'admin', password: 'hunter2' } };
    const token = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token', namespace: 'shop', annotations: { 'kubernetes.io/service-account.name': 'default' } }, type: 'kubernetes.io/service-account-token' };
    const empty = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'empty', namespace: 'shop' }, data: {}, stringData: {} };
    const lines = trustFindings({ '0000-ns.yaml': [ns('shop')], '0001-app.yaml': [withData, token, empty] });
    expect(lines).toEqual([
      '0001-app.yaml: Secret/shop/creds: secret-data: Secret with data (keys: password, user): secret material must not be committed; reference it instead (an ExternalSecret, a cert-manager Certificate)',
    ]);
    expect(lines.join('\n')).not.toMatch(/hunter2|aHVudGVyMg|admin/);
    // A look-alike kind of another group is not a Secret.
    expect(trustFindings({ '0000-ns.yaml': [ns('shop')], '0001-app.yaml': [{ ...withData, apiVersion: 'example.com/v1' }] })).toEqual([]);
  });

  test('synth refuses a Secret with data made through extend(), and writes nothing', async () => {
    const t = tempDir('istio-cdk8s-trust-');
    try {
      const outdir = path.join(t.dir, 'dist');
      const settings: MeshSettings = { istioVersion: readLock(PROJECT_ROOT).istioVersion, gateways: [{ name: 'edge', namespace: 'edge', kind: 'ingress' }], appNamespaces: [{ name: 'shop' }] };
      const project: ProjectDefinition = {
        settings,
        extend: chart => { new ApiObject(chart, 'creds', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'shop' }, stringData: { token: 'do-not-commit' } }); },
      };
      const err: Error = await synthMesh(project, { outdir, log: () => undefined }).then(() => { throw new Error('synth passed'); }, e => e);
      expect(err).toBeInstanceOf(UserError);
      expect(err.message.split('\n')).toEqual([
        'npm run check would refuse this output (1 violation below), so nothing was written; fix main.ts and run npm run synth again:',
        expect.stringMatching(/^ {2}\d{4}-custom\.k8s\.yaml: Secret\/shop\/creds: secret-data: Secret with data \(keys: token\): secret material must not be committed; reference it instead \(an ExternalSecret, a cert-manager Certificate\)$/),
      ]);
      expect(err.message).not.toContain('do-not-commit');
      expect(fs.existsSync(outdir)).toBe(false);
    } finally {
      t.cleanup();
    }
  });
});

describe('trust-source', () => {
  test('cert-manager: exactly one Certificate writing cacerts, from the issuer of mesh.trust, as a CA', () => {
    const good = folder([certificate({ kind: 'ClusterIssuer', name: 'mesh1-root' })]);
    expect(trustFindings(good, CERT_MANAGER)).toEqual([]);
    // The group may be left out (cert-manager's default).
    expect(trustFindings(folder([certificate({ kind: 'ClusterIssuer', name: 'mesh1-root', group: undefined })]), CERT_MANAGER)).toEqual([]);
    expect(trustFindings(folder([certificate({ kind: 'Issuer', name: 'other', group: 'example.com' }, { isCA: false })]), CERT_MANAGER)).toEqual([
      '0001-trust.k8s.yaml: Certificate/istio-system/cacerts: trust-source: spec.issuerRef is Issuer other, but main.ts\'s mesh.trust names ClusterIssuer mesh1-root',
      '0001-trust.k8s.yaml: Certificate/istio-system/cacerts: trust-source: spec.issuerRef.group is "example.com", but main.ts\'s mesh.trust names an issuer of group cert-manager.io',
      '0001-trust.k8s.yaml: Certificate/istio-system/cacerts: trust-source: spec.isCA is not true: istiod signs workload certificates with cacerts, so it must be a CA certificate',
    ]);
    // cert-manager defaults an issuerRef without kind to Issuer.
    expect(trustFindings(folder([certificate({ name: 'mesh1-root', kind: undefined })]), CERT_MANAGER)).toEqual([
      '0001-trust.k8s.yaml: Certificate/istio-system/cacerts: trust-source: spec.issuerRef is Issuer mesh1-root, but main.ts\'s mesh.trust names ClusterIssuer mesh1-root',
    ]);
  });

  test('cert-manager: none, two, or another kind writing cacerts', () => {
    // A Certificate for another Secret, or in another namespace, does not write istiod's cacerts.
    const elsewhere = { ...certificate({ kind: 'ClusterIssuer', name: 'mesh1-root' }), metadata: { name: 'cacerts', namespace: 'shop' } };
    expect(trustFindings(folder([certificate({ kind: 'ClusterIssuer', name: 'mesh1-root' }, { secretName: 'other', name: 'other' }), elsewhere]), CERT_MANAGER)).toEqual([
      '0002-istiod.k8s.yaml: Deployment/istio-system/istiod: trust-source: main.ts\'s mesh.trust is cert-manager (ClusterIssuer mesh1-root), but no object writes Secret cacerts in istio-system: istiod would make a self-signed root of its own',
    ]);
    expect(trustFindings(folder([certificate({ kind: 'ClusterIssuer', name: 'mesh1-root' }), externalSecretCa(VAULT, 'k')]), CERT_MANAGER)).toEqual([
      '0001-trust.k8s.yaml: Certificate/istio-system/cacerts: trust-source: one of 2 objects that write Secret cacerts in istio-system (Certificate/istio-system/cacerts, ExternalSecret/istio-system/cacerts): exactly one may',
      '0001-trust.k8s.yaml: ExternalSecret/istio-system/cacerts: trust-source: one of 2 objects that write Secret cacerts in istio-system (Certificate/istio-system/cacerts, ExternalSecret/istio-system/cacerts): exactly one may',
      '0001-trust.k8s.yaml: ExternalSecret/istio-system/cacerts: trust-source: writes Secret cacerts, but main.ts\'s mesh.trust is cert-manager (ClusterIssuer mesh1-root): a cert-manager Certificate writes it',
    ]);
  });

  test('external-secret: one ExternalSecret writing cacerts with Istio\'s four keys, from the store, key and root key of mesh.trust', () => {
    expect(trustFindings(folder([externalSecretCa(VAULT, 'istio/east/ca', 'istio/root')]), EXTERNAL)).toEqual([]);
    // The target defaults to the ExternalSecret's own name.
    const untargeted = externalSecretCa(VAULT, 'istio/east/ca', 'istio/root');
    delete (untargeted.spec as Obj).target;
    expect(trustFindings(folder([untargeted]), EXTERNAL)).toEqual([]);
    const broken = externalSecretCa({ kind: 'SecretStore', name: 'vault' }, 'istio/east/ca', 'istio/west/ca', { dataFrom: [{ extract: { key: 'x' } }] });
    (broken.spec as { data: Obj[] }).data.splice(1, 1);
    expect(trustFindings(folder([broken]), EXTERNAL)).toEqual([
      '0001-trust.k8s.yaml: ExternalSecret/istio-system/cacerts: trust-source: spec.secretStoreRef is SecretStore vault, but main.ts\'s mesh.trust names ClusterSecretStore vault',
      '0001-trust.k8s.yaml: ExternalSecret/istio-system/cacerts: trust-source: spec.data has no item for key ca-key.pem: istiod\'s plug-in CA is ca-cert.pem, ca-key.pem, cert-chain.pem, root-cert.pem',
      '0001-trust.k8s.yaml: ExternalSecret/istio-system/cacerts: trust-source: spec.data[2] (root-cert.pem) reads key istio/west/ca, property root-cert.pem, but main.ts\'s mesh.trust says key istio/root, property root-cert.pem',
      '0001-trust.k8s.yaml: ExternalSecret/istio-system/cacerts: trust-source: spec.dataFrom: the keys it writes into cacerts cannot be known offline; cacerts holds exactly the four keys of spec.data',
    ]);
    expect(trustFindings(folder([certificate({ kind: 'ClusterIssuer', name: 'mesh1-root' })]), EXTERNAL)).toEqual([
      '0001-trust.k8s.yaml: Certificate/istio-system/cacerts: trust-source: writes Secret cacerts, but main.ts\'s mesh.trust is External Secrets (ClusterSecretStore vault, key istio/east/ca, root key istio/root): an ExternalSecret writes it',
    ]);
  });

  test('self-signed, manual and a remote cluster render nothing that writes cacerts; a Secret named cacerts writes it', () => {
    const cacertsSecret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cacerts', namespace: 'istio-system' } };
    for (const source of ['self-signed', 'manual', 'remote'] as const) expect(trustFindings(folder([]), { source })).toEqual([]);
    expect(trustFindings(folder([certificate({ kind: 'ClusterIssuer', name: 'mesh1-root' })]), { source: 'self-signed' })).toEqual([
      '0001-trust.k8s.yaml: Certificate/istio-system/cacerts: trust-source: writes Secret cacerts, istiod\'s CA, but main.ts\'s mesh.trust is \'self-signed\' (istiod makes its own root): the settings must say where the CA comes from',
    ]);
    expect(trustFindings(folder([cacertsSecret]), { source: 'manual' })).toEqual([
      '0001-trust.k8s.yaml: Secret/istio-system/cacerts: trust-source: writes Secret cacerts, istiod\'s CA, but main.ts\'s mesh.trust is \'manual\' (you create cacerts outside dist/): the settings must say where the CA comes from',
    ]);
    expect(trustFindings(folder([externalSecretCa(VAULT, 'k')], []), { source: 'remote' })).toEqual([
      '0001-trust.k8s.yaml: ExternalSecret/istio-system/cacerts: trust-source: writes Secret cacerts, istiod\'s CA, but this is a remote cluster (mesh.primary): its primary\'s istiod signs its workloads, and no CA belongs here',
    ]);
    // Without a trust to compare with, trust-source says nothing.
    expect(trustFindings(folder([certificate({ kind: 'ClusterIssuer', name: 'x' })]))).toEqual([]);
  });
});

describe('trust-order', () => {
  test('what writes cacerts is in a file before every istiod\'s', () => {
    const cert = certificate({ kind: 'ClusterIssuer', name: 'mesh1-root' });
    expect(trustFindings(folder([cert], [istiod(), istiod('istiod-canary')]))).toEqual([]);
    const late = { '0000-namespaces.k8s.yaml': [ns('istio-system')], '0001-istiod.k8s.yaml': [istiod('istiod-canary')], '0002-istiod.k8s.yaml': [cert, istiod()] };
    expect(trustFindings(late)).toEqual([
      '0002-istiod.k8s.yaml: Certificate/istio-system/cacerts: trust-order: writes Secret cacerts, but istiod Deployment istio-system/istiod-canary is in 0001-istiod.k8s.yaml, an earlier file: istiod mounts cacerts as optional, so started first it makes a self-signed root of its own and keeps it; put this object in a file before istiod\'s',
    ]);
    expect(rulesOf(checkManifestList(manifests({ '0000-namespaces.k8s.yaml': [ns('istio-system')], '0001-istiod.k8s.yaml': [cert, istiod()] }), BASE))).toContain('trust-order');
    // A Deployment that is not istiod, or not in istio-system, does not count.
    const other = { ...istiod('istiodx'), metadata: { name: 'istiodx', namespace: 'istio-system' } };
    expect(trustFindings({ '0000-namespaces.k8s.yaml': [ns('istio-system'), other], '0001-trust.k8s.yaml': [cert] })).toEqual([]);
  });
});

describe('fleet rules', () => {
  const meshOf = (clusterName: string, primary?: string): ResolvedMeshSettings['mesh'] => ({
    id: 'mesh1', clusterName, remotes: [], watchedBy: [], ...(primary ? { primary: { cluster: primary, clusterName: primary, pilotAddress: '203.0.113.10' } } : {}),
  });
  const remoteSecretsOf = (...clusters: string[]): ResolvedMeshSettings['remoteSecrets'] =>
    clusters.map(c => ({ clusterName: c, store: VAULT, key: `istio/remote/${c}`, refreshInterval: '1h' }));
  const cluster = (name: string, files: Files, o: { trust?: ResolvedTrust; watches?: string[]; primary?: string } = {}): FleetCluster => ({
    name,
    expected: { mesh: meshOf(name, o.primary), trust: o.trust ?? CERT_MANAGER, remoteSecrets: remoteSecretsOf(...o.watches ?? []) },
    manifests: manifests(files),
  });
  const fleetLines = (clusters: readonly FleetCluster[]) => {
    const found = checkFleet(clusters);
    const line = (f: { cluster?: string; violation: Violation }) => `${f.cluster ? `${f.cluster}/` : ''}${formatViolation(f.violation)}`;
    return { violations: found.violations.map(line), warnings: found.warnings.map(line) };
  };
  const issued = (issuer: string, ...watches: string[]) => folder([certificate({ kind: 'ClusterIssuer', name: issuer }), ...watches.map(w => remoteSecret(w))]);

  test('multi-primary: one root, each istiod a remote secret for every other cluster: clean', () => {
    expect(fleetLines([
      cluster('east', issued('mesh1-root', 'west', 'north'), { watches: ['west', 'north'] }),
      cluster('west', issued('mesh1-root', 'east', 'north'), { watches: ['east', 'north'] }),
      cluster('north', issued('mesh1-root', 'east', 'west'), { watches: ['east', 'west'] }),
    ])).toEqual({ violations: [], warnings: [] });
    const es = (key: string) => folder([externalSecretCa(VAULT, key, 'istio/root')]);
    expect(fleetLines([cluster('east', es('istio/east/ca'), { trust: EXTERNAL }), cluster('west', es('istio/west/ca'), { trust: EXTERNAL })])
      .violations.filter(l => l.includes(': trust-root: '))).toEqual([]);
  });

  test('trust-root: two roots are named from each side; a majority is the reference; mixed kinds and a missing cacerts differ', () => {
    expect(fleetLines([cluster('east', issued('mesh1-root', 'west'), { watches: ['west'] }), cluster('west', issued('other-root', 'east'), { watches: ['east'] })]).violations).toEqual([
      'east/0001-trust.k8s.yaml: Certificate/istio-system/cacerts: trust-root: issuer ClusterIssuer mesh1-root, but west\'s cacerts comes from ClusterIssuer other-root: the clusters of mesh mesh1 must chain to one root',
      'west/0001-trust.k8s.yaml: Certificate/istio-system/cacerts: trust-root: issuer ClusterIssuer other-root, but east\'s cacerts comes from ClusterIssuer mesh1-root: the clusters of mesh mesh1 must chain to one root',
    ]);
    const three = fleetLines([
      cluster('a', issued('mesh1-root', 'b', 'c'), { watches: ['b', 'c'] }),
      cluster('b', issued('mesh1-root', 'a', 'c'), { watches: ['a', 'c'] }),
      cluster('c', folder([externalSecretCa(VAULT, 'istio/c/ca', 'istio/root'), remoteSecret('a'), remoteSecret('b')]), { watches: ['a', 'b'] }),
    ]);
    expect(three.violations).toEqual([
      'c/0001-trust.k8s.yaml: ExternalSecret/istio-system/cacerts: trust-root: root-cert.pem from ClusterSecretStore vault, key istio/root, property root-cert.pem, but a\'s cacerts comes from ClusterIssuer mesh1-root: the clusters of mesh mesh1 must chain to one root',
    ]);
    const missing = fleetLines([cluster('east', issued('mesh1-root', 'west'), { watches: ['west'] }), cluster('west', folder([remoteSecret('east')]), { watches: ['east'] })]);
    expect(missing.violations).toEqual([
      'east/0001-trust.k8s.yaml: Certificate/istio-system/cacerts: trust-root: issuer ClusterIssuer mesh1-root, but west\'s istiod makes a self-signed root of its own (no object writes cacerts): the clusters of mesh mesh1 must chain to one root',
      'west/0002-istiod.k8s.yaml: Deployment/istio-system/istiod: trust-root: no object writes cacerts, so istiod of west makes a self-signed root of its own, but east\'s cacerts comes from ClusterIssuer mesh1-root: the clusters of mesh mesh1 must chain to one root',
    ]);
  });

  test('trust-root: a manual cluster cannot be proven: a warning, not a violation; other meshes and remotes are not compared', () => {
    const manual = fleetLines([cluster('east', issued('mesh1-root', 'west'), { watches: ['west'] }), cluster('west', folder([remoteSecret('east')]), { watches: ['east'], trust: { source: 'manual' } })]);
    expect(manual).toEqual({
      violations: [],
      warnings: ['west/0002-istiod.k8s.yaml: Deployment/istio-system/istiod: manual-trust: main.ts\'s mesh.trust is \'manual\': cacerts is created outside dist/, so check cannot prove that west chains to the same root as the other clusters of mesh mesh1 (east)'],
    });
    const otherMesh: FleetCluster = { name: 'solo', expected: { mesh: { ...meshOf('solo')!, id: 'mesh2' }, trust: CERT_MANAGER, remoteSecrets: [] }, manifests: manifests(issued('other-root')) };
    const remote = cluster('edge', folder([], []), { primary: 'east', trust: { source: 'remote' } });
    expect(fleetLines([cluster('east', issued('mesh1-root', 'edge'), { watches: ['edge'] }), remote, otherMesh])).toEqual({ violations: [], warnings: [] });
  });

  test('remote-secrets: missing, extra (outside the mesh, itself), duplicate, disagreeing, from another store; a remote has none', () => {
    const east = folder([
      certificate({ kind: 'ClusterIssuer', name: 'mesh1-root' }),
      remoteSecret('east'),
      remoteSecret('mars'),
      remoteSecret('north', { name: 'north-again' }),
      remoteSecret('north', { store: { kind: 'ClusterSecretStore', name: 'other' }, key: 'elsewhere/north' }),
    ]);
    const west = folder([certificate({ kind: 'ClusterIssuer', name: 'mesh1-root' }), remoteSecret('east', { annotation: 'north' }), remoteSecret('north', { annotation: null })]);
    const found = fleetLines([
      cluster('east', east, { watches: ['west', 'north'] }),
      cluster('west', west, { watches: ['east', 'north'] }),
      cluster('north', folder([certificate({ kind: 'ClusterIssuer', name: 'mesh1-root' }), remoteSecret('east'), remoteSecret('west')]), { watches: ['east', 'west'] }),
      cluster('edge', folder([remoteSecret('east')], []), { primary: 'north', trust: { source: 'remote' } }),
    ]);
    expect(found.violations).toEqual([
      'east/0001-trust.k8s.yaml: ExternalSecret/istio-system/istio-remote-secret-east: remote-secrets: a remote secret for east, istiod\'s own cluster: istiod watches its own cluster through its service account; remove it',
      'east/0001-trust.k8s.yaml: ExternalSecret/istio-system/istio-remote-secret-mars: remote-secrets: a remote secret for mars, which is not another cluster of mesh mesh1 (istiod of east watches west, north, edge): remove it, or add mars to the mesh',
      'east/0001-trust.k8s.yaml: ExternalSecret/istio-system/istio-remote-secret-north: remote-secrets: a second remote secret for north (the first is ExternalSecret/istio-system/north-again in 0001-trust.k8s.yaml): istiod watches each cluster once',
      'east/0002-istiod.k8s.yaml: Deployment/istio-system/istiod: remote-secrets: istiod of east watches west (mesh mesh1), but east\'s folder has no remote secret for west: an ExternalSecret in istio-system whose Secret is labelled istio/multiCluster: "true", with key west',
      'east/0002-istiod.k8s.yaml: Deployment/istio-system/istiod: remote-secrets: istiod of east watches edge (mesh mesh1), but east\'s folder has no remote secret for edge: an ExternalSecret in istio-system whose Secret is labelled istio/multiCluster: "true", with key edge',
      'west/0001-trust.k8s.yaml: ExternalSecret/istio-system/istio-remote-secret-east: remote-secrets: annotation networking.istio.io/cluster names north, but its key is east: istiod reads the kubeconfig under the cluster\'s name, so both name the same cluster',
      'west/0001-trust.k8s.yaml: ExternalSecret/istio-system/istio-remote-secret-north: remote-secrets: no annotation networking.istio.io/cluster on the Secret it writes (spec.target.template.metadata): a remote secret names its cluster there and in its key',
      'west/0002-istiod.k8s.yaml: Deployment/istio-system/istiod: remote-secrets: istiod of west watches edge (mesh mesh1), but west\'s folder has no remote secret for edge: an ExternalSecret in istio-system whose Secret is labelled istio/multiCluster: "true", with key edge',
      'north/0002-istiod.k8s.yaml: Deployment/istio-system/istiod: remote-secrets: istiod of north watches edge (mesh mesh1), but north\'s folder has no remote secret for edge: an ExternalSecret in istio-system whose Secret is labelled istio/multiCluster: "true", with key edge',
      'edge/0001-trust.k8s.yaml: ExternalSecret/istio-system/istio-remote-secret-east: remote-secrets: a remote secret on edge, a remote cluster (its control plane is istiod of north): no istiod here reads it; remove it',
    ]);
    // The store and key of each remote secret are main.ts's mesh.remoteSecrets'.
    const moved = fleetLines([
      cluster('east', folder([certificate({ kind: 'ClusterIssuer', name: 'mesh1-root' }), remoteSecret('west', { store: { kind: 'ClusterSecretStore', name: 'other' }, key: 'elsewhere/west' })]), { watches: ['west'] }),
      cluster('west', issued('mesh1-root', 'east'), { watches: ['east'] }),
    ]);
    expect(moved.violations).toEqual([
      'east/0001-trust.k8s.yaml: ExternalSecret/istio-system/istio-remote-secret-west: remote-secrets: reads west\'s credentials from ClusterSecretStore other, key elsewhere/west, but main.ts\'s mesh.remoteSecrets says ClusterSecretStore vault, key istio/remote/west',
    ]);
  });

  test('remote-secrets: the watched clusters come from every cluster\'s settings, not from the cluster\'s own list; a cluster in no mesh watches none', () => {
    // east's own remoteSecrets forgot north: the topology still has east watch north.
    const found = fleetLines([
      cluster('east', issued('mesh1-root', 'west'), { watches: ['west'] }),
      cluster('west', issued('mesh1-root', 'east', 'north'), { watches: ['east', 'north'] }),
      cluster('north', issued('mesh1-root', 'east', 'west'), { watches: ['east', 'west'] }),
    ]);
    expect(found.violations).toEqual([
      'east/0002-istiod.k8s.yaml: Deployment/istio-system/istiod: remote-secrets: istiod of east watches north (mesh mesh1), but east\'s folder has no remote secret for north: an ExternalSecret in istio-system whose Secret is labelled istio/multiCluster: "true", with key north',
    ]);
    const single = checkFleet([{ expected: { trust: { source: 'self-signed' }, remoteSecrets: [] }, manifests: manifests(folder([remoteSecret('west')])) }]);
    expect(single.violations.map(f => formatViolation(f.violation))).toEqual([
      '0001-trust.k8s.yaml: ExternalSecret/istio-system/istio-remote-secret-west: remote-secrets: a remote secret for west, but this cluster is in no mesh (mesh.id): its istiod watches no other cluster; remove it',
    ]);
  });

  test('synth refuses what the fleet rules refuse, across its outputs', () => {
    const planned = (name: string, issuer: string, watches: string[]) => ({
      cluster: name,
      files: Object.entries(issued(issuer, ...watches)).map(([file, documents]) => ({ file, documents })),
      expected: { ...BASE, mesh: meshOf(name), trust: certManager(issuer), remoteSecrets: remoteSecretsOf(...watches) },
    });
    const lines = (outputs: ReturnType<typeof planned>[]) => (refusals(outputs)?.message.split('\n') ?? []).filter(l => TRUST_RULES.some(r => l.includes(`: ${r}: `)));
    expect(lines([planned('east', 'mesh1-root', ['west']), planned('west', 'mesh1-root', ['east'])])).toEqual([]);
    expect(lines([planned('east', 'mesh1-root', ['west']), planned('west', 'other-root', [])])).toEqual([
      '  east/0001-trust.k8s.yaml: Certificate/istio-system/cacerts: trust-root: issuer ClusterIssuer mesh1-root, but west\'s cacerts comes from ClusterIssuer other-root: the clusters of mesh mesh1 must chain to one root',
      '  west/0001-trust.k8s.yaml: Certificate/istio-system/cacerts: trust-root: issuer ClusterIssuer other-root, but east\'s cacerts comes from ClusterIssuer mesh1-root: the clusters of mesh mesh1 must chain to one root',
      '  west/0002-istiod.k8s.yaml: Deployment/istio-system/istiod: remote-secrets: istiod of west watches east (mesh mesh1), but west\'s folder has no remote secret for east: an ExternalSecret in istio-system whose Secret is labelled istio/multiCluster: "true", with key east',
    ]);
  });
});

describe('the fleet rules through npm run check', () => {
  const V = readLock(PROJECT_ROOT).istioVersion;
  const member: MeshSettings = {
    istioVersion: V,
    mesh: { id: 'mesh1', trust: { certManager: { issuer: { kind: 'ClusterIssuer', name: 'mesh1-root' } } }, remoteSecrets: { store: VAULT, keyPrefix: 'istio/remote/' } },
  };
  const FLEET: ProjectDefinition = { clusters: { east: member, west: member } };

  /** Writes a fleet's folders (cluster → files) below a fresh dist/. */
  function writeFleet(dir: string, clusters: { [cluster: string]: Files }): string {
    const dist = path.join(dir, 'dist');
    for (const [name, files] of Object.entries(clusters)) {
      fs.mkdirSync(path.join(dist, name), { recursive: true });
      for (const [file, objects] of Object.entries(files)) fs.writeFileSync(path.join(dist, name, file), objects.map(o => stringify(o)).join('---\n'));
    }
    return dist;
  }
  const issued = (issuer: string, ...watches: string[]) => folder([certificate({ kind: 'ClusterIssuer', name: issuer }), ...watches.map(w => remoteSecret(w))]);
  /** The lines of the trust rules (the hand-made folders have no CRDs, nor istiod's webhooks: other rules fire too). */
  const run = async (dist: string, ...args: string[]) => {
    const r = await runCaptured((argv, io) => checkCommand(argv, io, { project: () => FLEET, root: PROJECT_ROOT }), [...args, dist]);
    return { status: r.status, lines: r.out.filter(l => TRUST_RULES.some(rule => l.includes(`: ${rule}: `))), summary: r.out[r.out.length - 1] };
  };

  test('a correct fleet passes the trust rules; another root or a missing remote secret in one folder fails, named by cluster; --cluster compares with the others', async () => {
    const t = tempDir('istio-cdk8s-trust-');
    try {
      const good = writeFleet(path.join(t.dir, 'good'), { east: issued('mesh1-root', 'west'), west: issued('mesh1-root', 'east') });
      expect((await run(good)).lines).toEqual([]);
      const bad = writeFleet(path.join(t.dir, 'bad'), { east: issued('mesh1-root', 'west'), west: issued('other-root') });
      const all = await run(bad);
      expect(all.status).toBe(1);
      expect(all.lines).toEqual([
        'west/0001-trust.k8s.yaml: Certificate/istio-system/cacerts: trust-source: spec.issuerRef is ClusterIssuer other-root, but main.ts\'s mesh.trust names ClusterIssuer mesh1-root',
        'east/0001-trust.k8s.yaml: Certificate/istio-system/cacerts: trust-root: issuer ClusterIssuer mesh1-root, but west\'s cacerts comes from ClusterIssuer other-root: the clusters of mesh mesh1 must chain to one root',
        'west/0001-trust.k8s.yaml: Certificate/istio-system/cacerts: trust-root: issuer ClusterIssuer other-root, but east\'s cacerts comes from ClusterIssuer mesh1-root: the clusters of mesh mesh1 must chain to one root',
        'west/0002-istiod.k8s.yaml: Deployment/istio-system/istiod: remote-secrets: istiod of west watches east (mesh mesh1), but west\'s folder has no remote secret for east: an ExternalSecret in istio-system whose Secret is labelled istio/multiCluster: "true", with key east',
      ]);
      expect(all.summary).toMatch(/^check: 2 clusters, 7 objects in 6 files of .*, \d+ violations$/);
      // One cluster is still compared with the others' folders; only its own findings are printed.
      const east = await run(bad, '--cluster', 'east');
      expect(east.lines).toEqual([all.lines[1]]);
      expect(east.summary).toMatch(/^check: 1 cluster, 4 objects in 3 files/);
    } finally {
      t.cleanup();
    }
  });
});
