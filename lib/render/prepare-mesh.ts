import * as path from 'path';
import type { ExtendFunction, IstioMeshProps } from '../mesh';
import { PROJECT_ROOT } from '../project-root';
import { readManifestFile, RenderedRelease, renderReleases } from './engine';
import { egressGatewayEndpoint } from './gateway-endpoints';
import { HELM_MEMO_DIR, identifyHelm, locateHelm } from './helm-binary';
import { projectRenderCache, RenderCache } from './render-cache';
import { ResolvedMeshSettings } from '../settings';
import { meshReleaseRequests, MeshReleases } from './mesh-releases';
import { ReleaseRequest } from './release-request';
import { UserError } from '../user-error';
import { gatewayApiVersionFor } from '../vendoring/gateway-api-versions';
import { VendoredCharts, vendoredCharts, VendoredReleases } from '../vendoring/vendored';

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
  /** Told how many releases helm renders, before it starts (RenderOptions.onHelmRenders). @default - nobody */
  readonly onHelmRenders?: (count: number) => void;
}

/** The vendored Gateway API CRD file of a release, and its digest; only a minor the Gateway API table lists has one. */
function gatewayApiFileOf(charts: VendoredCharts): [file: string, sha256: string] {
  if (!charts.gatewayApi) {
    // Throws, naming the table, for the minor it does not list; else the lock was written without them.
    gatewayApiVersionFor(charts.lock.istioVersion);
    throw new UserError(`Istio ${charts.lock.istioVersion}'s Gateway API CRDs are not vendored: run \`npm run vendor\`, then synth again`);
  }
  return [charts.gatewayApi.file, charts.gatewayApi.sha256];
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
  return (await prepareMeshes([resolved], opts))[0];
}

/**
 * prepareMesh for several clusters at once: one helm, one render pass over every
 * cluster's releases, in parallel, where a release with the same inputs in several
 * clusters (same chart, name, namespace, values, kube version) is rendered once.
 */
export async function prepareMeshes(clusters: readonly ResolvedMeshSettings[], opts: PrepareOptions = {}): Promise<IstioMeshProps[]> {
  const root = opts.root ?? PROJECT_ROOT;
  const env = opts.env ?? process.env;
  const versions = [...new Set(clusters.flatMap(c => c.istioVersions))];
  const charts = opts.charts ?? new Map(versions.map(v => [v, vendoredCharts(root, v)]));
  const cache = opts.noCache ? undefined : opts.cache ?? projectRenderCache(root, env);
  // The binary's identity is memoised beside the extracted helm, apart from the renders.
  const helm = identifyHelm(locateHelm({ root, env }), cache && path.join(root, HELM_MEMO_DIR));
  const perCluster = clusters.map(c => meshReleaseRequests(c, charts));
  const unique = new Map<string, ReleaseRequest>();
  const keyOf = (r: ReleaseRequest) => JSON.stringify(r);
  for (const req of perCluster.flatMap(r => releaseList(r))) if (!unique.has(keyOf(req))) unique.set(keyOf(req), req);
  const list = [...unique.values()];
  const rendered = await renderReleases(list, { helm, cache, warn: opts.warn, onHelmRenders: opts.onHelmRenders });
  const byKey = new Map(list.map((req, i) => [keyOf(req), rendered[i]]));
  // Each cluster's constructs get objects of their own (cdk8s resolves patches on copies today;
  // a shared object would tie every cluster to that detail), so a shared release is copied.
  const used = new Set<string>();
  const of = (req: ReleaseRequest): RenderedRelease => {
    const key = keyOf(req);
    const r = byKey.get(key)!;
    if (!used.has(key)) {
      used.add(key);
      return r;
    }
    return { ...r, documents: structuredClone(r.documents) };
  };
  return clusters.map((resolved, i) => {
    const requests = perCluster[i];
    const releases: MeshReleases<RenderedRelease> = {
      base: of(requests.base),
      istiods: requests.istiods.map(of),
      ...(requests.cni ? { cni: of(requests.cni) } : {}),
      ...(requests.ztunnel ? { ztunnel: of(requests.ztunnel) } : {}),
      gateways: requests.gateways.map(of),
    };
    // The Gateway API CRDs of the newest Istio release in use, as the CRDs come from it too.
    const crdRelease = charts.get(resolved.istioVersion)!;
    const gatewayApiCrds = resolved.gatewayApi ? readManifestFile(...gatewayApiFileOf(crdRelease), cache, opts.warn) : undefined;
    const egressGatewayIndex = resolved.gateways.findIndex(g => g.name === resolved.egress.gateway?.name);
    const egressGateway = egressGatewayIndex >= 0 && resolved.egress.hosts.length ? egressGatewayEndpoint(releases.gateways[egressGatewayIndex]) : undefined;
    return {
      settings: resolved, releases, extend: opts.extend,
      ...(egressGateway ? { egressGateway } : {}),
      ...(gatewayApiCrds ? { gatewayApiCrds: i > 0 ? structuredClone(gatewayApiCrds) : gatewayApiCrds } : {}),
    };
  });
}
