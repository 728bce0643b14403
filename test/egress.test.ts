import { checkManifestList } from '../lib/check/check';
import { formatViolation } from '../lib/check/violation';
import { Manifest } from '../lib/manifests';
import { PROJECT_ROOT } from '../lib/project-root';
import { egressName } from '../lib/stages/egress';
import { MeshSettings, resolveSettings } from '../lib/settings';
import { UserError } from '../lib/user-error';
import { lockedVersions, readLock } from '../lib/vendoring/lock';
import { renderMesh } from './render';

// Controlled egress on fixture settings (the locked release): Istio's egress-gateway task for TLS.
const V = readLock(PROJECT_ROOT).istioVersion;
const EGRESS: MeshSettings = {
  istioVersion: V,
  gateways: [
    { name: 'front', namespace: 'edge', kind: 'ingress' },
    { name: 'out', namespace: 'exit', kind: 'egress' },
  ],
  egress: { outboundTrafficPolicy: 'REGISTRY_ONLY', hosts: [{ host: 'api.example.com' }, { host: 'db.example.org', port: 9443 }] },
};

const of = (ms: readonly Manifest[], kind: string) => ms.filter(m => m.kind === kind && m.apiVersion.startsWith('networking.istio.io/'));
const resolved = (s: MeshSettings) => resolveSettings(s, lockedVersions(PROJECT_ROOT));

