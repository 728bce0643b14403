import { Manifest } from '../../manifests';
import { CrdChange, crdChanges } from './crd-fields';
import { IstioVersions, istioVersions, versionsDiffer } from './detect';
import { ImageChange, imageChanges } from './images';
import { KindChanges, objectChangesByKind } from './objects';
import { RoleChange, rbacChanges } from './rbac';
import { WebhookConfigChange, webhookChanges } from './webhooks';

/** What an Istio upgrade changes, section by section, for a reviewer who will not read every YAML line. */
export interface Upgrade {
  /** The Istio version(s) of the old side. */
  readonly before: IstioVersions;
  /** The Istio version(s) of the new side. */
  readonly after: IstioVersions;
  /** Container images (and images istiod injects) that changed. */
  readonly images: readonly ImageChange[];
  /** Objects added and removed, per kind. */
  readonly objects: readonly KindChanges[];
  /** CRD versions and schema fields added, removed, changed. */
  readonly crds: readonly CrdChange[];
  /** Admission webhooks added, removed, changed. */
  readonly webhooks: readonly WebhookConfigChange[];
  /** Permissions granted more or less by ClusterRoles and Roles. */
  readonly rbac: readonly RoleChange[];
}

/**
 * The upgrade sections of a diff, when the two sides are different Istio versions
 * (detect.ts: read from the manifests alone); undefined otherwise, so that a settings
 * change keeps the plain object report.
 */
export function analyseUpgrade(before: readonly Manifest[], after: readonly Manifest[]): Upgrade | undefined {
  const versionsBefore = istioVersions(before);
  const versionsAfter = istioVersions(after);
  if (!versionsDiffer(versionsBefore, versionsAfter)) return undefined;
  return {
    before: versionsBefore,
    after: versionsAfter,
    images: imageChanges(before, after),
    objects: objectChangesByKind(before, after),
    crds: crdChanges(before, after),
    webhooks: webhookChanges(before, after),
    rbac: rbacChanges(before, after),
  };
}
