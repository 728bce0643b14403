import { checkManifestList } from '../lib/check/check';
import { formatViolation } from '../lib/check/violation';
import { Manifest } from '../lib/manifests';
import { PLAINTEXT, reachability } from '../lib/manifests/reachability';
import { PROJECT_ROOT } from '../lib/project-root';
import { MeshSettings, resolveSettings } from '../lib/settings';
import { lockedVersions, readLock } from '../lib/vendoring/lock';
import { renderMesh } from './render';

// Zero trust past mTLS: the AuthorizationPolicies each authorization mode renders, as
// Istio documents them (security.istio.io/v1), and the gateways and system traffic kept working.

const LOCKED = readLock(PROJECT_ROOT).istioVersion;
const GATEWAYS: MeshSettings['gateways'] = [
  { name: 'edge', namespace: 'edge', kind: 'ingress' },
  { name: 'out', namespace: 'out', kind: 'egress' },
];
const base = (extra: Partial<MeshSettings>): MeshSettings => ({
  istioVersion: LOCKED,
  gateways: GATEWAYS,
  appNamespaces: [
    { name: 'shop', allow: [{ from: { gateways: ['edge'] }, to: { ports: [8080] } }] },
    { name: 'payments', allow: [{ from: { namespaces: ['shop'], serviceAccounts: ['shop/checkout'] }, to: { ports: [8443], methods: ['POST'], paths: ['/pay*'] } }] },
    { name: 'batch' },
  ],
  ...extra,
});

const policies = (ms: readonly Manifest[]) => ms.filter(m => m.kind === 'AuthorizationPolicy');
const policy = (ms: readonly Manifest[], namespace: string, name: string): any => policies(ms).find(m => m.namespace === namespace && m.name === name)?.object;
const deployment = (ms: readonly Manifest[], name: string) => ms.find(m => m.kind === 'Deployment' && m.name === name)!.object;

describe('namespace isolation (the default)', () => {
  test('each app namespace admits its own namespace and what it declares: namespaces, service accounts, ingress gateways by their rendered account', async () => {
    const { manifests } = await renderMesh(base({}));
    expect(policies(manifests).map(m => `${m.namespace}/${m.name}`).sort()).toEqual(['batch/namespace-isolation', 'payments/namespace-isolation', 'shop/namespace-isolation']);
    const edgeAccount = deployment(manifests, 'edge').spec.template.spec.serviceAccountName;
    expect(policy(manifests, 'shop', 'namespace-isolation').spec).toEqual({
      action: 'ALLOW',
      rules: [
        { from: [{ source: { namespaces: ['shop'] } }] },
        { from: [{ source: { principals: [`cluster.local/ns/edge/sa/${edgeAccount}`] } }], to: [{ operation: { ports: ['8080'] } }] },
      ],
    });
    expect(policy(manifests, 'payments', 'namespace-isolation').spec.rules[1]).toEqual({
      from: [{ source: { namespaces: ['shop'] } }, { source: { principals: ['cluster.local/ns/shop/sa/checkout'] } }],
      to: [{ operation: { ports: ['8443'], methods: ['POST'], paths: ['/pay*'] } }],
    });
    // A namespace that declares nothing still gets its decision: its own namespace only.
    expect(policy(manifests, 'batch', 'namespace-isolation').spec.rules).toEqual([{ from: [{ source: { namespaces: ['batch'] } }] }]);
    // In the policy stage, after the app namespaces they live in.
    expect(new Set(policies(manifests).map(m => m.file.replace(/^\d+-/, '')))).toEqual(new Set(['policy.k8s.yaml']));
  });

  test('an external namespace is named like any other, and nothing is rendered for it', async () => {
    const { manifests } = await renderMesh({
      ...base({ externalNamespaces: ['reports'] }),
      appNamespaces: [{ name: 'shop', allow: [{ from: { namespaces: ['reports'], serviceAccounts: ['reports/exporter'] } }] }],
    });
    expect(policy(manifests, 'shop', 'namespace-isolation').spec.rules[1].from).toEqual([
      { source: { namespaces: ['reports'] } }, { source: { principals: ['cluster.local/ns/reports/sa/exporter'] } },
    ]);
    expect(manifests.filter(m => m.namespace === 'reports' || (m.kind === 'Namespace' && m.name === 'reports'))).toEqual([]);
  });

  test('the trust domain names every principal and reaches istiod\'s mesh config', async () => {
    const { manifests } = await renderMesh(base({ trustDomain: 'prod.example.com' }));
    expect(policy(manifests, 'payments', 'namespace-isolation').spec.rules[1].from[1].source.principals).toEqual(['prod.example.com/ns/shop/sa/checkout']);
    const mesh = manifests.find(m => m.kind === 'ConfigMap' && m.name === 'istio' && m.namespace === 'istio-system')!.object.data.mesh;
    expect(mesh).toMatch(/^trustDomain: prod\.example\.com$/m);
  });

  test('gateways keep working: no policy on them, and probes and Prometheus go to the agent (15020), not through the inbound listener policies guard', async () => {
    const { manifests } = await renderMesh(base({}));
    expect(policies(manifests).filter(m => ['edge', 'out', 'istio-system'].includes(m.namespace))).toEqual([]);
    const injector = manifests.find(m => m.kind === 'ConfigMap' && m.name === 'istio-sidecar-injector')!.object.data;
    expect(JSON.parse(injector.values).sidecarInjectorWebhook.rewriteAppHTTPProbe).toBe(true);
    expect(injector.config).toContain('prometheus.io/port" "15020"');
  });
});

