import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { checkManifestList } from '../lib/check/check';
import { checkCommand } from '../lib/check/cli';
import { providedCrds } from '../lib/check/provided-crds';
import { Rule, Violation } from '../lib/check/violation';
import { manifestsOf } from '../lib/manifests';
import { resolveSettings } from '../lib/settings';
import { refusals } from '../lib/synth/output-check';
import { LOCK_FILE, readLock, readLockFile } from '../lib/vendoring/lock';
import { TOOL_CRDS } from '../lib/vendoring/tool-crd-versions';
import { runCaptured } from './command-io';
import { TEST_TOOLS, TOOL_CRDS_ROOT } from './fixtures/tool-crds';

// Objects of the tools' kinds (cert-manager, External Secrets) validated against their real
// CRDs, which the cluster provides (each tool installs its own) and this project vendors,
// never renders: test/global-setup.ts vendors them into TOOL_CRDS_ROOT.

const ROOT = path.resolve(__dirname, '..');
const LOCKED = readLock(ROOT).istioVersion;
const expected = resolveSettings({ istioVersion: LOCKED }, LOCKED);
const CERT_MANAGER = `cert-manager ${TOOL_CRDS['cert-manager']!.version}`;
const EXTERNAL_SECRETS = `external-secrets ${TOOL_CRDS['external-secrets']!.version}`;

const provided = providedCrds(TOOL_CRDS_ROOT);

const namespaces = { file: '0000-namespaces.k8s.yaml', documents: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }] };

function certificate(spec: object = {}): object {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: 'shop-tls', namespace: 'shop' },
    spec: { secretName: 'shop-tls', dnsNames: ['shop.example.com'], duration: '2160h', issuerRef: { name: 'shop-ca', kind: 'Issuer', group: 'cert-manager.io' }, ...spec },
  };
}

function externalSecret(data: readonly object[] = [{ secretKey: 'password', remoteRef: { key: 'shop/db', property: 'password' } }]): object {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'shop-db', namespace: 'shop' },
    spec: { refreshInterval: '1h', secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' }, target: { name: 'shop-db' }, data },
  };
}

/** The violations of a two-file folder (namespaces, then the objects), against the tool CRDs or not. */
function check(objects: readonly object[], withTools = true): Violation[] {
  const manifests = [namespaces, { file: '0001-custom.k8s.yaml', documents: objects }].flatMap(f => manifestsOf(f.file, f.documents));
  return checkManifestList(manifests, expected, withTools ? { providedCrds: provided } : {});
}

const rulesOf = (vs: readonly Violation[]): Rule[] => vs.map(v => v.rule);
const details = (vs: readonly Violation[]): string[] => vs.map(v => `${v.rule}: ${v.detail}`);

