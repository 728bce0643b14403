import * as fs from 'fs';
import * as path from 'path';
import { Manifest, outputManifestFiles, parseManifests } from '../manifests';
import { UserError } from '../user-error';
import { compareStrings, diffManifests, ObjectDiff } from './compare';
import { sameValue } from './fields';
import { analyseUpgrade, Upgrade } from './upgrade/analyse';
import { authorizationChanges, ClusterAuthorizationChanges } from './authorization';

/** Why a file present in both folders differs in bytes although no object in it changed. */
export type FileNoteKind = 'formatting only' | 'objects reordered';

/** A file whose bytes differ while its objects do not (or only in order). */
export interface FileNote {
  /** File name, relative to the folders. */
  readonly file: string;
  /** formatting only: same documents in the same order; objects reordered: same objects, other order. */
  readonly kind: FileNoteKind;
}

/** Everything that differs between two manifest folders. */
export interface FolderDiff {
  /** Manifest files only the new folder has. */
  readonly filesAdded: readonly string[];
  /** Manifest files only the old folder has. */
  readonly filesRemoved: readonly string[];
  /** Per-object differences, in file/position order. */
  readonly objects: readonly ObjectDiff[];
  /** Files that differ in bytes without any object difference to show for them. */
  readonly fileNotes: readonly FileNote[];
  /** Number of objects in the old folder. */
  readonly objectsBefore: number;
  /** Number of objects in the new folder. */
  readonly objectsAfter: number;
  /** What an Istio upgrade changes, section by section: set when the two sides are different Istio versions. */
  readonly upgrade?: Upgrade;
  /** How who may call whom changed (the AuthorizationPolicies' reachability matrix): set when it did. */
  readonly authorization?: readonly ClusterAuthorizationChanges[];
}

/** True when the two folders hold the same files with the same bytes. */
export function isIdentical(d: FolderDiff): boolean {
  return !d.filesAdded.length && !d.filesRemoved.length && !d.objects.length && !d.fileNotes.length;
}

/**
 * Manifest files by name with their bytes and parsed objects: a folder on disk, or a
 * folder as committed at a git ref.
 */
export interface ManifestSet {
  /** File names, in name (apply) order. */
  readonly files: readonly string[];
  /** Each file's bytes, compared to tell formatting-only changes. */
  readonly bytes: ReadonlyMap<string, Buffer>;
  /** Every object of every file, file by file. */
  readonly manifests: readonly Manifest[];
}

/**
 * Parses manifest files given as bytes. `where` names them in errors (a folder, or
 * `dist/ at HEAD (1a2b3c4)`).
 */
export function parseManifestSet(where: string, bytes: ReadonlyMap<string, Buffer>): ManifestSet {
  const files = [...bytes.keys()].sort(compareStrings);
  // A mistyped folder would otherwise report every object as added or removed.
  if (!files.length) throw new UserError(`no manifest files (*.yaml, *.yml) in ${where}`);
  let manifests: Manifest[];
  try {
    manifests = files.flatMap(f => parseManifests(f, bytes.get(f)!.toString('utf8')));
  } catch (err) {
    // yaml's messages go on with a code excerpt; the first line names file, document, line and column.
    const message = (err as Error).message.split('\n')[0].replace(/:$/, '');
    throw new UserError(`cannot parse manifests in ${where}: ${message}`);
  }
  return { files, bytes, manifests };
}

/** Reads the manifest files (*.yaml, *.yml) of a folder; each file is read once, for its bytes and its objects. */
export function readManifestFolder(dir: string): ManifestSet {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new UserError(`no such folder: ${dir}`);
  }
  if (!stat.isDirectory()) throw new UserError(`not a folder: ${dir}`);
  // A fleet's output: a folder per cluster, its files named `<cluster>/<file>`.
  return parseManifestSet(dir, new Map(outputManifestFiles(dir).map(f => [f, fs.readFileSync(path.join(dir, f))])));
}

/** The part of a set in one cluster's folder (`<cluster>/…`): empty when the cluster has no folder there. */
export function clusterSubset(set: ManifestSet, cluster: string): ManifestSet {
  const prefix = `${cluster}/`;
  const files = set.files.filter(f => f.startsWith(prefix));
  return { files, bytes: new Map(files.map(f => [f, set.bytes.get(f)!])), manifests: set.manifests.filter(m => m.file.startsWith(prefix)) };
}

function documentsOf(manifests: readonly Manifest[], file: string): unknown[] {
  return manifests.filter(m => m.file === file).map(m => m.object);
}

/**
 * Compares two manifest sets: object by object, and file by file in bytes, so a
 * formatting-only change (same objects, other bytes) still counts: dist/ must be
 * byte-identical to what synth writes.
 */
export function diffManifestSets(a: ManifestSet, b: ManifestSet): FolderDiff {
  const objects = diffManifests(a.manifests, b.manifests);
  const upgrade = analyseUpgrade(a.manifests, b.manifests);
  const authorization = objects.length ? authorizationChanges(a.manifests, b.manifests) : undefined;
  const touched = new Set(objects.flatMap(o => (o.movedFrom ? [o.file, o.movedFrom] : [o.file])));
  const fileNotes: FileNote[] = [];
  for (const file of b.files) {
    const old = a.bytes.get(file);
    if (!old || old.equals(b.bytes.get(file)!) || touched.has(file)) continue;
    const same = sameValue(documentsOf(a.manifests, file), documentsOf(b.manifests, file));
    fileNotes.push({ file, kind: same ? 'formatting only' : 'objects reordered' });
  }
  return {
    filesAdded: b.files.filter(f => !a.bytes.has(f)).sort(compareStrings),
    filesRemoved: a.files.filter(f => !b.bytes.has(f)).sort(compareStrings),
    objects,
    fileNotes,
    objectsBefore: a.manifests.length,
    objectsAfter: b.manifests.length,
    ...(upgrade ? { upgrade } : {}),
    ...(authorization ? { authorization } : {}),
  };
}

/** Compares two manifest folders (see diffManifestSets). */
export function diffFolders(beforeDir: string, afterDir: string): FolderDiff {
  return diffManifestSets(readManifestFolder(beforeDir), readManifestFolder(afterDir));
}
