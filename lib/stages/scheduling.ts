import { ApiObject, JsonPatch } from 'cdk8s';
import { tolerationKey } from '../manifests';
import { Scheduling, Toleration } from '../settings';

/** Where each workload kind keeps its pod spec (JSON pointer segments). */
export const POD_SPEC_PATHS: { readonly [kind: string]: readonly string[] } = {
  Deployment: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  Pod: ['spec'],
};

function pointer(segments: readonly string[]): string {
  return '/' + segments.map(s => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/**
 * JSON-patches `scheduling` into the pod template of every workload among `objects`:
 * node selector entries and tolerations that are missing are added; what the chart
 * already has stays (istiod's `cni.istio.io/not-ready` toleration among them). A node
 * selector key the chart sets to another value is set to ours: the settings decide
 * where Istio runs.
 *
 * Patches are appended per entry (`/tolerations/-`), never by replacing the list.
 */
export function applyScheduling(objects: readonly ApiObject[], scheduling: Required<Scheduling>): void {
  const wanted = Object.entries(scheduling.nodeSelector);
  if (wanted.length === 0 && scheduling.tolerations.length === 0) return;
  for (const obj of objects) {
    const specPath = POD_SPEC_PATHS[obj.kind];
    if (!specPath) continue;
    let podSpec: any = obj.toJson();
    for (const segment of specPath) podSpec = podSpec?.[segment];
    podSpec = podSpec ?? {};

    const selector: Record<string, string> = podSpec.nodeSelector ?? {};
    if (podSpec.nodeSelector === undefined && wanted.length > 0) {
      obj.addJsonPatch(JsonPatch.add(pointer([...specPath, 'nodeSelector']), Object.fromEntries(wanted)));
    } else {
      for (const [key, value] of wanted) {
        if (selector[key] === value) continue;
        const op = key in selector ? JsonPatch.replace : JsonPatch.add;
        obj.addJsonPatch(op(pointer([...specPath, 'nodeSelector', key]), value));
      }
    }

    const present: Toleration[] = podSpec.tolerations ?? [];
    const presentKeys = new Set(present.map(tolerationKey));
    const missing = scheduling.tolerations.filter(t => !presentKeys.has(tolerationKey(t)));
    if (missing.length === 0) continue;
    if (podSpec.tolerations === undefined) {
      obj.addJsonPatch(JsonPatch.add(pointer([...specPath, 'tolerations']), missing.map(t => ({ ...t }))));
    } else {
      for (const t of missing) obj.addJsonPatch(JsonPatch.add(pointer([...specPath, 'tolerations', '-']), { ...t }));
    }
  }
}
