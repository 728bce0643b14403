// Bundles lib/synth/cli.ts (which reads main.ts) for lib/synth/synth.sh, and records what
// the bundle was made from, so synth.sh can tell a current bundle from a stale one without
// bundling again. Plain CommonJS: it runs before anything is compiled.
//
// usage: node lib/synth/bundle.cjs <bundle> [<file the build also depends on, if it exists>...]
//
// <bundle>.inputs: line 1 is the sha256 of `sha256sum <input>...`'s output, the other lines
// the inputs (every file esbuild read, and the extra files), as synth.sh re-hashes them.
'use strict';
const crypto = require('crypto');
const fs = require('fs');

const [bundle, ...extra] = process.argv.slice(2);
const inputsFile = `${bundle}.inputs`;
// From the project the command runs in, as node_modules/.bin/esbuild would be.
const esbuild = require(require.resolve('esbuild', { paths: [process.cwd()] }));

fs.rmSync(inputsFile, { force: true });
let result;
try {
  result = esbuild.buildSync({
    entryPoints: ['lib/synth/cli.ts'], bundle: true, platform: 'node', target: 'node20', packages: 'external',
    outfile: bundle, sourcemap: true, metafile: true, logLevel: 'silent',
  });
} catch (err) {
  // esbuild's own report is a framed, multi-line picture; the user gets one error line and each problem's place.
  const lines = ['error: main.ts (or a file it imports) does not compile, so nothing was written; fix the lines below and run npm run synth again:'];
  for (const e of err.errors ?? [{ text: String(err.message ?? err) }]) {
    lines.push(e.location ? `  ${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : `  ${e.text}`);
  }
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exit(1);
}

const inputs = [...Object.keys(result.metafile.inputs), ...extra.filter(f => fs.existsSync(f))].sort();
// A name sha256sum would escape cannot be re-hashed the same way: no record, so synth.sh always bundles.
if (inputs.every(f => !/[\n\\]/.test(f))) {
  const sha256 = data => crypto.createHash('sha256').update(data).digest('hex');
  const listing = inputs.map(f => `${sha256(fs.readFileSync(f))}  ${f}\n`).join('');
  fs.writeFileSync(inputsFile, `${sha256(listing)}\n${inputs.join('\n')}\n`);
}
