import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeScratch, removeAbandonedScratch } from '../scratch';
import { describeSystemError, UserError } from '../user-error';
import { loadYaml11 } from '../manifests/yaml11';
import { HelmBinary } from './helm-binary';
import { helmTemplate } from './helm-process';
import { ReleaseRequest } from './release-request';
import { fileCacheKey, releaseCacheKey, RenderCache } from './render-cache';

/** One release, rendered (or read from the cache). */
export interface RenderedRelease {
  /** What was rendered. */
  readonly request: ReleaseRequest;
  /** The objects helm printed, parsed with YAML 1.1 as cdk8s reads them, empty documents dropped. */
  readonly documents: readonly object[];
  /** True when the documents came from the cache. */
  readonly fromCache: boolean;
}

/** How to render. */
export interface RenderOptions {
  /** The helm to run (identified: its version and digest are part of every cache key). */
  readonly helm: HelmBinary;
  /** The render cache. @default - none: every release is rendered */
  readonly cache?: RenderCache;
  /** Releases rendered at once. @default - the number of CPUs */
  readonly concurrency?: number;
  /** Where helm's private scratch folder is made (and removed). @default os.tmpdir() */
  readonly tmpdir?: string;
  /** Where a note goes when the cache cannot be written (rendering goes on without it). @default - nowhere */
  readonly warn?: (line: string) => void;
  /**
   * Told, before any helm process starts, how many releases helm will render (0: all from
   * the cache), so a caller can use the wait for work that only a fresh render needs.
   * @default - nobody
   */
  readonly onHelmRenders?: (count: number) => void;
}

function isEmptyDocument(obj: unknown): boolean {
  if (obj === undefined || obj === null) return true;
  if (Array.isArray(obj)) return obj.length === 0;
  return typeof obj === 'object' && Object.keys(obj as object).length === 0;
}

/** helm's output as cdk8s's Include reads it: every document, YAML 1.1, empty ones dropped. */
export function parseHelmOutput(text: string): object[] {
  return loadYaml11(text).filter(doc => !isEmptyDocument(doc)) as object[];
}

/** Parses one release's output; YAML that helm printed but nobody can read names the release. */
function parseRelease(req: ReleaseRequest, text: string): object[] {
  try {
    return parseHelmOutput(text);
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    throw new UserError(
      `helm template printed YAML that cannot be read for release ${req.releaseName} (chart ${req.chart}, namespace ${req.namespace}): ${reason}\n` +
      'Check the values given to this release in main.ts (values, images, gateways): a value can make a chart print, for example, a key twice.',
    );
  }
}

/** Runs cache work that may fail (a read-only or full disk) without failing the synth. */
function bestEffort(work: () => void, warn: ((line: string) => void) | undefined): void {
  try {
    work();
  } catch (err) {
    warn?.(`note: the render cache could not be written (${describeSystemError(err) ?? (err as Error).message}); rendering goes on without it`);
  }
}

/**
 * Runs `work` over `items` with at most `limit` at a time. Every item is finished (or
 * has failed) before this settles, so nothing still runs in a folder the caller is about
 * to remove; the first failure in input order is then thrown.
 */
async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const failures = new Map<number, unknown>();
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        await work(items[i]);
      } catch (err) {
        failures.set(i, err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.size) throw failures.get(Math.min(...failures.keys()));
}

/** Where helm's scratch folders go: `<tmpdir>/istio-cdk8s-helm-<pid>-…`. */
function helmScratchPrefix(tmpdir: string = os.tmpdir()): string {
  return path.join(tmpdir, 'istio-cdk8s-helm-');
}

/**
 * Renders releases: each is looked up in the cache by a digest of all its inputs; the
 * misses run helm concurrently (both cores work while helm renders) and are stored.
 * helm runs in a private scratch folder, removed when this returns or fails.
 */
export async function renderReleases(requests: readonly ReleaseRequest[], opts: RenderOptions): Promise<RenderedRelease[]> {
  const keys = requests.map(req => releaseCacheKey(opts.helm, req));
  const cached = keys.map(key => opts.cache?.read(key));
  const misses = requests.map((_, i) => i).filter(i => cached[i] === undefined);
  opts.onHelmRenders?.(misses.length);
  const rendered = new Map<number, object[]>();
  // What a killed render left behind goes first, whether this one runs helm or not.
  removeAbandonedScratch(helmScratchPrefix(opts.tmpdir));
  if (misses.length > 0) {
    const scratch = makeScratch(helmScratchPrefix(opts.tmpdir));
    // Also on Ctrl-C (commands exit through process.exit on SIGINT/SIGTERM, lib/command.ts):
    // helm processes still running are stopped, their folder removed.
    const running = new Set<ChildProcess>();
    const removeScratch = () => {
      for (const child of running) child.kill('SIGKILL');
      fs.rmSync(scratch, { recursive: true, force: true });
    };
    process.once('exit', removeScratch);
    try {
      const limit = opts.concurrency ?? Math.max(1, os.availableParallelism());
      // Identical requests (a fleet's clusters sharing a release) render once.
      const firstOfKey = new Map<string, Promise<object[]>>();
      await inPool(misses, limit, async i => {
        let pending = firstOfKey.get(keys[i]);
        if (!pending) {
          pending = helmTemplate(opts.helm, requests[i], scratch, running).then(text => parseRelease(requests[i], text));
          firstOfKey.set(keys[i], pending);
        }
        rendered.set(i, await pending);
      });
    } finally {
      process.removeListener('exit', removeScratch);
      removeScratch();
    }
    const cache = opts.cache;
    if (cache) {
      bestEffort(() => {
        for (const i of misses) cache.write(keys[i], rendered.get(i)!);
        cache.prune();
      }, opts.warn);
    }
  }
  return requests.map((request, i) => ({
    request,
    // A copy per release: constructs must not share (and patch) one object.
    documents: (cached[i] ?? structuredClone(rendered.get(i)!)) as object[],
    fromCache: cached[i] !== undefined,
  }));
}

/**
 * A vendored manifest file (the Gateway API CRDs), parsed as helm's output is, through
 * the cache: its key is the file's sha256 (verified against the lock by vendoring) and
 * the parsers' versions, so a 1 MB file is parsed once, not on every synth.
 */
export function readManifestFile(file: string, sha256: string, cache: RenderCache | undefined, warn?: (line: string) => void): object[] {
  const key = fileCacheKey(sha256);
  const cached = cache?.read(key);
  if (cached) return cached as object[];
  const documents = parseHelmOutput(fs.readFileSync(file, 'utf8'));
  if (cache) bestEffort(() => cache.write(key, documents), warn);
  return structuredClone(documents);
}
