import * as fs from 'fs';
import * as path from 'path';
import { DELIVERY_FOLDER } from '../manifests/delivery-folder';
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
  // A fleet's output holds a folder per cluster; --cluster compares one of them. A cluster
  // on one side only (added or removed by the change) is compared with nothing. The
  // delivery folder is no cluster's: it is compared with the rest, without --cluster.
  if (cluster === DELIVERY_FOLDER) {
    throw new UserError(`--cluster ${DELIVERY_FOLDER}: ${DELIVERY_FOLDER}/ holds the Argo CD or Flux objects that apply the clusters' folders, not a cluster's folder; npm run diff without --cluster compares it with the rest`);
  }
  const pair = (a: ManifestSet, aWhere: string, b: ManifestSet, bWhere: string): [ManifestSet, ManifestSet] => {
    if (cluster === undefined) return [a, b];
    const [x, y] = [clusterSubset(a, cluster), clusterSubset(b, cluster)];
    if (!x.files.length && !y.files.length) {
      const clusters = [...new Set([...a.files, ...b.files].filter(f => f.includes('/')).map(f => f.split('/')[0]))].filter(c => c !== DELIVERY_FOLDER).sort();
      throw new UserError(`no cluster ${cluster} in ${aWhere} nor in ${bWhere} (${clusters.length ? `clusters: ${clusters.join(', ')}` : 'they hold one cluster\'s files, not a folder per cluster'})`);
    }
    return [x, y];
  };
  const inCluster = (name: string) => (cluster === undefined ? name : `${name}${cluster}/`);
  switch (target.kind) {
    case 'folders': {
      const diff = diffManifestSets(...pair(readManifestFolder(target.before), target.before, readManifestFolder(target.after), target.after));
      const named = (dir: string) => (cluster === undefined ? dir : `${path.join(dir, cluster)}/`);
      return { before: named(target.before), after: named(target.after), fresh: false, diff };
    }
    case 'ref': {
      // The working tree first: reading a commit is wasted when there is nothing to compare it with.
      const now = readManifestFolder(distFolder(root));
      const committed = readCommittedFolder(root, target.ref, 'dist', git);
      const where = `dist/ at ${target.ref} (${committed.commit})`;
      const [before, after] = pair(parseManifestSet(where, committed.files), where, now, 'dist/ in the working tree');
      return { before: `${inCluster('dist/')} at ${target.ref} (${committed.commit})`, after: `${inCluster('dist/')} in the working tree`, fresh: false, diff: diffManifestSets(before, after) };
    }
    case 'fresh': {
      // Checked first: a missing dist/ should fail before a synth that takes seconds.
      const dist = distFolder(root);
      const diff = withFreshSynth(root, fresh => diffManifestSets(...pair(readManifestFolder(dist), 'dist/', readManifestFolder(fresh), 'a fresh synthesis')));
      return { before: inCluster('dist/'), after: 'a fresh synthesis', fresh: true, diff };
    }
  }
}
