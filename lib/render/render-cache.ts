import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { HelmBinary } from './helm-binary';
import { helmTemplateArgs, ReleaseRequest } from './release-request';

/**
 * Changes whenever the meaning of an entry changes (key inputs, entry layout, how helm's
 * output is parsed): older entries then simply stop matching.
 */
export const CACHE_FORMAT = 1;

/** Where the cache lives below the project root, beside the extracted helm. */
export const CACHE_DIR = path.join('node_modules', '.cache', 'istio-cdk8s', 'renders');

/** Set to a non-empty value other than 0/false to bypass the cache (as `--no-cache` does). */
export const NO_CACHE_ENV = 'ISTIO_CDK8S_NO_CACHE';

/** Another cache folder (tests, benchmarks). */
export const CACHE_DIR_ENV = 'ISTIO_CDK8S_CACHE_DIR';

/** Upper bound on the cache's size; the least recently used entries go first. */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/**
 * JSON with object keys sorted, so equal values give equal text whatever their key order.
 * Values are first put through JSON exactly as the values file helm reads is written
 * (undefined keys dropped, toJSON applied, NaN as null), so the key describes what
 * helm sees, never a different serialisation of it.
 */
export function canonicalJson(value: unknown): string {
  const asHelmSees = JSON.stringify(value);
  return asHelmSees === undefined ? 'null' : sortedJson(JSON.parse(asHelmSees));
}

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value).sort().map(k => `${JSON.stringify(k)}:${sortedJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The cache key of a release: a digest of everything that can change what helm prints
 * for it: helm (version and binary digest), the chart (its files' digest), release name,
 * namespace, Kubernetes version, values, the exact flags, and the cache format. The
 * chart's folder is left out: the same chart vendored elsewhere renders the same.
 */
export function releaseCacheKey(helm: HelmBinary, req: ReleaseRequest): string {
  return sha256(canonicalJson({
    format: CACHE_FORMAT,
    parsers: PARSERS,
    helm: { version: helm.version, sha256: helm.sha256 },
    chart: req.chartSha256,
    releaseName: req.releaseName,
    namespace: req.namespace,
    kubeVersion: req.kubeVersion,
    values: req.values,
    flags: helmTemplateArgs({ ...req, chartDir: '<chart>' }, '<values>'),
  }));
}

/** Versions of the YAML parsers that give helm's output its meaning (lib/manifests/yaml11.ts). */
const PARSERS = [require('js-yaml/package.json').version, require('yaml/package.json').version].join('/');

/** Marks a number JSON cannot hold (NaN, ±Infinity, -0): YAML's `.nan`, `.inf` and `-0` must survive the cache. */
const SPECIAL_NUMBER = '\u0000number';

/** JSON.stringify that keeps NaN, ±Infinity and -0 (as tagged objects), for exact round trips. */
export function exactJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? { [SPECIAL_NUMBER]: Object.is(v, -0) ? '-0' : String(v) } : v));
}

/** JSON.parse for exactJson's text. */
export function parseExactJson(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) =>
    (v && typeof v === 'object' && SPECIAL_NUMBER in v ? Number((v as Record<string, string>)[SPECIAL_NUMBER]) : v));
}

/** The cache key of a parsed manifest file: its content's digest and how it is parsed. */
export function fileCacheKey(fileSha256: string): string {
  return sha256(canonicalJson({ format: CACHE_FORMAT, parsers: PARSERS, kind: 'manifest-file', sha256: fileSha256 }));
}

/** The first line of an entry: what the body must be. */
interface EntryHeader {
  readonly format: number;
  readonly key: string;
  readonly sha256: string;
}

/**
 * Entries by key, as files `<key>.json` in one folder: a header line (format, key,
 * digest of the body) and the body. Rendered releases store their parsed documents as
 * JSON (reading JSON is many times faster than parsing helm's YAML again); the manifest
 * writer stores the YAML text of unchanged files. Entries are written atomically and
 * verified on every read: a truncated, corrupt or foreign entry is a miss, never used.
 */
export class RenderCache {
  constructor(readonly dir: string, readonly maxBytes: number = DEFAULT_MAX_BYTES) {}

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  /** The text stored under `key`, if an intact entry is there. */
  readText(key: string): string | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.file(key), 'utf8');
    } catch {
      return undefined;
    }
    const newline = text.indexOf('\n');
    if (newline < 0) return undefined;
    try {
      const header = JSON.parse(text.slice(0, newline)) as EntryHeader;
      const body = text.slice(newline + 1);
      if (header.format !== CACHE_FORMAT || header.key !== key || header.sha256 !== sha256(body)) return undefined;
      this.touch(key);
      return body;
    } catch {
      return undefined;
    }
  }

  /** Marks an entry as used (pruning goes by modification time); a cache that cannot be touched still serves. */
  private touch(key: string): void {
    try {
      const now = new Date();
      fs.utimesSync(this.file(key), now, now);
    } catch {
      // read-only cache: pruning order is only a preference
    }
  }

  /** Stores text under `key`: written to a temporary file, then renamed into place. */
  writeText(key: string, body: string): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const header: EntryHeader = { format: CACHE_FORMAT, key, sha256: sha256(body) };
    const tmp = `${this.file(key)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    fs.writeFileSync(tmp, `${JSON.stringify(header)}\n${body}`);
    fs.renameSync(tmp, this.file(key));
  }

  /** The documents stored under `key`, if an intact entry holds a list of them. */
  read(key: string): unknown[] | undefined {
    const body = this.readText(key);
    if (body === undefined) return undefined;
    try {
      const documents = parseExactJson(body);
      return Array.isArray(documents) ? documents : undefined;
    } catch {
      return undefined;
    }
  }

  /** Stores documents under `key`. */
  write(key: string, documents: readonly unknown[]): void {
    this.writeText(key, exactJson(documents));
  }

  /**
   * Removes the least recently used entries until the cache fits in maxBytes, and
   * temporary files an interrupted write left (older than a minute).
   */
  prune(): void {
    let entries: Array<{ file: string; size: number; mtimeMs: number }>;
    try {
      entries = fs.readdirSync(this.dir).map(f => {
        const st = fs.statSync(path.join(this.dir, f));
        return { file: path.join(this.dir, f), size: st.size, mtimeMs: st.mtimeMs };
      });
    } catch {
      return;
    }
    const stale = entries.filter(e => !e.file.endsWith('.json') && Date.now() - e.mtimeMs > 60_000);
    for (const e of stale) fs.rmSync(e.file, { force: true });
    entries = entries.filter(e => e.file.endsWith('.json'));
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    for (const e of entries.sort((a, b) => a.mtimeMs - b.mtimeMs)) {
      if (total <= this.maxBytes) break;
      fs.rmSync(e.file, { force: true });
      total -= e.size;
    }
  }
}

/** The cache a synth uses: off when asked, else in `$ISTIO_CDK8S_CACHE_DIR` or below the project. */
export function projectRenderCache(root: string, env: NodeJS.ProcessEnv, noCache = false): RenderCache | undefined {
  const off = env[NO_CACHE_ENV];
  if (noCache || (off !== undefined && !['', '0', 'false'].includes(off.toLowerCase()))) return undefined;
  return new RenderCache(path.resolve(root, env[CACHE_DIR_ENV] || CACHE_DIR));
}
