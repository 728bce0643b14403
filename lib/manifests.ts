import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

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

/** Parses one YAML stream into manifests; empty documents are skipped. */
export function parseManifests(file: string, text: string): Manifest[] {
  const out: Manifest[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    if (doc.errors.length) throw new Error(`${file}: document ${index}: ${doc.errors[0].message}`);
    const object = doc.toJSON();
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
