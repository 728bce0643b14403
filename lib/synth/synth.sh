#!/bin/sh
# The one synth command: `npm run synth`, `cdk8s synth` (cdk8s.yaml's app) and npm run
# diff's fresh synth all run it, from the project root. lib/synth/cli.ts (which reads
# main.ts) is bundled by esbuild (~15 ms, always from the current sources) and run as
# plain JS, ~170 ms faster than a TypeScript loader; the source map lets an error in
# extend() name its line in main.ts. ISTIO_CDK8S_BUNDLE moves the bundle (diff bundles
# elsewhere, so a synth running at the same time never reads a half-written bundle).
set -e
bundle="${ISTIO_CDK8S_BUNDLE:-.build/synth.js}"
node_modules/.bin/esbuild lib/synth/cli.ts --bundle --platform=node --target=node20 --packages=external \
  --outfile="$bundle" --sourcemap --log-level=warning
exec node "$bundle" "$@"
