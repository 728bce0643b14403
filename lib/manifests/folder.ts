import * as fs from 'fs';
import { UserError } from '../user-error';
import { Manifest, manifestFiles, readManifests } from './read';

/** The manifests of a folder, as the readers (check, diff, apply) read them. */
export interface ManifestFolder {
  /** Manifest file names, in apply order. */
  readonly files: readonly string[];
  /** Every object of every file. */
  readonly manifests: readonly Manifest[];
}

/** Reads a manifest folder; a missing folder, no manifest files or unparsable YAML is a UserError. */
export function loadManifestFolder(dir: string): ManifestFolder {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UserError(`${dir} is not a folder; render it first with: npm run synth`);
  const files = manifestFiles(dir);
  if (files.length === 0) throw new UserError(`${dir} has no manifest files (*.yaml, *.yml); render them with: npm run synth`);
  try {
    return { files, manifests: readManifests(dir) };
  } catch (err) {
    throw new UserError(`cannot read ${dir}: ${(err as Error).message}`);
  }
}
