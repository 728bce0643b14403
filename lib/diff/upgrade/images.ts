import { Manifest, objectKey, objectRef } from '../../manifests';
import { isRecord } from './pairs';

/** The container lists of a pod spec; init containers are named as such in the report. */
const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** One container of a workload's pod template (or of a Pod). */
export interface ContainerRef {
  /** Which list of the pod spec it is in. */
  readonly list: (typeof CONTAINER_LISTS)[number];
  /** Its name ('' when it has none). */
  readonly name: string;
  /** Its image, when it has one. */
  readonly image?: string;
}

/** Where pod specs sit: a Pod's spec, a workload's template, a CronJob's job template. */
function podSpecOf(object: { readonly [key: string]: any }): unknown[] {
  return [object.spec, object.spec?.template?.spec, object.spec?.jobTemplate?.spec?.template?.spec]
    .filter(spec => isRecord(spec) && CONTAINER_LISTS.some(list => Array.isArray(spec[list])));
}

/** Every container of an object's pod specs (none for objects without one). */
export function containersOf(m: Manifest): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const spec of podSpecOf(m.object) as { [key: string]: unknown }[]) {
    for (const list of CONTAINER_LISTS) {
      const items = spec[list];
      if (!Array.isArray(items)) continue;
      for (const c of items) {
        if (!isRecord(c)) continue;
        out.push({
          list,
          name: typeof c.name === 'string' ? c.name : '',
          ...(typeof c.image === 'string' ? { image: c.image } : {}),
        });
      }
    }
  }
  return out;
}

/** Where an image is used: one container of one object. */
export interface ImageUse {
  /** The object, `kind/namespace/name`. */
  readonly ref: string;
  /** The container: `discovery`, `istio-validation (init)`, `injected istio-proxy (global.proxy)`. */
  readonly container: string;
}

/** One container of a workload, or an image istiod injects, with its image. */
interface ImageSlot extends ImageUse {
  /** Identity of the slot across both sides. */
  readonly key: string;
  readonly image: string;
  /** Set for an image istiod injects: which values section names it. */
  readonly injected?: 'proxy' | 'proxy_init';
}

/** The image of a gateway's proxy container, replaced at admission by the image istiod injects. */
const AUTO = 'auto';

/** An image that changed, was introduced or was dropped, and where. */
export interface ImageChange {
  /** The old image; absent when it is new (used by nothing before). */
  readonly before?: string;
  /** The new image; absent when nothing uses it any more. */
  readonly after?: string;
  /** The containers (and injected containers) concerned, in manifest order. */
  readonly where: readonly ImageUse[];
}

/** The sidecar injector's ConfigMap: `istio-sidecar-injector`, or `istio-sidecar-injector-<revision>`. */
const INJECTOR_CONFIGMAP = /^istio-sidecar-injector(-.+)?$/;

/**
 * The image istiod injects for `global.proxy` (the istio-proxy sidecar) or
 * `global.proxy_init` (istio-init), as the injection template builds it: an image with
 * a `/` is taken as it is, else `<global.hub>/<image>:<global.tag>`, with
 * `-<global.variant>` appended when a variant is set. Undefined when the values do not
 * say (no tag).
 */
export function injectedImage(values: unknown, which: 'proxy' | 'proxy_init'): string | undefined {
  const global = isRecord(values) && isRecord(values.global) ? values.global : undefined;
  if (!global) return undefined;
  const section = global[which];
  const image = isRecord(section) && typeof section.image === 'string' && section.image ? section.image : 'proxyv2';
  if (image.includes('/')) return image;
  const tag = global.tag;
  if (tag === undefined || tag === null || tag === '') return undefined;
  const hub = typeof global.hub === 'string' && global.hub ? `${global.hub}/` : '';
  const variant = typeof global.variant === 'string' && global.variant ? `-${global.variant}` : '';
  return `${hub}${image}:${String(tag)}${variant}`;
}

