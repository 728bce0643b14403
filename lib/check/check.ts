import { loadManifestFolder, Manifest } from '../manifests';
import { ResolvedMeshSettings } from '../settings';
import { AuthorizationExpectations, checkAuthorization } from './authorization';
import { CheckOptions, CrdIndex } from './crd-schema';
import { checkDefaultValidator } from './default-validator';
import type { DeliveryExpectations } from './delivery';
import type { FleetExpectations } from './fleet';
import { checkImages } from './images';
import { checkInjection, checkSystemInjection } from './injection';
import { checkKinds } from './kinds';
import { checkNodeAgents, NodeAgentExpectations } from './node-agents';
import { checkScheduling } from './scheduling';
import { checkSecretData, checkTrustOrder, checkTrustSource, TrustExpectations } from './trust';
import { checkCrdOrder, checkNamespaceOrder, checkNamespaceScope, checkObjectShape, checkUnique, checkWebhookServices } from './structure';
import { Violation } from './violation';
import { checkWebhookSelectors } from './webhooks';
import { checkDestinationSubsets, checkEgressServiceEntries, checkGatewaySelectors } from './gateways';

/**
 * What the manifests must agree with: the resolved settings of the cluster they were
 * rendered for (mesh and remote secrets for the fleet rules, lib/check/fleet.ts; delivery
 * and sync waves for the delivery rules, lib/check/delivery.ts; the authorization mode for
 * the authz rules, lib/check/authorization.ts).
 */
export type CheckExpectations = Pick<ResolvedMeshSettings, 'kubeVersion' | 'istiodScheduling' | 'gateways'> & Partial<Pick<ResolvedMeshSettings, 'platform'>> & NodeAgentExpectations & TrustExpectations & FleetExpectations & DeliveryExpectations & AuthorizationExpectations;

/** Every rule over already-read manifests, violations in file order, then rule order. */
export function checkManifestList(manifests: readonly Manifest[], expected: CheckExpectations, options: CheckOptions = {}): Violation[] {
  const shapeViolations: Violation[] = [];
  const wellFormed = manifests.filter(m => {
    const v = checkObjectShape(m);
    if (v) shapeViolations.push(v);
    return !v;
  });
  const crds = new CrdIndex(wellFormed, options.providedCrds);
  const { violations: kindViolations, kinds } = checkKinds(wellFormed, crds, expected.kubeVersion, expected.platform, options);
  const all = [
    ...shapeViolations,
    ...kindViolations,
    ...checkUnique(wellFormed),
    ...checkNamespaceScope(wellFormed, kinds),
    ...checkNamespaceOrder(wellFormed),
    ...checkCrdOrder(wellFormed, kinds),
    ...checkWebhookServices(wellFormed),
    ...checkWebhookSelectors(wellFormed),
    ...checkGatewaySelectors(wellFormed),
    ...checkEgressServiceEntries(wellFormed, expected.gateways.filter(g => g.kind === 'egress')),
    ...checkDestinationSubsets(wellFormed),
    ...checkInjection(wellFormed),
    ...checkSystemInjection(wellFormed),
    ...checkDefaultValidator(wellFormed),
    ...checkScheduling(wellFormed, expected),
    ...checkNodeAgents(wellFormed, expected),
    ...checkImages(wellFormed),
    ...checkSecretData(wellFormed),
    ...checkTrustSource(wellFormed, expected),
    ...checkTrustOrder(wellFormed),
    ...checkAuthorization(wellFormed, expected),
  ];
  // In apply order, object by object; a stable sort keeps each object's violations in rule order.
  return all.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.index - b.index));
}

/** Checks every object of a manifest folder (default of the CLI: dist/) against every rule. */
export function checkManifests(dir: string, expected: CheckExpectations): Violation[] {
  return checkManifestList(loadManifestFolder(dir).manifests, expected);
}
