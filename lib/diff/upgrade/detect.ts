import { Manifest } from '../../manifests';
import { compareStrings } from '../compare';
import { isRecord } from './pairs';
import { containersOf } from './images';

/** The Helm charts Istio publishes; `helm.sh/chart: istiod-1.30.3` names one of them and its version. */
const ISTIO_CHART = /^(base|istiod|istiod-remote|gateway|cni|ztunnel)-(\d+\.\d+\.\d+\S*)$/;

/** Image variants Istio appends to its tags (`1.30.3-distroless`): not part of the version. */
const VARIANT_SUFFIX = /-(distroless|debug)$/;

/** Where a side's Istio version was read from. */
export type VersionSource = 'labels' | 'istiod image';

/** The Istio version(s) of one manifest set, read from the manifests alone. */
export interface IstioVersions {
  /** Distinct versions, sorted; several during a revision-based (canary) upgrade; empty when none was found. */
  readonly versions: readonly string[];
  /** What they were read from; undefined when none was found. */
  readonly source?: VersionSource;
}

/**
 * The Istio version an object was rendered from, when it is an Istio object: one of
 * Istio's charts in `helm.sh/chart` (its version suffix), else
 * `app.kubernetes.io/version` on an object labelled `app.kubernetes.io/part-of: istio`.
 * The user's own objects may carry `app.kubernetes.io/version` too (their app's
 * version), which is why the label alone does not make an object Istio's.
 */
function labelVersion(m: Manifest): string | undefined {
  const labels = m.object.metadata?.labels;
  if (!isRecord(labels)) return undefined;
  const chart = typeof labels['helm.sh/chart'] === 'string' ? ISTIO_CHART.exec(labels['helm.sh/chart']) : null;
  if (chart) return chart[2];
  const version = labels['app.kubernetes.io/version'];
  return labels['app.kubernetes.io/part-of'] === 'istio' && typeof version === 'string' && version ? version : undefined;
}

/** The tag of istiod's image (`…/pilot:1.30.3`), without a variant suffix, for sets without Istio's labels. */
function istiodImageVersions(manifests: readonly Manifest[]): string[] {
  const out: string[] = [];
  for (const m of manifests) {
    if (m.kind !== 'Deployment') continue;
    for (const container of containersOf(m)) {
      const match = /\/pilot:([^@/:]+)$/.exec(container.image ?? '');
      if (match) out.push(match[1].replace(VARIANT_SUFFIX, ''));
    }
  }
  return out;
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)].sort(compareStrings);
}

/**
 * The Istio version(s) of a manifest set: from the chart labels Istio's objects carry
 * (every chart labels every object it renders), else, for manifests rendered without
 * those labels, from the tag of istiod's image.
 */
export function istioVersions(manifests: readonly Manifest[]): IstioVersions {
  const labelled = distinct(manifests.map(labelVersion).filter((v): v is string => v !== undefined));
  if (labelled.length) return { versions: labelled, source: 'labels' };
  const fromImage = distinct(istiodImageVersions(manifests));
  return fromImage.length ? { versions: fromImage, source: 'istiod image' } : { versions: [] };
}

/** True when both sides have an Istio version and the versions differ: an upgrade (or a downgrade). */
export function versionsDiffer(before: IstioVersions, after: IstioVersions): boolean {
  return before.versions.length > 0 && after.versions.length > 0 && before.versions.join('\n') !== after.versions.join('\n');
}
