import { isIP } from 'net';
import { asList, asMap, Problems } from './problems';
import { MeshIdentity, MeshSettings } from './types';

/**
 * Checks a remote cluster's settings (Istio's primary-remote: `mesh.primary` set): what
 * only a cluster with istiod has is refused, and its pilot address must be one the
 * remote's webhooks can reach. (Whether the primary exists and can serve it is the
 * fleet's to say: lib/project/fleet.ts.)
 */
export function checkPrimaryRemote(p: Problems, input: MeshSettings, cluster: string | undefined): void {
  const mesh = asMap(input.mesh) as Partial<MeshIdentity>;
  if (mesh.primary === undefined) {
    if (mesh.pilotAddress !== undefined) p.add('mesh.pilotAddress', mesh.pilotAddress, 'is only for a remote cluster (with mesh.primary): a primary runs istiod itself');
    return;
  }
  if (cluster === undefined) p.add('mesh.primary', mesh.primary, 'names a cluster of main.ts\'s `clusters`: a remote cluster is rendered in a fleet, beside its primary');
  else if (mesh.primary === cluster) p.add('mesh.primary', mesh.primary, 'is this cluster itself: a remote names the cluster whose istiod serves it');
  if (mesh.pilotAddress === undefined) {
    p.addShape('mesh.pilotAddress', 'is required with mesh.primary: the IP address of the primary\'s east-west gateway, where this cluster\'s proxies and webhooks reach istiod');
  } else if (typeof mesh.pilotAddress !== 'string' || isIP(mesh.pilotAddress) === 0) {
    // The istiod chart makes a DNS name an ExternalName Service, and the API server refuses
    // to call a webhook through one since Kubernetes 1.22.10 ("unsupported service type
    // ExternalName", kubernetes/kubernetes#114541): pods of the remote could not be injected.
    p.add('mesh.pilotAddress', mesh.pilotAddress, 'must be an IPv4 or IPv6 address (the east-west gateway\'s load balancer IP, as Istio\'s primary-remote docs use): for a DNS name the chart renders an ExternalName Service, which the API server does not call webhooks through');
  }
  if (mesh.trust !== undefined) p.add('mesh.trust', mesh.trust, 'is for clusters with istiod: a remote cluster\'s workloads are signed by its primary\'s istiod');
  if (mesh.remoteSecrets !== undefined) p.add('mesh.remoteSecrets', mesh.remoteSecrets, 'is for clusters with istiod: the primary watches its remotes, not the other way round');
  // The remote's webhooks carry the primary's revision: its istiod patches only those of its own.
  if (input.revisions !== undefined) p.add('revisions', '…', 'are not rendered for a remote cluster: it has no istiod of its own (its primary\'s serves it)');
  if (input.revision !== undefined) p.add('revision', input.revision, 'is not for a remote cluster: its webhooks take its primary\'s revision, and a primary serving remotes runs the unnamed default revision');
  const ambient = input.mode === 'ambient' || asList(input.appNamespaces).some(ns => asMap(ns).dataplane === 'ambient');
  if (ambient) p.add('mode', input.mode ?? 'sidecar', 'with ambient namespaces is not supported on a remote cluster yet (primary-remote is rendered for sidecars)');
}
