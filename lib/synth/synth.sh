#!/bin/sh
# The one synth command: `npm run synth`, `cdk8s synth` (cdk8s.yaml's app) and npm run
# diff's fresh synth all run it, from the project root. lib/synth/cli.ts (which reads
# main.ts) is bundled by esbuild (~15 ms, always from the current sources) and run as
# plain JS, ~170 ms faster than a TypeScript loader; the source map lets an error in
# extend() name its line in main.ts. ISTIO_CDK8S_BUNDLE moves the bundle (diff bundles
# elsewhere, so a synth running at the same time never reads a half-written bundle).
set -e
bundle="${ISTIO_CDK8S_BUNDLE:-.build/synth.js}"
# esbuild's report of code it cannot parse or resolve (a syntax error in main.ts) is a
# framed, multi-line picture; the user gets one error line and each problem's place.
if ! problems="$(node_modules/.bin/esbuild lib/synth/cli.ts --bundle --platform=node --target=node20 --packages=external \
  --outfile="$bundle" --sourcemap --log-level=error --color=false 2>&1)"; then
  printf '%s\n' "$problems" | awk '
    BEGIN { print "error: main.ts (or a file it imports) does not compile, so nothing was written; fix the lines below and run npm run synth again:" }
    /\[ERROR\] / { sub(/^.*\[ERROR\] /, ""); message = $0; next }
    message != "" && /^    [^ ].*:[0-9]+:[0-9]+:$/ { sub(/^ +/, ""); print "  " $0 " " message; message = ""; next }
    END { if (message != "") print "  " message }
  ' >&2
  exit 1
fi
exec node "$bundle" "$@"
