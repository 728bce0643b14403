import { Manifest, tolerationKey } from '../manifests';
import { ISTIO_NAMESPACE, ResolvedMeshSettings, Scheduling } from '../settings';
import { podTemplateOf } from '../manifests/pod-templates';
import { violation, Violation } from './violation';

/** The scheduling every Istio pod template must carry: per gateway, and for the control plane. */
export type SchedulingExpectations = Pick<ResolvedMeshSettings, 'istiodScheduling' | 'gateways'>;

/**
 * The scheduling a workload must carry: its gateway's when it is one, istiod's when it
 * runs in istio-system; none for the user's own workloads (main.ts's extend), which
 * the mesh-wide scheduling is not about.
 */
function expectedScheduling(m: Manifest, expected: SchedulingExpectations): Required<Scheduling> | undefined {
  const gateway = expected.gateways.find(g => g.namespace === m.namespace && g.name === m.name);
  if (gateway) return gateway.scheduling;
  // DaemonSets in istio-system are node agents: checkNodeAgents holds them to their own rule.
  if (m.kind === 'DaemonSet') return undefined;
  return m.namespace === ISTIO_NAMESPACE ? expected.istiodScheduling : undefined;
}

/** Every pod template carries all configured nodeSelector entries and tolerations (it may carry more). */
export function checkScheduling(manifests: readonly Manifest[], expected: SchedulingExpectations): Violation[] {
  const out: Violation[] = [];
  for (const m of manifests) {
    const template = podTemplateOf(m);
    if (!template) continue;
    const want = expectedScheduling(m, expected);
    if (!want) continue;
    const nodeSelector = template.spec.nodeSelector ?? {};
    for (const [label, value] of Object.entries(want.nodeSelector)) {
      if (nodeSelector[label] !== value) {
        out.push(violation(m, 'scheduling', `${template.path}/nodeSelector lacks ${label}=${value}${label in nodeSelector ? ` (has ${JSON.stringify(nodeSelector[label])})` : ''}`));
      }
    }
    const have = new Set((Array.isArray(template.spec.tolerations) ? template.spec.tolerations : []).map(tolerationKey));
    for (const t of want.tolerations) {
      if (!have.has(tolerationKey(t))) out.push(violation(m, 'scheduling', `${template.path}/tolerations lacks ${JSON.stringify(t)}`));
    }
  }
  return out;
}
