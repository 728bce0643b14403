import { Manifest } from '../manifests';
import { violation, Violation } from './violation';

/**
 * Findings that do not fail the check but must not go unnoticed: settings meant for a
 * debugging session that would weaken a production mesh.
 */
export function checkWarnings(manifests: readonly Manifest[]): Violation[] {
  const out: Violation[] = [];
  for (const m of manifests) {
    if (m.kind !== 'ConfigMap' || !m.name.startsWith('istio-sidecar-injector')) continue;
    let values: any;
    try {
      values = JSON.parse(String(m.object.data?.values ?? '{}'));
    } catch {
      continue;
    }
    if (values?.global?.proxy?.privileged === true) {
      out.push(violation(m, 'privileged-proxies', 'every injected proxy runs privileged (debug.privilegedProxies): for tcpdump while debugging only; turn it off'));
    }
  }
  return out;
}
