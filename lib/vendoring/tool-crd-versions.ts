import type { ResolvedMeshSettings } from '../settings';

/**
 * The tools a mesh is delivered and secured with, whose CRDs this project vendors to
 * validate (`npm run check`, synth's output check) and type (`npm run import`) objects of
 * their kinds. Their CRDs are never rendered into dist/: each tool installs its own.
 */
export const TOOL_NAMES = ['cert-manager', 'external-secrets', 'argo-cd', 'flux'] as const;

/** One of the tools. */
export type ToolName = typeof TOOL_NAMES[number];

/** The CRDs of one release of a tool. */
export interface ToolCrdsRelease {
  /** The release, as the lock, messages and the headers of imports/ name it. */
  readonly version: string;
  /**
   * Its CRD files, as paths below `<source>/<tool>/` (the layout of `../shared/crds`:
   * `<release folder>/<file>`), vendored with the same paths below `vendor/crds/<tool>/`.
   */
  readonly files: readonly string[];
  /** What makes main.ts use it, for messages. */
  readonly usedBy: string;
}

/** Tool → its CRDs. Tests pass their own. */
export type ToolCrdsTable = { readonly [tool in ToolName]?: ToolCrdsRelease };

/**
 * Which release of each tool's CRDs is vendored: the files of `../shared/crds`, byte for
 * byte as each project publishes them in its repository at the release tag (its README
 * names tag, commit and path; its SHA256SUMS vouches for each file). `npm run vendor`
 * pins the files of the tools main.ts uses (toolCrdsUsed) at the release named here;
 * after that the lock is what synth, check and `npm run import` read (synth refuses a
 * lock that pins another release than this table, and asks for `npm run vendor`).
 */
export const TOOL_CRDS: ToolCrdsTable = {
  'cert-manager': {
    version: 'v1.21.1',
    files: [
      'v1.21.1/cert-manager.io_certificates.yaml',
      'v1.21.1/cert-manager.io_issuers.yaml',
      'v1.21.1/cert-manager.io_clusterissuers.yaml',
      'v1.21.1/cert-manager.io_certificaterequests.yaml',
    ],
    usedBy: 'mesh.trust.certManager',
  },
  'external-secrets': {
    version: 'v2.9.0',
    // 25 CRDs in one file: ExternalSecret, SecretStore, ClusterSecretStore, ... and the generators.
    files: ['v2.9.0/bundle.yaml'],
    usedBy: 'mesh.trust.externalSecret or mesh.remoteSecrets',
  },
  'argo-cd': {
    version: 'v3.5.1',
    files: ['v3.5.1/application-crd.yaml', 'v3.5.1/applicationset-crd.yaml', 'v3.5.1/appproject-crd.yaml'],
    usedBy: 'delivery.tool \'argocd\'',
  },
  flux: {
    // Flux's controllers are released apart: the release is the pair.
    version: 'kustomize-controller v1.9.4, source-controller v1.9.1',
    files: [
      'kustomize-controller-v1.9.4/kustomize.toolkit.fluxcd.io_kustomizations.yaml',
      'source-controller-v1.9.1/source.toolkit.fluxcd.io_gitrepositories.yaml',
      'source-controller-v1.9.1/source.toolkit.fluxcd.io_ocirepositories.yaml',
    ],
    usedBy: 'delivery.tool \'flux\'',
  },
};

/** This file, as errors name it. */
export const TOOL_CRDS_TABLE_FILE = 'lib/vendoring/tool-crd-versions.ts';

/** Whether a name is one of the tools. */
export function isToolName(name: string): name is ToolName {
  return (TOOL_NAMES as readonly string[]).includes(name);
}

/**
 * The tools whose CRDs the clusters' resolved settings use, in TOOL_NAMES order:
 * cert-manager for a cluster whose istiod CA comes from a cert-manager Certificate;
 * External Secrets for a CA from an ExternalSecret, or remote secrets (an ExternalSecret
 * per watched cluster); Argo CD or Flux for the delivery objects (`delivery.tool`).
 */
export function toolCrdsUsed(settings: readonly ResolvedMeshSettings[]): ToolName[] {
  const used = new Set<ToolName>();
  for (const s of settings) {
    if (s.trust.source === 'cert-manager') used.add('cert-manager');
    if (s.trust.source === 'external-secret' || s.remoteSecrets.length > 0) used.add('external-secrets');
    if (s.delivery?.tool === 'argocd') used.add('argo-cd');
    if (s.delivery?.tool === 'flux') used.add('flux');
  }
  return TOOL_NAMES.filter(t => used.has(t));
}

/** The release `table` names for a tool; undefined when the table does not list it. */
export function toolCrdsRelease(tool: ToolName, table: ToolCrdsTable = TOOL_CRDS): ToolCrdsRelease | undefined {
  return Object.prototype.hasOwnProperty.call(table, tool) ? table[tool] : undefined;
}
