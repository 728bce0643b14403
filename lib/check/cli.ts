import * as path from 'path';
import { parseArgs } from 'util';
import { PROJECT_ROOT } from '../project-root';
import { settings } from '../../main';
import { resolveSettings } from '../settings';
import { runMain, UserError } from '../user-error';
import { readLock } from '../vendor/lock';
import { checkManifestList, loadManifestFolder } from './check';
import { schemaVersionNote } from './kube-schema';
import { formatViolation } from './violation';

const USAGE = `usage: npm run check [-- <folder>]
  <folder>            manifest folder to check (default: dist)
Validates every object offline: Kubernetes schemas of built-in kinds, CRD schemas of custom
resources, and this project's structure rules (namespaces, CRD order, webhooks, scheduling,
pinned images) against the settings in main.ts. Exits 1 on any violation.`;

runMain(() => {
  let parsed: { values: { help?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n${USAGE}`);
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (parsed.positionals.length > 1) throw new UserError(`expected at most one folder, got ${parsed.positionals.length}\n${USAGE}`);
  const dir = path.resolve(parsed.positionals[0] ?? path.join(PROJECT_ROOT, 'dist'));
  const resolved = resolveSettings(settings, readLock(PROJECT_ROOT).istioVersion);
  const note = schemaVersionNote(resolved.kubeVersion);
  if (note) process.stderr.write(`note: ${note}\n`);

  const folder = loadManifestFolder(dir);
  const violations = checkManifestList(folder.manifests, resolved);
  for (const v of violations) process.stdout.write(`${formatViolation(v)}\n`);
  const name = path.relative(process.cwd(), dir) || '.';
  process.stdout.write(`check: ${folder.manifests.length} objects in ${folder.files.length} files of ${name}, ${violations.length} violation${violations.length === 1 ? '' : 's'}\n`);
  if (violations.length > 0) process.exitCode = 1;
});
