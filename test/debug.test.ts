import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { checkCommand } from '../lib/check/cli';
import { checkWarnings } from '../lib/check/warnings';
import { formatViolation } from '../lib/check/violation';
import { PROJECT_ROOT } from '../lib/project-root';
import { MeshSettings, resolveSettings } from '../lib/settings';
import { lockedVersions, readLock } from '../lib/vendoring/lock';
import { runCaptured } from './command-io';
import { renderMesh, tempDir } from './render';

// debug.privilegedProxies: the seed's tcpdump method, only on request and always flagged.
const V = readLock(PROJECT_ROOT).istioVersion;
const BASE: MeshSettings = { istioVersion: V, gateways: [{ name: 'out', namespace: 'exit', kind: 'egress' }] };

const injectorValues = (ms: Awaited<ReturnType<typeof renderMesh>>['manifests']) =>
  JSON.parse(ms.find(m => m.kind === 'ConfigMap' && m.name === 'istio-sidecar-injector')!.object.data.values);

describe('debug.privilegedProxies', () => {
  test('is a setting, not an istiod value', () => {
    expect(() => resolveSettings({ ...BASE, values: { istiod: { global: { proxy: { privileged: true } } } } }, lockedVersions(PROJECT_ROOT)))
      .toThrow('values.istiod.global.proxy.privileged: true is set by debug.privilegedProxies in the settings; use that instead of values');
  });

  test('off by default: proxies unprivileged, no warning', async () => {
    const { manifests } = await renderMesh(BASE);
    expect(injectorValues(manifests).global.proxy.privileged).toBe(false);
    expect(checkWarnings(manifests)).toEqual([]);
  });

  test('on: the injector makes every proxy privileged, and check warns (without failing)', async () => {
    const { manifests } = await renderMesh({ ...BASE, debug: { privilegedProxies: true } });
    expect(injectorValues(manifests).global.proxy.privileged).toBe(true);
    expect(checkWarnings(manifests).map(formatViolation)).toEqual([
      '0002-istiod.k8s.yaml: ConfigMap/istio-system/istio-sidecar-injector: privileged-proxies: every injected proxy runs privileged (debug.privilegedProxies): for tcpdump while debugging only; turn it off',
    ]);
    const t = tempDir();
    try {
      // The injector's config and its namespace: a folder that passes every rule, with the warning.
      const injector = manifests.find(m => m.kind === 'ConfigMap' && m.name === 'istio-sidecar-injector')!;
      fs.writeFileSync(path.join(t.dir, '0000-namespaces.k8s.yaml'), stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } }));
      fs.writeFileSync(path.join(t.dir, '0001-istiod.k8s.yaml'), stringify(injector.object));
      const r = await runCaptured((argv, io) => checkCommand(argv, io, { project: () => ({ settings: { ...BASE, debug: { privilegedProxies: true } } }), root: PROJECT_ROOT }), [t.dir]);
      expect(r.out.filter(l => !l.startsWith('check:'))).toEqual(['warning: 0001-istiod.k8s.yaml: ConfigMap/istio-system/istio-sidecar-injector: privileged-proxies: every injected proxy runs privileged (debug.privilegedProxies): for tcpdump while debugging only; turn it off']);
      expect(r.status).toBe(0);
      expect(r.out[r.out.length - 1]).toMatch(/, 0 violations, 1 warning$/);
    } finally {
      t.cleanup();
    }
  });
});
