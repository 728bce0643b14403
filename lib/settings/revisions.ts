import { DNS_LABEL, HELM_RELEASE_NAME_MAX, RFC1123_RULE, REVISION_MAX } from './names';
import { mergeValues } from './merge-values';
import { asList, asMap, checkDnsLabel, Problems } from './problems';
import { HelmValues, ImageSettings, MeshSettings, ResolvedRevision, RevisionSettings } from './types';

const ISTIO_VERSION = /^(\d+)\.(\d+)\.(\d+)$/;

/**
 * Revisions may be at most this many minor versions apart: Istio supports canary upgrades
 * that skip one minor version (1.x → 1.x+2), and no more
 * (https://istio.io/latest/docs/setup/upgrade/canary/,
 * https://istio.io/latest/docs/releases/supported-releases/).
 */
export const MAX_REVISION_MINOR_SKEW = 2;

/** The tag every canary form needs: it injects `istio-injection=enabled` and validates. */
export const DEFAULT_TAG = 'default';

/** What a namespace's or gateway's `revision` (a revision or a tag) resolves to. */
export interface InjectionTarget {
  /** The `istio.io/rev` label value ('' for the default: `istio-injection=enabled`, or no pod label). */
  readonly label: string;
  /** The Istio version of the revision that injects it. */
  readonly istioVersion: string;
}

/** The revisions part of the settings, checked and resolved. */
export interface RevisionPlan {
  /** True for the canary form (`revisions`). */
  readonly canary: boolean;
  /** The istiods to render. */
  readonly revisions: readonly ResolvedRevision[];
  /** The base chart's defaultRevision: the revision that validates Istio resources. */
  readonly defaultRevision: string;
  /** Every Istio version in use, oldest first. */
  readonly istioVersions: readonly string[];
  /** A namespace's or gateway's `revision`, resolved; undefined when it names nothing. */
  target(ref: string | undefined): InjectionTarget | undefined;
}

/** Versions in numeric order (1.9.0 before 1.10.0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** Every Istio version a settings object names, whatever its shape (for `npm run vendor`). */
export function settingsVersions(settings: MeshSettings): string[] {
  const input = asMap(settings) as MeshSettings;
  const named = [input.istioVersion, ...asList(input.revisions).map(r => asMap(r).istioVersion)];
  return [...new Set(named.filter((v): v is string => typeof v === 'string' && ISTIO_VERSION.test(v)))].sort(compareVersions);
}

function checkVersion(p: Problems, field: string, version: unknown, locked: readonly string[]): void {
  if (typeof version !== 'string' || !ISTIO_VERSION.test(version)) {
    p.add(field, version, 'must be an Istio version such as 1.30.3');
  } else if (!locked.includes(version)) {
    p.add(field, version, `is not pinned in vendor/charts.lock.json (it pins ${locked.join(', ') || 'nothing'}): run \`npm run vendor\`, which pins every version main.ts names`);
  }
}

function checkRevisionName(p: Problems, field: string, name: unknown): void {
  checkDnsLabel(p, field, name);
  if (typeof name !== 'string') return;
  if (name.length > REVISION_MAX) {
    p.add(field, name, `is ${name.length} characters long: at most ${REVISION_MAX}, since istiod's Helm release is istiod-<revision> (at most ${HELM_RELEASE_NAME_MAX})`);
  }
  if (name === DEFAULT_TAG) p.add(field, name, `is reserved for the default tag: name revisions after their version (e.g. 1-30-3) and point tags.${DEFAULT_TAG} at one`);
}

/** The single-revision form: today's `istioVersion` and optional `revision`. */
function singleForm(p: Problems, input: MeshSettings, locked: readonly string[]): RevisionPlan {
  checkVersion(p, 'istioVersion', input.istioVersion, locked);
  const name = typeof input.revision === 'string' ? input.revision : '';
  if (name !== '') checkRevisionName(p, 'revision', name);
  if (input.tags !== undefined) p.add('tags', input.tags, 'are only for the canary form: give revisions instead of istioVersion');
  const istioVersion = String(input.istioVersion);
  const revision: ResolvedRevision = {
    name, istioVersion, tags: [], images: asMap(input.images), values: asMap(asMap(input.values).istiod) as HelmValues,
  };
  return {
    canary: false,
    revisions: [revision],
    defaultRevision: name || DEFAULT_TAG,
    istioVersions: [istioVersion],
    target: ref => (ref === undefined ? { label: name, istioVersion } : undefined),
  };
}

