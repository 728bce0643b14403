import { ISTIO_NAMESPACE } from './defaults';
import { Problems } from './problems';
import { compareVersions, RevisionPlan } from './revisions';
import { DataplaneMode, MeshSettings, Platform, ResolvedNodeAgents, Scheduling } from './types';

/** The managed labels of ambient namespaces. */
export const AMBIENT_LABEL = 'istio.io/dataplane-mode';
/** The label that sends a namespace's traffic through its waypoint. */
export const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';
/**
 * Ambient's label that sends an ingress gateway's traffic through the namespace's waypoint:
 * without it the gateway calls ztunnel directly, and the waypoint's policies (the L7 allows)
 * never see it.
 */
export const INGRESS_USE_WAYPOINT_LABEL = 'istio.io/ingress-use-waypoint';
/** The name of the waypoint this project renders in a namespace. */
export const WAYPOINT_NAME = 'waypoint';

/**
 * Node agents serve control planes of their own minor version and one minor newer, and
 * are upgraded after the control plane (https://istio.io/latest/docs/ambient/upgrade/helm/):
 * beside them, revisions may be at most this many minor versions apart.
 */
export const NODE_AGENT_MINOR_SKEW = 1;

/** The dataplane part of the settings, resolved. */
export interface DataplanePlan {
  /** The mesh's mode. */
  readonly mode: DataplaneMode;
  /** Gateway API CRDs rendered. */
  readonly gatewayApi: boolean;
  /** The platform profile. */
  readonly platform?: Platform;
  /** istio-cni and ztunnel. */
  readonly nodeAgents: ResolvedNodeAgents;
}

/** Checks mode, cni, gatewayApi and the node agents' versions, and resolves them. */
export function resolveDataplane(p: Problems, input: MeshSettings, plan: RevisionPlan, nodeAgentScheduling: Required<Scheduling>): DataplanePlan {
  const mode: DataplaneMode = input.mode ?? 'sidecar';
  if (mode === 'ambient' && input.cni === false) {
    p.add('cni', false, 'cannot be off in ambient mode: istio-cni redirects ambient pods\' traffic to ztunnel (remove cni: false)');
  }
  const cni = mode === 'ambient' || input.cni === true;
  const ztunnel = mode === 'ambient';
  // Node agents follow the oldest revision: they work with control planes of their own
  // minor and the next one, never an older one, and are upgraded after the control plane
  // (so they move on when the old revision is removed, the last step of a canary).
  const oldest = [...plan.revisions].sort((a, b) => compareVersions(a.istioVersion, b.istioVersion))[0];
  const followed = oldest?.name ?? '';
  const istioVersion = oldest?.istioVersion ?? '';
  if ((cni || ztunnel) && istioVersion) {
    const minor = (v: string) => Number(v.split('.')[1]);
    const far = plan.istioVersions.filter(v => minor(v) - minor(istioVersion) > NODE_AGENT_MINOR_SKEW);
    if (far.length) {
      p.add('revisions', plan.istioVersions, `span more than ${NODE_AGENT_MINOR_SKEW} minor version beside ${ztunnel ? 'ztunnel and istio-cni' : 'istio-cni'} (${istioVersion}, following the oldest revision): node agents serve control planes of their own minor and the next one; upgrade one minor at a time`);
    }
  }
  return {
    mode,
    gatewayApi: input.gatewayApi ?? mode === 'ambient',
    platform: input.platform,
    // Istio's openshift profile trusts ztunnel in kube-system, and its docs install both agents there.
    nodeAgents: { cni, ztunnel, istioVersion, revision: followed, namespace: input.platform === 'openshift' ? 'kube-system' : ISTIO_NAMESPACE, scheduling: nodeAgentScheduling },
  };
}

/** The managed labels of an app namespace in `dataplane` mode. */
export function dataplaneLabels(dataplane: DataplaneMode, waypoint: boolean, injection: { readonly [key: string]: string }): { readonly [key: string]: string } {
  if (dataplane === 'sidecar') return injection;
  return { [AMBIENT_LABEL]: 'ambient', ...(waypoint ? { [USE_WAYPOINT_LABEL]: WAYPOINT_NAME } : {}) };
}

/** Checks an app namespace's dataplane and waypoint against the mesh. */
export function checkNamespaceDataplane(p: Problems, field: string, ns: { dataplane?: unknown; waypoint?: unknown; revision?: unknown }, dp: DataplanePlan): DataplaneMode {
  const dataplane = (ns.dataplane as DataplaneMode | undefined) ?? dp.mode;
  if (dataplane === 'ambient' && !dp.nodeAgents.ztunnel) {
    p.add(`${field}.dataplane`, 'ambient', 'needs ztunnel on every node: set mode: \'ambient\' for the mesh (sidecar namespaces keep their sidecars)');
  }
  if (ns.waypoint === true && dataplane !== 'ambient') {
    p.add(`${field}.waypoint`, true, 'serves ambient workloads only: set dataplane: \'ambient\' on the namespace (or mode: \'ambient\' for the mesh)');
  }
  if (ns.waypoint === true && !dp.gatewayApi) {
    p.add(`${field}.waypoint`, true, 'is a Gateway API Gateway: it needs gatewayApi (remove gatewayApi: false)');
  }
  if (dataplane === 'ambient' && ns.revision !== undefined) {
    p.add(`${field}.revision`, ns.revision, 'selects a sidecar injector: ambient namespaces have no sidecars (use dataplane: \'sidecar\' to pin one to a revision)');
  }
  return dataplane;
}

/** Labels of ambient mode that this project sets itself. */
export const DATAPLANE_LABELS = [AMBIENT_LABEL, USE_WAYPOINT_LABEL];
