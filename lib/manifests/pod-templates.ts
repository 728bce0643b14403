import { parseApiVersion } from './api-version';
import { Manifest } from './read';
import { TolerationLike } from './tolerations';

/** The parts of a container these rules read. */
export interface ContainerLike {
  /** Container name. */
  readonly name?: unknown;
  /** Image reference. */
  readonly image?: unknown;
}

/** The parts of a pod spec these rules read. */
export interface PodSpecLike {
  /** Node labels the pod requires. */
  readonly nodeSelector?: { readonly [label: string]: unknown };
  /** Taints the pod tolerates. */
  readonly tolerations?: readonly TolerationLike[];
  /** App containers. */
  readonly containers?: readonly ContainerLike[];
  /** Init containers. */
  readonly initContainers?: readonly ContainerLike[];
  /** Ephemeral (debug) containers. */
  readonly ephemeralContainers?: readonly ContainerLike[];
}

/** The parts of pod metadata these rules read. */
export interface PodMetadataLike {
  /** Pod labels. */
  readonly labels?: { readonly [key: string]: unknown };
  /** Pod annotations. */
  readonly annotations?: { readonly [key: string]: unknown };
}

/** The pod a workload creates: its template's metadata and spec. */
export interface PodTemplate {
  /** Where the pod spec is in the object, e.g. `/spec/template/spec`. */
  readonly path: string;
  /** Template metadata (a Pod's own metadata). */
  readonly metadata: PodMetadataLike;
  /** Pod spec. */
  readonly spec: PodSpecLike;
}

/** Where each built-in workload kind keeps its pod template (`group/Kind` → path). */
const TEMPLATE_PATHS: { readonly [groupKind: string]: readonly string[] } = {
  '/Pod': [],
  '/ReplicationController': ['spec', 'template'],
  'apps/Deployment': ['spec', 'template'],
  'apps/DaemonSet': ['spec', 'template'],
  'apps/StatefulSet': ['spec', 'template'],
  'apps/ReplicaSet': ['spec', 'template'],
  'batch/Job': ['spec', 'template'],
  'batch/CronJob': ['spec', 'jobTemplate', 'spec', 'template'],
};

/** The pod template of a built-in workload; undefined for every other kind. */
export function podTemplateOf(m: Manifest): PodTemplate | undefined {
  const path = TEMPLATE_PATHS[`${parseApiVersion(m.apiVersion).group}/${m.kind}`];
  if (!path) return undefined;
  let template: unknown = m.object;
  for (const key of path) template = (template as { readonly [key: string]: unknown } | undefined)?.[key];
  const t = (template ?? {}) as { metadata?: PodMetadataLike; spec?: PodSpecLike };
  return { path: `/${[...path, 'spec'].join('/')}`, metadata: t.metadata ?? {}, spec: t.spec ?? {} };
}

/** Every container of a pod spec, with the field it is listed under. */
export function containersOf(spec: PodSpecLike): { readonly field: string; readonly container: ContainerLike }[] {
  const fields = ['initContainers', 'containers', 'ephemeralContainers'] as const;
  return fields.flatMap(field => (Array.isArray(spec[field]) ? spec[field]! : []).map(container => ({ field, container })));
}

/**
 * Whether the injector turns the pod into a gateway (`inject.istio.io/templates` lists
 * `gateway`): the pods of Istio's gateway chart, whose proxy image is filled in by istiod.
 */
export function usesGatewayTemplate(metadata: PodMetadataLike): boolean {
  return String(metadata.annotations?.['inject.istio.io/templates'] ?? '').split(',').map(t => t.trim()).includes('gateway');
}
