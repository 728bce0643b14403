import * as fs from 'fs';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';

/** The environment variable that replaces the lock's chart sources with one folder or URL. */
export const MIRROR_ENV = 'ISTIO_CHARTS_MIRROR';

/** The environment variable that replaces the lock's Gateway API sources with one folder or URL. */
export const GATEWAY_API_MIRROR_ENV = 'ISTIO_GATEWAY_API_MIRROR';

/** The environment variable that replaces the lock's tool CRD sources (cert-manager, External Secrets, …) with one folder or URL. */
export const TOOL_CRDS_MIRROR_ENV = 'ISTIO_TOOL_CRDS_MIRROR';

/** What a repository's index.yaml says about one chart version. */
export interface IndexEntry {
  /** sha256 of the archive, hex, if the index has one. */
  readonly digest?: string;
  /** Where the archive is, resolved against the repository. */
  readonly url: string;
}

/** A Helm chart repository: a folder or an HTTP(S) URL holding index.yaml and archives. */
export interface ChartSource {
  /** How the source is named in messages and in the lock. */
  readonly name: string;
  /** Reads the repository's index.yaml. */
  readIndex(): Promise<string>;
  /** Reads an archive named by the index (relative to the repository, or absolute). */
  readArchive(url: string): Promise<Buffer>;
}

/** A source that could not answer: the next source is tried. */
export class SourceUnavailable extends Error {}

const FETCH_TIMEOUT_MS = 60_000;

class FolderSource implements ChartSource {
  constructor(readonly name: string, private readonly dir: string) {}

  async readIndex(): Promise<string> {
    return this.read('index.yaml').toString('utf8');
  }

  async readArchive(url: string): Promise<Buffer> {
    if (/^[a-z]+:\/\//i.test(url)) throw new SourceUnavailable(`its index.yaml points at ${url}, outside the folder`);
    return this.read(url);
  }

  private read(rel: string): Buffer {
    return readSourceFile(path.resolve(this.dir, rel));
  }
}

/** Reads a file of a folder source; a SourceUnavailable naming it when it cannot. */
export function readSourceFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new SourceUnavailable(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** GETs a URL of an HTTP(S) source; a SourceUnavailable naming it when it cannot be reached or does not answer 200. */
export async function httpGet(url: string): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: Error }).cause;
    throw new SourceUnavailable(`cannot reach ${url} (${cause?.message ?? (err as Error).message})`);
  }
  if (!res.ok) throw new SourceUnavailable(`${url} answered HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** Whether a source spec is an HTTP(S) URL (else a folder relative to the project root). */
export function isUrl(spec: string): boolean {
  return /^https?:\/\//i.test(spec);
}

class HttpSource implements ChartSource {
  private readonly base: string;
  constructor(readonly name: string) {
    this.base = name.endsWith('/') ? name : `${name}/`;
  }

  async readIndex(): Promise<string> {
    return (await this.get(new URL('index.yaml', this.base).href)).toString('utf8');
  }

  async readArchive(url: string): Promise<Buffer> {
    return this.get(new URL(url, this.base).href);
  }

  private get(url: string): Promise<Buffer> {
    return httpGet(url);
  }
}

/** Opens a source: an http(s) URL, or a folder relative to the project root. */
export function openSource(spec: string, root: string): ChartSource {
  if (isUrl(spec)) return new HttpSource(spec);
  return new FolderSource(spec, path.resolve(root, spec));
}

/** The sources to try, in order: the mirror variable (ISTIO_CHARTS_MIRROR by default) if set, else the lock's list. */
export function sourceList(lockSources: readonly string[], env: NodeJS.ProcessEnv, variable: string = MIRROR_ENV): readonly string[] {
  const mirror = env[variable]?.trim();
  return mirror ? [mirror] : lockSources;
}

/** Finds one chart version in an index.yaml. */
export function findInIndex(indexYaml: string, chart: string, version: string): IndexEntry | undefined {
  let index: { entries?: Record<string, Array<{ version?: string; digest?: string; urls?: string[] }>> };
  try {
    index = parseYaml(indexYaml);
  } catch (err) {
    throw new SourceUnavailable(`its index.yaml is not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  const entry = index?.entries?.[chart]?.find(e => String(e.version) === version);
  const url = entry?.urls?.[0];
  if (!entry || !url) return undefined;
  return { digest: entry.digest, url };
}
