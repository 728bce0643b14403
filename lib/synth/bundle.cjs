// Bundles lib/synth/cli.ts (which reads main.ts) for lib/synth/synth.sh, and records what
// the bundle was made from, so synth.sh can tell a current bundle from a stale one without
// bundling again. Plain CommonJS: it runs before anything is compiled.
//
// usage: node lib/synth/bundle.cjs <bundle> [<file the build also depends on>...]
//
// <bundle>.inputs, written last: line 1 is the sha256 of what synth.sh re-computes (the
// output of `sha256sum <file>...`, then of `ls -A <folder>` for each folder), the other
// lines `file <path>` and `folder <path>`. The folders are those of the project's own
// inputs: a file added there can change what an import resolves to.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const [bundle, ...extra] = process.argv.slice(2);
const inputsFile = `${bundle}.inputs`;
// From the project the command runs in, as node_modules/.bin/esbuild would be.
const esbuild = require(require.resolve('esbuild', { paths: [process.cwd()] }));

fs.rmSync(inputsFile, { force: true });
// A file changed from this moment on may not be what esbuild read: then nothing is recorded,
// and the next synth bundles again. The moment is a file's own change time, so it is read
// off the same clock, with the same granularity, as the inputs' (a tie counts as a change).
const marker = `${bundle}.started-${process.pid}`;
fs.mkdirSync(path.dirname(marker), { recursive: true });
fs.writeFileSync(marker, '');
const started = fs.statSync(marker, { bigint: true }).ctimeNs;
fs.rmSync(marker);
let result;
try {
  result = esbuild.buildSync({
    entryPoints: ['lib/synth/cli.ts'], bundle: true, platform: 'node', target: 'node20', packages: 'external',
    outfile: bundle, sourcemap: 'external', metafile: true, write: false, logLevel: 'silent',
  });
} catch (err) {
  // esbuild's own report is a framed, multi-line picture; the user gets one error line and each problem's place.
  const lines = ['error: main.ts (or a file it imports) does not compile, so nothing was written; fix the lines below and run npm run synth again:'];
  const errors = err.errors && err.errors.length ? err.errors : [{ text: String(err.message || err) }];
  for (const e of errors) lines.push(e.location ? `  ${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : `  ${e.text}`);
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exit(1);
}

/** Writes a file whole or not at all: a synth starting meanwhile never runs half a bundle. */
function replace(file, contents) {
  const scratch = `${file}.tmp-${process.pid}`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(scratch, contents);
  fs.renameSync(scratch, file);
}

// The source map first (an error in extend() is placed through it), then the bundle.
for (const out of [...result.outputFiles].sort((a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')))) replace(out.path, out.contents);

const sha256 = data => crypto.createHash('sha256').update(data).digest('hex');
const files = [...new Set([...Object.keys(result.metafile.inputs), ...extra])].sort();
const folders = [...new Set(Object.keys(result.metafile.inputs).map(f => path.dirname(f)))].sort();
const record = () => {
  // A name sha256sum or ls would escape cannot be re-computed the same way: nothing recorded.
  if ([...files, ...folders].some(f => /[\n\\]/.test(f))) return undefined;
  let listing = '';
  for (const f of files) {
    // A missing file prints nothing in sha256sum's output, here as there: made later, it changes the digest.
    if (!fs.existsSync(f)) continue;
    if (fs.statSync(f, { bigint: true }).ctimeNs >= started) return undefined;
    listing += `${sha256(fs.readFileSync(f))}  ${f}\n`;
  }
  for (const d of folders) {
    const names = fs.readdirSync(d).map(n => Buffer.from(n)).sort(Buffer.compare).map(b => b.toString());
    listing += names.map(n => `${n}\n`).join('');
  }
  return `${sha256(listing)}\n${files.map(f => `file ${f}`).join('\n')}\n${folders.map(d => `folder ${d}`).join('\n')}\n`;
};
let text;
try {
  text = record();
} catch {
  // An input gone meanwhile: nothing recorded, the next synth bundles again.
}
if (text !== undefined) replace(inputsFile, text);
