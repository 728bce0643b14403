import { Manifest } from '../manifests';
import { labelsOf } from './label-selectors';
import { podTemplateOf } from '../manifests/pod-templates';
import { violation, Violation } from './violation';
import { NAMESPACE_NAME_LABEL, webhookCovers, webhookSelects, webhooksOf } from './webhooks';

// Istio config (VirtualService, PeerAuthentication, …) is validated by the istiod of the
// revision named in its istio.io/rev label; config without one by the default validator
// (base chart value defaultRevision: ValidatingWebhookConfiguration istiod-default-validator).
// Each istiod also renders istio-validator-<rev>-<namespace>, which only selects its own
// revision's label. None selecting unlabelled config leaves it unvalidated; two validate it
// twice, with two revisions' rules (one may reject what the other serves).

/** Istio names its validation webhooks `validation.istio.io` and `rev.validation.istio.io`. */
export const VALIDATOR_SUFFIX = 'validation.istio.io';

/** A namespace as the API server labels one created without labels. */
const UNLABELLED_NAMESPACE = { [NAMESPACE_NAME_LABEL]: 'default' };

/** A workload is istiod when its pods carry app=istiod (the label both istiod charts give them). */
function isIstiod(m: Manifest): boolean {
  const template = podTemplateOf(m);
  return template !== undefined && labelsOf(template.metadata.labels).app === 'istiod';
}

/**
 * Exactly one ValidatingWebhookConfiguration has an Istio validation webhook that selects an
 * Istio config object without labels in a namespace without labels, when the folder has an
 * istiod at all; two or more are a violation without one.
 */
export function checkDefaultValidator(manifests: readonly Manifest[]): Violation[] {
  const defaults = new Set(webhooksOf(manifests, 'ValidatingWebhookConfiguration')
    .filter(w => w.name.endsWith(VALIDATOR_SUFFIX))
    .filter(w => webhookCovers(w, 'CREATE', g => g.endsWith('.istio.io')))
    .filter(w => webhookSelects(w, UNLABELLED_NAMESPACE, {}))
    .map(w => w.config));
  if (defaults.size > 1) {
    const names = [...defaults].map(c => c.name).join(', ');
    return [...defaults].map(c => violation(c, 'default-validator', `one of ${defaults.size} default validators (${names}): each validates Istio config without an istio.io/rev label; exactly one may (the base chart's, value defaultRevision)`));
  }
  const istiod = manifests.find(isIstiod);
  if (defaults.size === 0 && istiod) {
    return [violation(istiod, 'default-validator', `no ValidatingWebhookConfiguration validates Istio config without an istio.io/rev label: the base chart renders istiod-default-validator when value defaultRevision names a revision`)];
  }
  return [];
}