function problemsOf(settings: MeshSettings): string {
  try {
    resolved(settings);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('settings were accepted');
}

describe('controlled egress', () => {
  let manifests: Manifest[] = [];
  beforeAll(async () => ({ manifests } = await renderMesh(EGRESS)));

  test('istiod\'s mesh config carries the outbound traffic policy', () => {
    const mesh = manifests.find(m => m.kind === 'ConfigMap' && m.name === 'istio' && m.namespace === 'istio-system')!;
    expect(mesh.object.data.mesh).toMatch(/outboundTrafficPolicy:\n\s+mode: REGISTRY_ONLY/);
  });

  test('each host: a ServiceEntry, a Gateway on the egress gateway\'s pods, a VirtualService mesh → gateway → host; one DestinationRule with a subset per host', () => {
    const egressPods = manifests.find(m => m.kind === 'Deployment' && m.name === 'out')!.object.spec.template.metadata.labels;
    for (const [host, port] of [['api.example.com', 443], ['db.example.org', 9443]] as const) {
      const name = egressName(host, port);
      const entry = of(manifests, 'ServiceEntry').find(m => m.name === name)!;
      expect(entry.object.spec).toMatchObject({ hosts: [host], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ number: port, protocol: 'TLS' }] });
      const gateway = of(manifests, 'Gateway').find(m => m.name === name)!;
      expect(gateway.namespace).toBe('exit');
      expect(egressPods).toMatchObject(gateway.object.spec.selector);
      expect(gateway.object.spec.servers).toEqual([{ port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: [host], tls: { mode: 'PASSTHROUGH' } }]);
      const route = of(manifests, 'VirtualService').find(m => m.name === name)!;
      expect(route.object.spec.gateways).toEqual(['mesh', `exit/${name}`]);
      const [toGateway, out] = route.object.spec.tls;
      expect(toGateway).toEqual({
        match: [{ gateways: ['mesh'], port, sniHosts: [host] }],
        route: [{ destination: { host: 'out.exit.svc.cluster.local', subset: name, port: { number: 443 } } }],
      });
      expect(out).toEqual({ match: [{ gateways: [`exit/${name}`], port: 443, sniHosts: [host] }], route: [{ destination: { host, port: { number: port } }, weight: 100 }] });
    }
    const rules = of(manifests, 'DestinationRule');
    expect(rules.map(r => r.object.spec)).toEqual([{ host: 'out.exit.svc.cluster.local', subsets: [{ name: 'api-example-com-443' }, { name: 'db-example-org-9443' }] }]);
    // After the gateways they route through: the policy stage.
    expect(new Set([...of(manifests, 'ServiceEntry'), ...rules].map(m => m.file))).toEqual(new Set(['0005-policy.k8s.yaml']));
  });

  test('passes every check, the Istio resources validated against their CRDs', () => {
    expect(checkManifestList(manifests, resolved(EGRESS)).map(formatViolation)).toEqual([]);
  });

  test('check: a Gateway whose selector matches no gateway pods breaks gateway-selector', () => {
    const broken = manifests.map(m => (m.kind === 'Gateway' && m.name === 'api-example-com-443'
      ? { ...m, object: { ...m.object, spec: { ...m.object.spec, selector: { istio: 'renamed' } } } } : m));
    expect(checkManifestList(broken, resolved(EGRESS)).map(formatViolation)).toEqual([
      '0005-policy.k8s.yaml: Gateway/exit/api-example-com-443: gateway-selector: selector istio=renamed matches the pods of no gateway Deployment in this folder',
    ]);
  });

  test('check: a host routed through the egress gateway without a ServiceEntry breaks egress-service-entry', () => {
    const broken = manifests.filter(m => !(m.kind === 'ServiceEntry' && m.name === 'db-example-org-9443'));
    expect(checkManifestList(broken, resolved(EGRESS)).map(formatViolation)).toEqual([
      '0005-policy.k8s.yaml: VirtualService/exit/db-example-org-9443: egress-service-entry: routes db.example.org through an egress gateway, but no ServiceEntry in this folder declares db.example.org',
    ]);
  });

  test('check: a route to a subset no DestinationRule defines breaks destination-subset', () => {
    const broken = manifests.map(m => (m.kind === 'DestinationRule' ? { ...m, object: { ...m.object, spec: { ...m.object.spec, subsets: m.object.spec.subsets.slice(1) } } } : m));
    expect(checkManifestList(broken, resolved(EGRESS)).map(formatViolation)).toEqual([
      '0005-policy.k8s.yaml: VirtualService/exit/api-example-com-443: destination-subset: routes to subset api-example-com-443 of out.exit.svc.cluster.local, which no DestinationRule in this folder defines',
    ]);
  });

  test('check: routing internal clients to the ingress gateway, and hosts under a wildcard ServiceEntry, are not egress violations', () => {
    const extra = (kind: string, name: string, spec: object): Manifest => ({
      file: '0006-custom.k8s.yaml', index: 0, apiVersion: 'networking.istio.io/v1', kind, namespace: 'edge', name,
      object: { apiVersion: 'networking.istio.io/v1', kind, metadata: { name, namespace: 'edge' }, spec },
    });
    const added = [
      // The public name, for clients inside the mesh, to the ingress gateway.
      extra('VirtualService', 'shop', { hosts: ['shop.example.com'], http: [{ route: [{ destination: { host: 'front.edge.svc.cluster.local' } }] }] }),
      // An egress route whose host a wildcard entry covers.
      extra('ServiceEntry', 'wild', { hosts: ['*.wild.example'], ports: [{ number: 443, name: 'tls', protocol: 'TLS' }], resolution: 'NONE', location: 'MESH_EXTERNAL' }),
      extra('VirtualService', 'wild', { hosts: ['api.wild.example'], tls: [{ match: [{ port: 443, sniHosts: ['api.wild.example'] }], route: [{ destination: { host: 'out.exit.svc.cluster.local' } }] }] }),
    ];
    expect(checkManifestList([...manifests, ...added], resolved(EGRESS)).map(formatViolation)).toEqual([]);
  });

  test('without an egress gateway, hosts get ServiceEntries only (in istio-system)', async () => {
    const { manifests: ms } = await renderMesh({ ...EGRESS, gateways: [{ name: 'front', namespace: 'edge', kind: 'ingress' }] });
    expect(of(ms, 'ServiceEntry').map(m => `${m.namespace}/${m.name}`)).toEqual(['istio-system/api-example-com-443', 'istio-system/db-example-org-9443']);
    expect([...of(ms, 'Gateway'), ...of(ms, 'VirtualService'), ...of(ms, 'DestinationRule')]).toEqual([]);
  });

  test('the default is Istio\'s: ALLOW_ANY, no egress objects', async () => {
    const { manifests: ms } = await renderMesh({ istioVersion: V, gateways: EGRESS.gateways });
    const mesh = ms.find(m => m.kind === 'ConfigMap' && m.name === 'istio' && m.namespace === 'istio-system')!;
    expect(mesh.object.data.mesh).toMatch(/outboundTrafficPolicy:\n\s+mode: ALLOW_ANY/);
    expect(of(ms, 'ServiceEntry')).toEqual([]);
  });
});

