import * as path from 'path';
import type { IstioMeshProps } from './mesh';
import { ExtendFunction } from './project';
import { PROJECT_ROOT } from './project-root';
import { readManifestFile, RenderedRelease, renderReleases } from './render/engine';
import { HELM_MEMO_DIR, identifyHelm, locateHelm } from './render/helm-binary';
import { projectRenderCache, RenderCache } from './render/render-cache';
import { ResolvedMeshSettings } from './settings';
import { meshReleaseRequests, MeshReleases } from './stages/releases';
import { vendoredCharts, VendoredReleases } from './vendoring/vendor';

/** Where prepareMesh finds things. */
export interface PrepareOptions {
  /** Project root (vendor/, node_modules/). @default PROJECT_ROOT */
  readonly root?: string;
  /** Environment: ISTIO_CDK8S_HELM, cache settings. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Charts of every Istio version in use, already verified by the caller. @default - verified here against the lock */
  readonly charts?: VendoredReleases;
  /** Render every release, neither reading nor writing the cache. @default false */
  readonly noCache?: boolean;
  /** The render cache. @default - the project's (projectRenderCache), unless noCache */
  readonly cache?: RenderCache;
  /** Where notes go (a cache that cannot be written). @default - nowhere */
  readonly warn?: (line: string) => void;
  /** The user's extend function, passed through to the props. @default - none */
  readonly extend?: ExtendFunction;
}

/** The rendered releases, in the order they are listed. */
export function releaseList<T>(r: MeshReleases<T>): T[] {
  return [r.base, ...r.istiods, ...(r.cni ? [r.cni] : []), ...(r.ztunnel ? [r.ztunnel] : []), ...r.gateways];
}

/**
 * Everything IstioMesh needs, with all the I/O done: vendored charts verified (unless the
 * caller did), helm located and identified, releases rendered (through the cache, misses
 * in parallel). `settings` were validated by the caller (resolveSettings), once.
 */
export async function prepareMesh(resolved: ResolvedMeshSettings, opts: PrepareOptions = {}): Promise<IstioMeshProps> {
  const root = opts.root ?? PROJECT_ROOT;
  const env = opts.env ?? process.env;
  const charts = opts.charts ?? new Map(resolved.istioVersions.map(v => [v, vendoredCharts(root, v)]));
  const cache = opts.noCache ? undefined : opts.cache ?? projectRenderCache(root, env);
  // The binary's identity is memoised beside the extracted helm, apart from the renders.
  const helm = identifyHelm(locateHelm({ root, env }), cache && path.join(root, HELM_MEMO_DIR));
  const requests = meshReleaseRequests(resolved, charts);
  const list = releaseList(requests);
  const rendered = await renderReleases(list, { helm, cache, warn: opts.warn });
  const byRequest = new Map(list.map((req, i) => [req, rendered[i]]));
  const releases: MeshReleases<RenderedRelease> = {
    base: byRequest.get(requests.base)!,
    istiods: requests.istiods.map(r => byRequest.get(r)!),
    ...(requests.cni ? { cni: byRequest.get(requests.cni)! } : {}),
    ...(requests.ztunnel ? { ztunnel: byRequest.get(requests.ztunnel)! } : {}),
    gateways: requests.gateways.map(g => byRequest.get(g)!),
  };
  // The Gateway API CRDs of the newest Istio release in use, as the CRDs come from it too.
  const crdRelease = charts.get(resolved.istioVersion)!;
  const gatewayApiCrds = resolved.gatewayApi
    ? readManifestFile(crdRelease.gatewayApi.file, crdRelease.gatewayApi.sha256, cache, opts.warn)
    : undefined;
  return { settings: resolved, releases, gatewayApiCrds, extend: opts.extend };
}
