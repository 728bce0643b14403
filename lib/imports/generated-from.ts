import * as fs from 'fs';
import * as path from 'path';

/** The header line `npm run import` writes: which Istio release's CRDs a file comes from. */
const GENERATED_FROM = /of Istio (\S+)'s vendored base chart/;

/** The first bytes of a file (the generated classes run to megabytes; their header is what is read). */
function fileHead(file: string, bytes: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    return buffer.toString('utf8', 0, fs.readSync(fd, buffer, 0, bytes, 0));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A note when imports/ was generated from another Istio release than the lock pins
 * (after a version change and `npm run vendor` without `npm run import`): the classes may then
 * lack fields of the new CRDs, or name versions they no longer serve. Reads only the
 * first lines of each file, so synth can afford to ask every time.
 */
export function staleImportsNote(root: string, lockedIstioVersion: string): string | undefined {
  const dir = path.join(root, 'imports');
  if (!fs.existsSync(dir)) return undefined;
  const stale = fs.readdirSync(dir).filter(f => f.endsWith('.ts')).sort().filter(f => {
    const head = fileHead(path.join(dir, f), 400);
    const from = GENERATED_FROM.exec(head)?.[1];
    return from !== undefined && from !== lockedIstioVersion;
  });
  if (!stale.length) return undefined;
  return `imports/${stale.length === 1 ? stale[0] : `{${stale.join(',')}}`} come from another Istio release than the locked ${lockedIstioVersion}: run \`npm run import\` and commit imports/`;
}