/** The images the injector ConfigMap's `data.values` (JSON) names; none when it cannot be read. */
function injectedSlots(m: Manifest): ImageSlot[] {
  if (m.kind !== 'ConfigMap' || m.apiVersion !== 'v1' || !INJECTOR_CONFIGMAP.test(m.name)) return [];
  const text = m.object.data?.values;
  if (typeof text !== 'string') return [];
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch {
    return [];
  }
  const out: ImageSlot[] = [];
  for (const [which, container] of [['proxy', 'istio-proxy'], ['proxy_init', 'istio-init']] as const) {
    const image = injectedImage(values, which);
    if (image) out.push({ key: `${objectKey(m)}|injected|${which}`, ref: objectRef(m), container: `injected ${container} (global.${which})`, image, injected: which });
  }
  return out;
}

function slotsOf(manifests: readonly Manifest[]): Map<string, ImageSlot> {
  const slots = new Map<string, ImageSlot>();
  for (const m of manifests) {
    for (const c of containersOf(m)) {
      if (c.image === undefined) continue;
      const key = `${objectKey(m)}|${c.list}|${c.name}`;
      const container = `${c.name}${c.list === 'containers' ? '' : ` (${c.list === 'initContainers' ? 'init' : 'ephemeral'})`}`;
      if (!slots.has(key)) slots.set(key, { key, ref: objectRef(m), container, image: c.image });
    }
    for (const slot of injectedSlots(m)) if (!slots.has(slot.key)) slots.set(slot.key, slot);
  }
  return slots;
}

/**
 * The images that differ between two manifest sets, grouped by `old → new`: a
 * container (or an injected container) whose image changed; an image only new
 * containers use (`before` absent); an image only removed containers used (`after`
 * absent). A new workload on an image already in use, or a removed one whose image
 * stays in use, is not an image change: the objects section lists it. When the
 * injected proxy image changes, the containers whose image is `auto` (gateways, which
 * istiod injects) are listed with it: they run it once their pods are recreated.
 */
export function imageChanges(before: readonly Manifest[], after: readonly Manifest[]): ImageChange[] {
  const old = slotsOf(before);
  const now = slotsOf(after);
  const usedBefore = new Set([...old.values()].map(s => s.image));
  const usedAfter = new Set([...now.values()].map(s => s.image));
  const groups = new Map<string, { before?: string; after?: string; where: ImageUse[] }>();
  const add = (from: string | undefined, to: string | undefined, slot: ImageSlot) => {
    const key = `${from ?? ''}\n${to ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      group = { ...(from === undefined ? {} : { before: from }), ...(to === undefined ? {} : { after: to }), where: [] };
      groups.set(key, group);
    }
    group.where.push({ ref: slot.ref, container: slot.container });
  };
  for (const slot of now.values()) {
    const was = old.get(slot.key);
    if (was && was.image !== slot.image) add(was.image, slot.image, slot);
    else if (!was && !usedBefore.has(slot.image) && slot.image !== AUTO) add(undefined, slot.image, slot);
  }
  for (const slot of old.values()) {
    if (!now.has(slot.key) && !usedAfter.has(slot.image) && slot.image !== AUTO) add(slot.image, undefined, slot);
  }
  // Pods whose proxy image is `auto` get the injected image when they are (re)created: name them with it.
  const autoUses = [...now.values()].filter(s => s.image === AUTO && !s.injected).map(s => ({ ref: s.ref, container: `${s.container} (image: auto)` }));
  const extended = new Set<string>();
  for (const slot of now.values()) {
    const was = old.get(slot.key);
    const key = `${was?.image}\n${slot.image}`;
    if (slot.injected !== 'proxy' || !was || was.image === slot.image || extended.has(key)) continue;
    extended.add(key);
    groups.get(key)!.where.push(...autoUses);
  }
  return [...groups.values()];
}

/** An image split into its name and its tag or digest: `docker.io/istio/pilot` and `1.30.3`. */
export function splitImage(image: string): { readonly name: string; readonly ref: string } {
  const at = image.indexOf('@');
  if (at >= 0) return { name: image.slice(0, at), ref: image.slice(at + 1) };
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') ? { name: image.slice(0, colon), ref: image.slice(colon + 1) } : { name: image, ref: '' };
}

/** The uses of an image per object, in order: `Deployment/istio-system/istiod: discovery, istio-init (init)`. */
export function usesText(where: readonly ImageUse[]): string[] {
  const byRef = new Map<string, string[]>();
  for (const w of where) byRef.set(w.ref, [...(byRef.get(w.ref) ?? []), w.container]);
  return [...byRef].map(([ref, containers]) => `${ref}: ${containers.join(', ')}`);
}
