import { RenderedRelease } from '../render/engine';

/**
 * The pod labels a gateway release's Deployment selects, as its chart rendered them
 * (values may change them, so they are read, not assumed): the selector of an Istio
 * Gateway resource bound to those pods. Undefined when the release has no such Deployment.
 */
export function gatewayPodSelector(release: RenderedRelease): { readonly [label: string]: string } | undefined {
  const deployment = (release.documents as any[]).find(d => d?.kind === 'Deployment');
  const selector = deployment?.spec?.selector?.matchLabels;
  return selector ? { ...selector } : undefined;
}
