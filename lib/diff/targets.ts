import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../user-error';
import { clusterSubset, diffManifestSets, FolderDiff, ManifestSet, parseManifestSet, readManifestFolder } from './folders';
import { withFreshSynth } from './fresh';
import { GitOptions, readCommittedFolder } from './git-ref';
import { DiffTarget } from './options';

/** A diff with the names of what was compared. */
export interface Comparison {
  /** The old side, as reports name it: `dist/ at HEAD (1a2b3c4)`, a folder. */
  readonly before: string;
  /** The new side: `dist/ in the working tree`, a folder. */
  readonly after: string;
  /** True when the new side is a fresh synthesis: the verdict is then "up to date" or "stale". */
  readonly fresh: boolean;
  /** What differs. */
  readonly diff: FolderDiff;
}

/** dist/ on disk, with an error that says how to make it when it is missing. */
function distFolder(root: string): string {
  const dist = path.join(root, 'dist');
  if (!fs.existsSync(dist)) throw new UserError(`no dist/ folder in ${root}: run \`npm run synth\` (and commit dist/)`);
  return dist;
}

/**
 * Reads both sides of `target` and compares them. `root` is the project folder: its
 * dist/, its git repository, and where synth runs; folders are taken as given
 * (relative ones from the process's working folder).
 */
export function compareTarget(target: DiffTarget, root: string, git: GitOptions = {}, cluster?: string): Comparison {
  // A fleet's output holds a folder per cluster; --cluster compares one of them.
  const pick = (set: ManifestSet, where: string) => (cluster === undefined ? set : clusterSubset(set, cluster, where));
  const inCluster = (name: string) => (cluster === undefined ? name : `${name}${cluster}/`);
  switch (target.kind) {
    case 'folders': {
      const diff = diffManifestSets(pick(readManifestFolder(target.before), target.before), pick(readManifestFolder(target.after), target.after));
      return { before: target.before, after: target.after, fresh: false, diff };
    }
    case 'ref': {
      // The working tree first: reading a commit is wasted when there is nothing to compare it with.
      const now = pick(readManifestFolder(distFolder(root)), 'dist/');
      const committed = readCommittedFolder(root, target.ref, 'dist', git);
      const before = `${inCluster('dist/')} at ${target.ref} (${committed.commit})`;
      return { before, after: `${inCluster('dist/')} in the working tree`, fresh: false, diff: diffManifestSets(pick(parseManifestSet(before, committed.files), before), now) };
    }
    case 'fresh': {
      // Checked first: a missing dist/ should fail before a synth that takes seconds.
      const dist = distFolder(root);
      const diff = withFreshSynth(root, fresh => diffManifestSets(pick(readManifestFolder(dist), 'dist/'), pick(readManifestFolder(fresh), 'a fresh synthesis')));
      return { before: inCluster('dist/'), after: 'a fresh synthesis', fresh: true, diff };
    }
  }
}