/** The canary form: revisions side by side, and tags pointing at them. */
function canaryForm(p: Problems, input: MeshSettings, locked: readonly string[]): RevisionPlan {
  if (input.istioVersion !== undefined) {
    p.add('istioVersion', input.istioVersion, 'must not be given with revisions: each revision names its own istioVersion');
  }
  if (input.revision !== undefined) {
    p.add('revision', input.revision, 'must not be given with revisions: name each revision in revisions[].name');
  }
  const list = asList(input.revisions).map(r => asMap(r) as Partial<RevisionSettings>);
  if (list.length === 0) p.add('revisions', input.revisions, 'must name at least one revision');
  const byName = new Map<string, Partial<RevisionSettings>>();
  const byVersion = new Map<string, string>();
  list.forEach((r, i) => {
    const field = `revisions[${i}]`;
    checkRevisionName(p, `${field}.name`, r.name);
    checkVersion(p, `${field}.istioVersion`, r.istioVersion, locked);
    if (typeof r.name === 'string') {
      if (byName.has(r.name)) p.add(`${field}.name`, r.name, 'is used by another revision (revision names must be unique)');
      byName.set(r.name, r);
    }
    if (typeof r.istioVersion === 'string') {
      const other = byVersion.get(r.istioVersion);
      if (other !== undefined) {
        p.add(`${field}.istioVersion`, r.istioVersion, `is also revision ${other}'s: two revisions of one version run the same control plane twice; point a tag at the one revision instead`);
      }
      byVersion.set(r.istioVersion, String(r.name));
    }
  });

  const versions = [...byVersion.keys()].filter(v => ISTIO_VERSION.test(v)).sort(compareVersions);
  if (versions.length > 1) {
    const [oldest, newest] = [versions[0], versions[versions.length - 1]].map(v => v.split('.').map(Number));
    if (oldest[0] !== newest[0]) {
      p.add('revisions', versions, 'span two major versions: Istio supports canary upgrades within one major version only; upgrade in steps');
    } else if (newest[1] - oldest[1] > MAX_REVISION_MINOR_SKEW) {
      p.add('revisions', versions, `span more than ${MAX_REVISION_MINOR_SKEW} minor versions: Istio supports canary upgrades across at most ${MAX_REVISION_MINOR_SKEW} minor versions (1.x to 1.x+${MAX_REVISION_MINOR_SKEW}); upgrade in steps`);
    }
  }

  const tags = asMap(input.tags) as { [tag: string]: string };
  for (const [tag, target] of Object.entries(tags)) {
    const field = `tags[${JSON.stringify(tag)}]`;
    if (tag.length > 63 || !DNS_LABEL.test(tag)) p.add(`tags key`, tag, `is not a valid tag name (${RFC1123_RULE})`);
    if (byName.has(tag)) p.add('tags key', tag, 'is also a revision name: a tag must be named apart from every revision (istio.io/rev would be ambiguous)');
    if (!byName.has(target)) p.add(field, target, `points at no revision (revisions: ${[...byName.keys()].join(', ') || 'none'})`);
  }
  if (input.tags === undefined || !(DEFAULT_TAG in tags)) {
    p.add('tags', input.tags ?? {}, `need a "${DEFAULT_TAG}" tag: it injects namespaces labelled istio-injection=enabled and gateways without a revision, and its revision validates Istio resources (e.g. tags: { default: '${[...byName.keys()][0] ?? '<revision>'}' })`);
  }

  // Object names the charts derive from revisions and tags must not meet (a revision named
  // sidecar-injector-x would share istio-sidecar-injector-… with revision x).
  const derived = new Map<string, string>();
  const claim = (name: string, owner: string) => {
    const other = derived.get(name);
    if (other !== undefined && other !== owner) p.add(owner.startsWith('tag') ? 'tags' : 'revisions', [other, owner], `give two objects the same name ${name}: rename one`);
    derived.set(name, owner);
  };
  for (const r of list) {
    if (typeof r.name !== 'string') continue;
    for (const n of [`istiod-${r.name}`, `istio-sidecar-injector-${r.name}`, `istio-${r.name}`, `values-${r.name}`]) claim(n, `revision ${r.name}`);
  }
  for (const tag of Object.keys(tags)) {
    for (const n of [`istiod-revision-tag-${tag}`, `istio-revision-tag-${tag}`]) claim(n, `tag ${tag}`);
  }

  const globalImages = asMap(input.images) as ImageSettings;
  if (globalImages.tag !== undefined && list.length > 1) {
    p.add('images.tag', globalImages.tag, 'fits one Istio version only: set revisions[].images.tag per revision in the canary form');
  }
  const extraValues = asMap(asMap(input.values).istiod) as HelmValues;
  const revisions: ResolvedRevision[] = list.map(r => ({
    name: String(r.name),
    istioVersion: String(r.istioVersion),
    tags: Object.keys(tags).filter(t => tags[t] === r.name),
    images: { ...globalImages, ...asMap(r.images) },
    // Merged as helm merges -f files: maps key by key, so values.istiod keeps what a revision does not set.
    values: mergeValues(extraValues, asMap(r.values) as HelmValues),
  }));
  const versionOf = (revision: string | undefined) => (revision === undefined ? undefined : byName.get(revision)?.istioVersion);
  return {
    canary: true,
    revisions,
    defaultRevision: tags[DEFAULT_TAG] ?? '',
    istioVersions: versions,
    target: ref => {
      // Omitted: the default tag, reached through istio-injection=enabled (or no pod label).
      if (ref === undefined) {
        const v = versionOf(tags[DEFAULT_TAG]);
        return v === undefined ? undefined : { label: '', istioVersion: v };
      }
      const v = versionOf(ref in tags ? tags[ref] : ref);
      return v === undefined ? undefined : { label: ref, istioVersion: v };
    },
  };
}

/** Checks the revisions part of the settings (either form) and resolves it. */
export function resolveRevisions(p: Problems, input: MeshSettings, locked: readonly string[]): RevisionPlan {
  if (input.revisions === undefined && input.istioVersion === undefined) {
    p.add('istioVersion', undefined, 'is required (or revisions, for the canary form)');
  }
  return input.revisions !== undefined ? canaryForm(p, input, locked) : singleForm(p, input, locked);
}