describe('the CRDs tools provide', () => {
  test('are those of the tools the lock pins, at its release, each CRD named by its vendored file', () => {
    // Every tool TOOL_CRDS_ROOT pins (Argo CD's and Flux's too, for the delivery objects), by name.
    expect(provided.map(p => p.by)).toEqual([...TEST_TOOLS].sort().map(t => `${t} ${TOOL_CRDS[t]!.version}`));
    expect(provided.map(p => p.by)).toEqual(expect.arrayContaining([CERT_MANAGER, EXTERNAL_SECRETS]));
    const kinds = (by: string) => provided.find(p => p.by === by)!.crds.map(c => c.object.spec.names.kind);
    expect(kinds(CERT_MANAGER).sort()).toEqual(['Certificate', 'CertificateRequest', 'ClusterIssuer', 'Issuer']);
    expect(kinds(EXTERNAL_SECRETS)).toEqual(expect.arrayContaining(['ExternalSecret', 'SecretStore', 'ClusterSecretStore', 'ClusterExternalSecret', 'PushSecret']));
    expect(provided.find(p => p.by === CERT_MANAGER)!.crds[0].file).toMatch(/^vendor\/crds\/cert-manager\//);
  });

  test('a valid Certificate and ExternalSecret pass, with no CRD in the folder and no unknown-kind or crd-order', () => {
    expect(check([certificate(), externalSecret()])).toEqual([]);
  });

  test('without them, a Certificate and an ExternalSecret are of unknown kinds', () => {
    expect(rulesOf(check([certificate(), externalSecret()], false))).toEqual(['unknown-kind', 'unknown-kind']);
  });

  test('a Certificate without secretName and issuerRef is refused in the API server\'s words', () => {
    const { secretName: _s, issuerRef: _i, ...spec } = (certificate() as { spec: Record<string, unknown> }).spec;
    const invalid = { ...certificate(), spec };
    expect(details(check([invalid]))).toEqual([
      'crd-schema: spec.issuerRef: Required value',
      'crd-schema: spec.secretName: Required value',
      'crd-rule: Invalid value: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  test('a ClusterSecretStore that breaks a CEL rule of its CRD is refused with crd-rule, in the rule\'s message', () => {
    const store = (auth: object) => ({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: 'vault' },
      spec: { provider: { openBao: { server: 'https://bao.example.com', path: 'secret', auth } } },
    });
    const token = { tokenSecretRef: { name: 'bao-token', namespace: 'shop', key: 'token' } };
    expect(check([store(token)])).toEqual([]);
    expect(details(check([store({ ...token, userPass: { path: 'userpass', username: 'mesh', secretRef: { name: 'bao-pass', namespace: 'shop', key: 'password' } } })]))).toEqual([
      'crd-rule: spec.provider.openBao.auth: Invalid value: "object": exactly one of the fields in [appRole tokenSecretRef userPass] must be set',
    ]);
  });

  test('an ExternalSecret whose data item lacks remoteRef is refused in the API server\'s words', () => {
    expect(details(check([externalSecret([{ secretKey: 'password' }])]))).toEqual([
      'crd-schema: spec.data[0].remoteRef: Required value',
      'crd-rule: Invalid value: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  test('a kind no CRD of a provided group defines is unknown, naming the tool', () => {
    const widget = { apiVersion: 'cert-manager.io/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' } };
    expect(details(check([widget]))).toEqual([`unknown-kind: no CustomResourceDefinition in this folder or of ${CERT_MANAGER} (vendored) defines kind Widget in group cert-manager.io`]);
  });
});

describe('check and synth read them from the lock', () => {
  const tmpDirs: string[] = [];
  afterEach(() => {
    for (const dir of tmpDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A project root whose lock pins the locked Istio version and the tools of TOOL_CRDS_ROOT, their files copied. */
  function projectWithTools(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'check-tools-'));
    tmpDirs.push(root);
    fs.mkdirSync(path.join(root, 'vendor'));
    const lock = { ...readLockFile(ROOT), toolCrds: readLockFile(TOOL_CRDS_ROOT).toolCrds };
    fs.writeFileSync(path.join(root, LOCK_FILE), JSON.stringify(lock));
    fs.cpSync(path.join(TOOL_CRDS_ROOT, 'vendor', 'crds'), path.join(root, 'vendor', 'crds'), { recursive: true });
    return root;
  }

  test('npm run check validates a folder\'s tool objects against the vendored CRDs the lock pins', async () => {
    const root = projectWithTools();
    const dist = path.join(root, 'dist');
    fs.mkdirSync(dist);
    fs.writeFileSync(path.join(dist, namespaces.file), stringify(namespaces.documents[0]));
    fs.writeFileSync(path.join(dist, '0001-custom.k8s.yaml'), [certificate(), externalSecret([{ secretKey: 'password' }])].map(o => stringify(o)).join('---\n'));
    const project = () => ({ settings: { istioVersion: LOCKED } });
    const r = await runCaptured((argv, io) => checkCommand(argv, io, { project, root }), [dist]);
    expect(r.status).toBe(1);
    expect(r.out.filter(l => !l.startsWith('check:'))).toEqual([
      '0001-custom.k8s.yaml: ExternalSecret/shop/shop-db: crd-schema: spec.data[0].remoteRef: Required value',
      '0001-custom.k8s.yaml: ExternalSecret/shop/shop-db: crd-rule: Invalid value: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  test('synth\'s output check too; a vendored file that is missing or differs from the lock is an error naming the fix', () => {
    const root = projectWithTools();
    const output = (documents: readonly object[]) => [{ files: [namespaces, { file: '0001-custom.k8s.yaml', documents }], expected }];
    expect(refusals(output([certificate(), externalSecret()]), undefined, root)).toBeUndefined();
    expect(refusals(output([certificate({ secretName: 7 })]), undefined, root)?.message).toMatch(/Certificate\/shop\/shop-tls: crd-schema: spec\.secretName: Invalid value: 7: spec\.secretName in body must be of type string: "integer"/);

    const file = Object.keys(readLockFile(root).toolCrds!['cert-manager'].files).find(f => f.endsWith('certificates.yaml'))!;
    const vendored = path.join(root, 'vendor', 'crds', 'cert-manager', file);
    fs.appendFileSync(vendored, '# edited\n');
    expect(() => providedCrds(root)).toThrow(new RegExp(`^vendor/crds/cert-manager/${file.replace(/\./g, '\\.')} has sha256 [0-9a-f]{64}, but ${LOCK_FILE} pins [0-9a-f]{64} \\(toolCrds\\["cert-manager"\\]\\): the file or the lock changed after vendoring\\. \`npm run vendor\` says which`));
    fs.rmSync(vendored);
    expect(() => providedCrds(root)).toThrow(`vendor/crds/cert-manager/${file} is not vendored: ${LOCK_FILE} pins the ${CERT_MANAGER} CRDs (toolCrds["cert-manager"]), which check validates objects of their kinds with: run \`npm run vendor\``);
  });
});
