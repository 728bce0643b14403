import * as fs from 'fs';
import * as path from 'path';
import { YAMLException } from 'js-yaml';
import { loadYaml11 } from './yaml11';

/** One Kubernetes object as read from a manifest file. */
export interface Manifest {
  /** File name, relative to the folder it was read from. */
  readonly file: string;
  /** Position of the document in its file, from 0. */
  readonly index: number;
  /** apiVersion. */
  readonly apiVersion: string;
  /** kind. */
  readonly kind: string;
  /** metadata.namespace, or '' for none. */
  readonly namespace: string;
  /** metadata.name. */
  readonly name: string;
  /** The whole object. */
  readonly object: { readonly [key: string]: any };
}

/** `kind/namespace/name` (namespace '-' when there is none): how messages name an object. */
export function objectRef(m: Pick<Manifest, 'kind' | 'namespace' | 'name'>): string {
  return `${m.kind}/${m.namespace || '-'}/${m.name}`;
}

/** The manifest files of a folder (*.yaml, *.yml), in name order, which is apply order. */
export function manifestFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter(f => /\.ya?ml$/.test(f)).sort();
}

/**
 * The manifest files of an output folder as paths below it: its own (`0000-….yaml`) and
 * those of its cluster folders (a fleet's `<cluster>/0000-….yaml`), in name order.
 */
export function outputManifestFiles(dir: string): string[] {
  const own = manifestFiles(dir);
  const clusters = fs.readdirSync(dir, { withFileTypes: true }).filter(e => e.isDirectory()).map(e => e.name).sort();
  return [...own, ...clusters.flatMap(c => manifestFiles(path.join(dir, c)).map(f => `${c}/${f}`))];
}

/**
 * Parses one YAML stream into manifests; empty documents are skipped. YAML 1.1 as
 * cdk8s writes it (lib/manifests/yaml11.ts): js-yaml parses the 1 MB of dist/ several times
 * faster than the `yaml` package.
 */
export function parseManifests(file: string, text: string): Manifest[] {
  let docs: unknown[];
  try {
    docs = loadYaml11(text);
  } catch (err) {
    if (!(err instanceof YAMLException)) throw err;
    const mark = (err as YAMLException & { mark?: { line: number; column: number } }).mark;
    const where = mark ? `line ${mark.line + 1}, column ${mark.column + 1}: ` : '';
    throw new Error(`${file}: ${where}${err.reason}`);
  }
  return manifestsOf(file, docs);
}

/** The manifests of one file's documents (as parsed, or as about to be written); empty documents are skipped. */
export function manifestsOf(file: string, docs: readonly unknown[]): Manifest[] {
  const out: Manifest[] = [];
  docs.forEach((object: any, index) => {
    if (object === null || object === undefined) return;
    out.push({
      file,
      index,
      apiVersion: String(object.apiVersion ?? ''),
      kind: String(object.kind ?? ''),
      namespace: String(object.metadata?.namespace ?? ''),
      name: String(object.metadata?.name ?? ''),
      object,
    });
  });
  return out;
}

/** Reads every manifest of a folder, file by file in apply order. */
export function readManifests(dir: string): Manifest[] {
  return manifestFiles(dir).flatMap(f => parseManifests(f, fs.readFileSync(path.join(dir, f), 'utf8')));
}
