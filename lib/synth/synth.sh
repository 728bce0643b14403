#!/bin/sh
# The one synth command: `npm run synth`, `cdk8s synth` (cdk8s.yaml's app) and npm run
# diff's fresh synth all run it, from the project root. lib/synth/cli.ts (which reads
# main.ts) is bundled by esbuild (lib/synth/bundle.cjs) and run as plain JS, ~170 ms faster
# than a TypeScript loader; the source map lets an error in extend() name its line in
# main.ts. The bundle is made again unless every file it was made from, and the folders
# they are in, are as it recorded them (a digest: ~10 ms against ~80 ms of bundling);
# without sha256sum it is made every time. ISTIO_CDK8S_BUNDLE moves the bundle (diff
# bundles elsewhere).
set -e
here="$(dirname "$0")"
bundle="${ISTIO_CDK8S_BUNDLE:-.build/synth.js}"
inputs="$bundle.inputs"
if [ -f "$bundle" ] && [ -f "$inputs" ] && command -v sha256sum >/dev/null 2>&1; then
  want="$(head -n 1 "$inputs" 2>/dev/null)" || want=
  # As bundle.cjs computed it; a file or folder gone prints nothing (and fails, which set -e
  # must not take for the end of the listing), so the digest differs.
  have="$( { sed -n 's/^file //p' "$inputs" | tr '\n' '\0' | xargs -0 sha256sum 2>/dev/null || true
             sed -n 's/^folder //p' "$inputs" | while IFS= read -r d; do LC_ALL=C ls -A "$d" 2>/dev/null || true; done; } | sha256sum)" || have=
  if [ -n "$want" ] && [ "${have%% *}" = "$want" ]; then exec node "$bundle" "$@"; fi
fi
# esbuild also reads tsconfig.json, and its version is the lock's: files its inputs do not list.
node "$here/bundle.cjs" "$bundle" "$here/synth.sh" "$here/bundle.cjs" tsconfig.json package.json package-lock.json
exec node "$bundle" "$@"
