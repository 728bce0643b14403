import { Manifest, tolerationKey } from '../manifests';
import { ISTIO_NAMESPACE, ResolvedMeshSettings } from '../settings';
import { podTemplateOf } from '../manifests/pod-templates';
import { violation, Violation } from './violation';

/** What node agents may be restricted by: componentScheduling.nodeAgents only. */
export type NodeAgentExpectations = { readonly nodeAgents?: Pick<ResolvedMeshSettings['nodeAgents'], 'scheduling'> };

/** The node selector every Istio DaemonSet carries: it runs on Linux nodes. */
const OS_SELECTOR = { 'kubernetes.io/os': 'linux' };

/** Taint effects that keep a DaemonSet's pod off a node unless tolerated. */
const BLOCKING_EFFECTS = ['NoSchedule', 'NoExecute'];

function toleratesEvery(tolerations: readonly any[], effect: string): boolean {
  return tolerations.some(t => (t.key ?? '') === '' && t.operator === 'Exists' && (t.effect === undefined || t.effect === '' || t.effect === effect));
}

/**
 * Node agents (the DaemonSets in istio-system, or kube-system: istio-cni, ztunnel) must run on every
 * node that runs meshed pods, or pods there lose their traffic redirection or their
 * node proxy. So they are selected by `kubernetes.io/os: linux` only (plus what
 * componentScheduling.nodeAgents explicitly adds) and tolerate every NoSchedule and
 * NoExecute taint (unless componentScheduling.nodeAgents gives their tolerations).
 */
export function checkNodeAgents(manifests: readonly Manifest[], expected: NodeAgentExpectations): Violation[] {
  const out: Violation[] = [];
  const explicit = expected.nodeAgents?.scheduling ?? { nodeSelector: {}, tolerations: [] };
  const allowed: Record<string, string> = { ...OS_SELECTOR, ...explicit.nodeSelector };
  for (const m of manifests) {
    // istio-system, or kube-system where a platform wants them (OpenShift).
    if (m.kind !== 'DaemonSet' || (m.namespace !== ISTIO_NAMESPACE && m.namespace !== 'kube-system')) continue;
    const template = podTemplateOf(m);
    if (!template) continue;
    const nodeSelector: Record<string, unknown> = template.spec.nodeSelector ?? {};
    for (const [label, value] of Object.entries(nodeSelector)) {
      if (allowed[label] !== value) {
        out.push(violation(m, 'node-agent-scheduling', `${template.path}/nodeSelector has ${label}=${String(value)}: a node agent must run on every node with meshed pods (restrict it only through componentScheduling.nodeAgents)`));
      }
    }
    const tolerations = Array.isArray(template.spec.tolerations) ? template.spec.tolerations : [];
    if (explicit.tolerations.length === 0) {
      for (const effect of BLOCKING_EFFECTS) {
        if (!toleratesEvery(tolerations, effect)) {
          out.push(violation(m, 'node-agent-scheduling', `${template.path}/tolerations do not tolerate every ${effect} taint (operator: Exists, no key): nodes with such a taint would run meshed pods without it`));
        }
      }
    } else {
      const have = new Set(tolerations.map(tolerationKey));
      for (const t of explicit.tolerations) {
        if (!have.has(tolerationKey(t))) out.push(violation(m, 'node-agent-scheduling', `${template.path}/tolerations lack ${JSON.stringify(t)} from componentScheduling.nodeAgents`));
      }
    }
  }
  return out;
}
