import { Manifest } from '../manifests';
import { containersOf, PodMetadataLike, podTemplateOf, usesGatewayTemplate } from '../manifests/pod-templates';
import { violation, Violation } from './violation';

/**
 * Whether a pod is injected with Istio's `gateway` template. Istio's gateway chart renders
 * its proxy container with `image: auto`, which the sidecar injector replaces with the proxy
 * image pinned by istiod (global.hub/tag); `auto` is pinned only for pods it injects.
 */
function isInjectedGateway(metadata: PodMetadataLike): boolean {
  const inject = metadata.annotations?.['sidecar.istio.io/inject'] ?? metadata.labels?.['sidecar.istio.io/inject'];
  return inject === 'true' && usesGatewayTemplate(metadata);
}

/** Why an image reference is not pinned, or undefined when it has a tag other than latest, or a digest. */
function unpinnedReason(image: string): string | undefined {
  if (/@[a-z0-9]+:[0-9a-f]{32,}$/.test(image)) return undefined;
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastPart.lastIndexOf(':');
  if (colon < 0) return 'has no tag or digest (means latest)';
  if (lastPart.slice(colon + 1) === 'latest') return 'uses the tag latest';
  return undefined;
}

/** Every container image is pinned to a tag (not latest) or a digest; `auto` only for injected gateways. */
export function checkImages(manifests: readonly Manifest[]): Violation[] {
  const out: Violation[] = [];
  for (const m of manifests) {
    const template = podTemplateOf(m);
    if (!template) continue;
    containersOf(template.spec).forEach(({ field, container }) => {
      const where = `${template.path}/${field} ${JSON.stringify(container.name)}`;
      const image = container.image;
      if (typeof image !== 'string' || image === '') {
        out.push(violation(m, 'image-pinned', `${where} has no image`));
      } else if (image === 'auto') {
        if (!isInjectedGateway(template.metadata)) {
          out.push(violation(m, 'image-pinned', `${where} uses image "auto", which only Istio's injector fills in: the pod template needs sidecar.istio.io/inject: "true" and annotation inject.istio.io/templates: gateway`));
        }
      } else {
        const reason = unpinnedReason(image);
        if (reason) out.push(violation(m, 'image-pinned', `${where} image ${image} ${reason}`));
      }
    });
  }
  return out;
}
