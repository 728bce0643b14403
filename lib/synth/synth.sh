#!/bin/sh
# The one synth command: `npm run synth`, `cdk8s synth` (cdk8s.yaml's app) and npm run
# diff's fresh synth all run it, from the project root. lib/synth/cli.ts (which reads
# main.ts) is bundled by esbuild (lib/synth/bundle.cjs) and run as plain JS, ~170 ms faster
# than a TypeScript loader; the source map lets an error in extend() name its line in
# main.ts. The bundle is made again only when a file it was made from changed (a digest of
# each, as the bundle recorded them: ~10 ms against ~80 ms of bundling); without sha256sum
# it is made every time. ISTIO_CDK8S_BUNDLE moves the bundle (diff bundles elsewhere, so a
# synth running at the same time never reads a half-written bundle).
set -e
here="$(dirname "$0")"
bundle="${ISTIO_CDK8S_BUNDLE:-.build/synth.js}"
inputs="$bundle.inputs"
if [ -f "$bundle" ] && [ -f "$inputs" ] && command -v sha256sum >/dev/null 2>&1; then
  want="$(head -n 1 "$inputs")"
  # A file gone prints nothing here, so the digest differs and the bundle is made again.
  have="$(tail -n +2 "$inputs" | tr '\n' '\0' | xargs -0 sha256sum 2>/dev/null | sha256sum)" || true
  if [ "${have%% *}" = "$want" ]; then exec node "$bundle" "$@"; fi
fi
# esbuild also reads tsconfig.json (compiler options), which its inputs do not list.
node "$here/bundle.cjs" "$bundle" "$here/synth.sh" "$here/bundle.cjs" tsconfig.json
exec node "$bundle" "$@"
