import * as fs from 'fs';
import * as path from 'path';
import { objectKey, outputManifestFiles, parseManifests } from '../manifests';

/** What one synthesis changed in the output folder, object by object. */
export interface OutputChanges {
  /** Manifest files written. */
  readonly files: number;
  /** Objects written. */
  readonly objects: number;
  /** False when there was no previous output to compare with (first run, or `cdk8s synth`, which empties it first). */
  readonly hadPrevious: boolean;
  /** Objects whose content changed (or that moved to another file). */
  readonly changed: number;
  /** Objects that are new. */
  readonly added: number;
  /** Objects that are gone. */
  readonly removed: number;
}

interface Side {
  readonly bytes: ReadonlyMap<string, Buffer>;
}

/** The manifest files of an output folder and of its cluster folders (a fleet's), by relative path. */
function readSide(dir: string): Side {
  const bytes = new Map<string, Buffer>();
  if (fs.existsSync(dir)) for (const f of outputManifestFiles(dir)) bytes.set(f, fs.readFileSync(path.join(dir, f)));
  return { bytes };
}

/** Documents in a file cdk8s wrote: it separates them with `---` lines. */
function countDocuments(text: string): number {
  return text.split(/^---[ \t]*$/m).filter(d => d.trim() !== '').length;
}

/**
 * Compares a new output folder with the previous one. Files with the same bytes are not
 * parsed (a synth that changed nothing costs a byte comparison per file); the others are
 * parsed and matched by identity, so an object that moved between files counts once.
 */
export function compareOutputs(previousDir: string, nextDir: string): OutputChanges {
  const before = readSide(previousDir);
  const after = readSide(nextDir);
  let objects = 0;
  const oldObjects = new Map<string, string>();
  const newObjects = new Map<string, string>();
  /** Parses a file into `into` by identity; returns how many objects it holds (duplicates too). */
  const collect = (into: Map<string, string>, file: string, data: Buffer): number => {
    const manifests = parseManifests(file, data.toString('utf8'));
    // The same object in two clusters' folders is two objects.
    const cluster = path.dirname(file);
    for (const m of manifests) into.set(`${cluster}\0${objectKey(m)}`, `${file}\0${JSON.stringify(m.object)}`);
    return manifests.length;
  };
  for (const [file, data] of after.bytes) {
    const old = before.bytes.get(file);
    // Identical bytes, or nothing to compare with at all (a first synth): counting will do.
    if ((old && old.equals(data)) || before.bytes.size === 0) {
      objects += countDocuments(data.toString('utf8'));
      continue;
    }
    objects += collect(newObjects, file, data);
  }
  for (const [file, data] of before.bytes) {
    const next = after.bytes.get(file);
    if (!next || !next.equals(data)) collect(oldObjects, file, data);
  }
  let changed = 0;
  let added = 0;
  for (const [id, content] of newObjects) {
    const old = oldObjects.get(id);
    if (old === undefined) added++;
    else if (old !== content) changed++;
  }
  const removed = [...oldObjects.keys()].filter(id => !newObjects.has(id)).length;
  const hadPrevious = before.bytes.size > 0;
  return { files: after.bytes.size, objects, hadPrevious, changed, added: hadPrevious ? added : objects, removed };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What a synthesis did, for its summary line. */
export interface SynthSummary {
  /** Clusters rendered, in a fleet (each into a folder of its own). @default - one, into the folder itself */
  readonly clusters?: number;
  /** What changed in the output. */
  readonly changes: OutputChanges;
  /** Helm releases rendered or read. */
  readonly releases: number;
  /** Of those, read from the render cache. */
  readonly releasesFromCache: number;
}

/** `dist/: 5 files, 51 objects — 2 changed, 1 added; 3 of 4 releases from the cache (0.9 s)`. */
export function summaryLine(outdirName: string, s: SynthSummary, seconds: number): string {
  const c = s.changes;
  const parts = [c.changed && `${c.changed} changed`, c.added && `${c.added} added`, c.removed && `${c.removed} removed`].filter(Boolean);
  const what = !c.hadPrevious ? 'new' : parts.length ? parts.join(', ') : 'unchanged';
  const cache = `${s.releasesFromCache} of ${plural(s.releases, 'release')} from the cache`;
  const clusters = s.clusters !== undefined ? `${plural(s.clusters, 'cluster')}, ` : '';
  return `${outdirName}: ${clusters}${plural(c.files, 'file')}, ${plural(c.objects, 'object')} — ${what}; ${cache} (${seconds.toFixed(1)} s)`;
}