describe('deny by default', () => {
  test('Istio\'s allow-nothing in the root namespace, declared allows only, and the gateways opened to their callers', async () => {
    const { manifests } = await renderMesh(base({ authorization: 'deny-by-default' }));
    expect(policy(manifests, 'istio-system', 'allow-nothing')).toEqual({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow-nothing', namespace: 'istio-system' }, spec: {} });
    // No own-namespace rule; a namespace without allows gets no policy (allow-nothing decides for it).
    expect(policy(manifests, 'shop', 'allow').spec.rules).toHaveLength(1);
    expect(policy(manifests, 'batch', 'allow')).toBeUndefined();
    const selectorOf = (name: string) => deployment(manifests, name).spec.selector.matchLabels;
    expect(policy(manifests, 'edge', 'edge-allow').spec).toEqual({ selector: { matchLabels: selectorOf('edge') }, action: 'ALLOW', rules: [{}] });
    // The sidecars send the egress gateway the application's own TLS, not mTLS: no identity to name, so it is open too.
    expect(policy(manifests, 'out', 'out-allow').spec).toEqual({ selector: { matchLabels: selectorOf('out') }, action: 'ALLOW', rules: [{}] });
  });

  test('the egress gateway is open because the hop to it carries no mesh identity: a PASSTHROUGH server, no ISTIO_MUTUAL towards it', async () => {
    const { manifests } = await renderMesh(base({ authorization: 'deny-by-default', egress: { hosts: [{ host: 'api.example.com' }] } }));
    const servers = manifests.filter(m => m.kind === 'Gateway' && m.namespace === 'out').flatMap(m => m.object.spec.servers);
    expect(servers.length).toBeGreaterThan(0);
    for (const server of servers) expect(server.tls.mode).toBe('PASSTHROUGH');
    const rules = manifests.filter(m => m.kind === 'DestinationRule').map(m => JSON.stringify(m.object.spec));
    expect(rules.some(r => r.includes('ISTIO_MUTUAL'))).toBe(false);
    expect(policy(manifests, 'out', 'out-allow').spec.rules).toEqual([{}]);
  });

  test('east-west gateways and istiod keep working: the east-west gateway open under allow-nothing, istiod without a proxy, untouched under isolation', async () => {
    const fleet = (authorization: MeshSettings['authorization']) => renderMesh({
      ...base({ authorization }),
      mesh: { id: 'mesh1', clusterName: 'east', network: 'net1' },
      gateways: [...GATEWAYS!, { name: 'ew', namespace: 'istio-system', kind: 'eastwest' }],
    });
    const isolated = (await fleet('namespace-isolation')).manifests;
    expect(policies(isolated).filter(m => m.namespace !== 'shop' && m.namespace !== 'payments' && m.namespace !== 'batch')).toEqual([]);
    const denied = (await fleet('deny-by-default')).manifests;
    expect(policy(denied, 'istio-system', 'ew-allow').spec).toEqual({ selector: { matchLabels: deployment(denied, 'ew').spec.selector.matchLabels }, action: 'ALLOW', rules: [{}] });
    // istiod runs no proxy: no policy applies to it, and the allow-nothing policy cannot cut proxies off from it.
    const istiod = deployment(denied, 'istiod');
    expect(istiod.spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('false');
    expect(istiod.spec.template.spec.containers.map((c: any) => c.name)).not.toContain('istio-proxy');
  });

  test('a PERMISSIVE namespace keeps its plaintext callers under isolation (notPrincipals *: no identity), a STRICT one does not', async () => {
    const { manifests } = await renderMesh({ ...base({}), appNamespaces: [{ name: 'legacy', mtls: 'PERMISSIVE' }, { name: 'shop' }] });
    expect(policy(manifests, 'legacy', 'namespace-isolation').spec.rules).toEqual([
      { from: [{ source: { namespaces: ['legacy'] } }] },
      { from: [{ source: { notPrincipals: ['*'] } }] },
    ]);
    expect(policy(manifests, 'shop', 'namespace-isolation').spec.rules).toEqual([{ from: [{ source: { namespaces: ['shop'] } }] }]);
    const meshWide = (await renderMesh({ ...base({ mtls: 'PERMISSIVE' }), appNamespaces: [{ name: 'shop' }] })).manifests;
    expect(policy(meshWide, 'shop', 'namespace-isolation').spec.rules[1]).toEqual({ from: [{ source: { notPrincipals: ['*'] } }] });
    // deny-by-default admits only what is declared: plaintext callers are denied there.
    const denied = (await renderMesh({ ...base({ authorization: 'deny-by-default', mtls: 'PERMISSIVE' }) })).manifests;
    expect(JSON.stringify(policies(denied).map(m => m.object.spec))).not.toContain('notPrincipals');
  });

  test('open renders no policy; a dry run annotates every policy', async () => {
    expect(policies((await renderMesh({ ...base({ authorization: 'open' }), appNamespaces: [{ name: 'shop' }] })).manifests)).toEqual([]);
    const dry = policies((await renderMesh(base({ authorization: 'deny-by-default', authorizationDryRun: true }))).manifests);
    expect(dry.length).toBeGreaterThan(3);
    for (const p of dry) expect(p.object.metadata.annotations).toEqual({ 'istio.io/dry-run': 'true' });
  });
});

describe('ambient', () => {
  const ambient = (extra: Partial<MeshSettings>): MeshSettings => ({
    istioVersion: LOCKED, mode: 'ambient', gateways: GATEWAYS,
    appNamespaces: [{ name: 'shop', waypoint: true, allow: [{ from: { namespaces: ['batch'] }, to: { ports: [8080] } }, { from: { namespaces: ['batch'] }, to: { methods: ['GET'] } }] }, { name: 'batch' }],
    ...extra,
  });

  test('ztunnel gets the L4 rules; the waypoint every rule, L7 included, by targetRefs; under deny-by-default ztunnel admits the waypoint', async () => {
    const { manifests } = await renderMesh(ambient({}));
    expect(policy(manifests, 'shop', 'namespace-isolation').spec.rules).toEqual([
      { from: [{ source: { namespaces: ['shop'] } }] },
      { from: [{ source: { namespaces: ['batch'] } }], to: [{ operation: { ports: ['8080'] } }] },
    ]);
    expect(policy(manifests, 'shop', 'namespace-isolation-waypoint').spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' }],
      action: 'ALLOW',
      rules: [
        { from: [{ source: { namespaces: ['shop'] } }] },
        { from: [{ source: { namespaces: ['batch'] } }], to: [{ operation: { ports: ['8080'] } }] },
        { from: [{ source: { namespaces: ['batch'] } }], to: [{ operation: { methods: ['GET'] } }] },
      ],
    });
    const deny = (await renderMesh(ambient({ authorization: 'deny-by-default' }))).manifests;
    expect(policy(deny, 'shop', 'allow').spec.rules[0]).toEqual({ from: [{ source: { principals: ['cluster.local/ns/shop/sa/waypoint'] } }] });
  });

  test('an ingress gateway a waypoint namespace admits is sent through the waypoint (istio.io/ingress-use-waypoint), where its L7 rules are enforced', async () => {
    const namespace = (ms: readonly Manifest[], name: string) => ms.find(m => m.kind === 'Namespace' && m.name === name)!.object.metadata.labels;
    const viaGateway = (await renderMesh(ambient({ appNamespaces: [{ name: 'shop', waypoint: true, allow: [{ from: { gateways: ['edge'] }, to: { paths: ['/api*'] } }] }, { name: 'batch', waypoint: true }] }))).manifests;
    expect(namespace(viaGateway, 'shop')['istio.io/ingress-use-waypoint']).toBe('true');
    expect(namespace(viaGateway, 'batch')['istio.io/ingress-use-waypoint']).toBeUndefined();
    // Without a waypoint there is nothing to go through.
    const noWaypoint = (await renderMesh(ambient({ appNamespaces: [{ name: 'shop', allow: [{ from: { gateways: ['edge'] }, to: { ports: [8080] } }] }] }))).manifests;
    expect(namespace(noWaypoint, 'shop')['istio.io/ingress-use-waypoint']).toBeUndefined();
  });
});

describe('settings', () => {
  const problems = (settings: MeshSettings): string[] => {
    try {
      resolveSettings(settings, lockedVersions(PROJECT_ROOT));
    } catch (err) {
      return (err as Error).message.split('\n').slice(1).map(l => l.replace(/^ {2}- /, ''));
    }
    return [];
  };
  const allowing = (allow: object, extra: Partial<MeshSettings> = {}) => ({ ...base(extra), appNamespaces: [{ name: 'shop', allow: [allow] }, { name: 'batch' }] } as MeshSettings);

  test('callers the mesh can identify: its namespaces, namespace/name accounts, ingress gateways', () => {
    expect(problems(allowing({ from: {} }))).toEqual(['appNamespaces[0].allow[0].from: {} names no caller: give namespaces, serviceAccounts or gateways']);
    expect(problems(allowing({ from: { namespaces: ['elsewhere'] } }))).toEqual([
      'appNamespaces[0].allow[0].from.namespaces[0]: "elsewhere" is not a namespace of this mesh (app namespaces, gateway namespaces, istio-system, externalNamespaces): only workloads of the mesh have an identity a policy can name; add it to appNamespaces, or to externalNamespaces if its workloads are in the mesh but not rendered here',
    ]);
    expect(problems(allowing({ from: { serviceAccounts: ['elsewhere/api'] } }))).toEqual([
      'appNamespaces[0].allow[0].from.serviceAccounts[0]: "elsewhere/api" is in elsewhere, not a namespace of this mesh: add elsewhere to appNamespaces, or to externalNamespaces if its workloads are in the mesh but not rendered here',
    ]);
    // Declared external (another team's, another cluster's): named, and neither rendered nor labelled here.
    expect(problems(allowing({ from: { namespaces: ['elsewhere'], serviceAccounts: ['elsewhere/api'] } }, { externalNamespaces: ['elsewhere'] }))).toEqual([]);
    expect(problems(allowing({ from: { namespaces: ['batch'] } }, { externalNamespaces: ['batch', 'Bad', 'x', 'x'] }))).toEqual([
      'externalNamespaces[0]: "batch" is a namespace this project renders (an app, gateway or Istio namespace): remove it from externalNamespaces',
      'externalNamespaces[1]: "Bad" is not a namespace name',
      'externalNamespaces[3]: "x" is listed twice',
    ]);
    expect(problems(allowing({ from: { serviceAccounts: ['checkout'] } }))).toEqual(['appNamespaces[0].allow[0].from.serviceAccounts[0]: "checkout" must be namespace/name (a service account)']);
    expect(problems(allowing({ from: { gateways: ['out'] } }))).toEqual([
      'appNamespaces[0].allow[0].from.gateways[0]: "out" is an egress gateway: only an ingress gateway routes callers in (an east-west gateway passes the caller\'s own identity through)',
    ]);
    expect(problems(allowing({ from: { gateways: ['nope'] } }))).toEqual(['appNamespaces[0].allow[0].from.gateways[0]: "nope" is not a gateway of the settings (edge, out)']);
  });

  test('ports, methods and paths as Istio matches them', () => {
    expect(problems(allowing({ from: { namespaces: ['batch'] }, to: { ports: [0], methods: ['get'], paths: ['pay'] } }))).toEqual([
      'appNamespaces[0].allow[0].to.ports[0]: 0 is not a port (1 to 65535)',
      'appNamespaces[0].allow[0].to.methods[0]: "get" is not an HTTP method (GET, POST, …, in capitals)',
      'appNamespaces[0].allow[0].to.paths[0]: "pay" is not a path Istio matches (/exact, /prefix*, *suffix or *)',
    ]);
  });

  test('L7 only where it is enforced; allows without effect and dry runs of nothing are refused', () => {
    const ambientShop = (waypoint: boolean, extra: Partial<MeshSettings> = {}): MeshSettings => ({
      istioVersion: LOCKED, mode: 'ambient', gateways: GATEWAYS,
      appNamespaces: [{ name: 'shop', waypoint, allow: [{ from: { namespaces: ['batch'] }, to: { paths: ['/api*'] } }] }, { name: 'batch' }],
      ...extra,
    });
    expect(problems(ambientShop(false))).toEqual([
      'appNamespaces[0].allow[0].to: {"paths":["/api*"]} names HTTP methods or paths, which only a waypoint enforces in an ambient namespace (ztunnel sees connections, not requests): set waypoint: true on shop, or allow by port only',
    ]);
    expect(problems(ambientShop(true))).toEqual([]);
    expect(problems(allowing({ from: { namespaces: ['batch'] } }, { authorization: 'open' }))).toEqual([
      'appNamespaces[0].allow: "…" has no effect with authorization: \'open\' (everything is allowed): set authorization to \'namespace-isolation\' or \'deny-by-default\'',
    ]);
    // istiod gives ztunnel no dry-run policy (Istio >= 1.25): a dry run is safe in ambient too.
    expect(problems(ambientShop(true, { authorizationDryRun: true }))).toEqual([]);
    expect(problems(allowing({ from: { namespaces: ['batch'] } }, { authorization: 'open', authorizationDryRun: true }))).toContain(
      'authorizationDryRun: true has nothing to dry-run with authorization: \'open\': set the mode to try');
    expect(problems({ ...base({}), trustDomain: 'Not A Domain' })).toEqual(['trustDomain: "Not A Domain" is not a trust domain (a DNS name such as cluster.local)']);
  });
});

describe('what the stage renders, check proves', () => {
  // The check tests read hand-made folders in the stage's shapes; this ties them to the
  // stage itself: every mode, sidecar and ambient (a waypoint admitting a gateway), with
  // PERMISSIVE, external callers and an egress host, rendered and checked by every rule.
  const mixed = (authorization: MeshSettings['authorization']): MeshSettings => ({
    istioVersion: LOCKED, mode: 'ambient', gateways: GATEWAYS, externalNamespaces: ['reports'],
    egress: { hosts: [{ host: 'api.example.com' }] },
    appNamespaces: authorization === 'open' ? [{ name: 'shop', dataplane: 'sidecar' }, { name: 'amb' }] : [
      { name: 'shop', dataplane: 'sidecar', mtls: 'PERMISSIVE', allow: [{ from: { gateways: ['edge'] }, to: { ports: [8080] } }] },
      { name: 'payments', dataplane: 'sidecar', allow: [{ from: { namespaces: ['shop', 'reports'], serviceAccounts: ['shop/checkout'] }, to: { ports: [8443], methods: ['POST'] } }] },
      { name: 'amb', waypoint: true, allow: [{ from: { gateways: ['edge'] }, to: { paths: ['/api*'] } }, { from: { namespaces: ['payments'] }, to: { ports: [9090] } }] },
      { name: 'quiet' },
    ],
  });

  test.each(['open', 'namespace-isolation', 'deny-by-default'] as const)('%s: 0 violations, and the matrix names every app namespace', async mode => {
    const settings = mixed(mode);
    const resolved = resolveSettings({ ...settings, authorization: mode }, lockedVersions(PROJECT_ROOT));
    const { manifests } = await renderMesh({ ...settings, authorization: mode });
    expect(checkManifestList(manifests, resolved).map(formatViolation)).toEqual([]);
    const matrix = reachability(manifests);
    const rows = matrix.rows.map(r => r.target);
    for (const ns of resolved.appNamespaces) expect(rows.some(t => t.split(' ')[0] === ns.name)).toBe(true);
    // Every rule the stage renders is one the matrix reads (nothing "not evaluated").
    expect(matrix.rows.flatMap(r => r.notes)).toEqual([]);
    // The PERMISSIVE namespace's plaintext callers are named as such under isolation.
    const shop = matrix.rows.find(r => r.target === 'shop')!;
    expect(shop.allowed.some(g => g.caller === PLAINTEXT)).toBe(mode === 'namespace-isolation');
  });
});