describe('egress settings', () => {
  test('bad hosts, ports, duplicates, name clashes and an unknown gateway are reported together', () => {
    expect(problemsOf({
      ...EGRESS,
      egress: {
        gateway: 'front',
        hosts: [
          { host: '*.example.com' }, { host: 'api.example.com', port: 70000 }, { host: 'db.prod.svc.cluster.local' },
          { host: 'a.example.com' }, { host: 'a.example.com', port: 8443 }, { host: '10.1.2.3' }, { host: 'kubernetes.default' },
          { host: 'b.example.com', port: 15006 }, { host: 'my-api.example.com' }, { host: 'my.api-example.com' },
        ],
      },
    })).toBe(`invalid settings (main.ts):
  - egress.hosts[0].host: "*.example.com" must be a lower-case DNS name such as api.example.com (no wildcard, no port)
  - egress.hosts[1].port: 70000 must be a port number from 1 to 65535
  - egress.hosts[2].host: "db.prod.svc.cluster.local" is a cluster-internal name (a Service); egress hosts are external
  - egress.hosts[4]: {"host":"a.example.com","port":8443} lists a.example.com again (first at egress.hosts[3]): one port per host, since the egress gateway matches TLS by name only
  - egress.hosts[5].host: "10.1.2.3" is an IP address: TLS egress is matched by SNI, which carries a name
  - egress.hosts[6].host: "kubernetes.default" is a cluster-internal name (a Service); egress hosts are external
  - egress.hosts[7].port: 15006 is one of Istio's proxy ports (15000–15090)
  - egress.hosts[9].host: "my.api-example.com" gives the same object name (my-api-example-com-443) as egress.hosts[8]; list one of them with another spelling or port
  - egress.gateway: "front" is not an egress gateway of this mesh (egress gateways: out)`);
  });

  test('two egress gateways: hosts must name the one they go through', () => {
    const gateways = [...EGRESS.gateways!, { name: 'out2', namespace: 'exit2', kind: 'egress' as const }];
    expect(problemsOf({ ...EGRESS, gateways })).toContain('egress.gateway: is required when the mesh has several egress gateways: name the one the hosts go through (out, out2)');
    expect(resolved({ ...EGRESS, gateways, egress: { ...EGRESS.egress, gateway: 'out2' } }).egress.gateway?.name).toBe('out2');
  });

  test('the outbound policy is a setting, not an istiod value', () => {
    expect(problemsOf({ ...EGRESS, values: { istiod: { meshConfig: { outboundTrafficPolicy: { mode: 'ALLOW_ANY' } } } } }))
      .toContain('values.istiod.meshConfig.outboundTrafficPolicy: {"mode":"ALLOW_ANY"} is set by egress.outboundTrafficPolicy in the settings; use that instead of values');
  });

  test('long host names give DNS-label subset names, still unique', () => {
    const a = egressName(`${'a'.repeat(60)}.example.com`, 443);
    const b = egressName(`${'a'.repeat(60)}.example.org`, 443);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(a).not.toBe(b);
  });
});
