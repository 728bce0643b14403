#!/usr/bin/env bash
# End-to-end on a local kind cluster (needs Docker, kind, kubectl and the internet for
# images; not part of CI, which has none of them). Applies dist/ with npm run apply, then
# proves on the wire what the offline tests cannot:
#   1. a plaintext request from a pod outside the mesh to a meshed httpbin is refused
#      under STRICT (and accepted with PERMISSIVE, when E2E_MTLS=PERMISSIVE and main.ts
#      says mtls: 'PERMISSIVE');
#   2. a request from a meshed pod succeeds over mTLS: httpbin sees the caller's SPIFFE
#      identity in X-Forwarded-Client-Cert (the proxies' own view).
# Usage: test/e2e/kind-mtls.sh            (KEEP=1 keeps the cluster for a look around)
set -euo pipefail
cd "$(dirname "$0")/../.."

cluster="${CLUSTER:-istio-cdk8s-e2e}"
context="kind-$cluster"
expect="${E2E_MTLS:-STRICT}"
for tool in docker kind kubectl; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found on PATH (this script needs Docker, kind and kubectl)" >&2; exit 2; }
done

cleanup() { [ "${KEEP:-}" = 1 ] || kind delete cluster --name "$cluster" >/dev/null 2>&1 || true; }
trap cleanup EXIT

kind create cluster --name "$cluster" --wait 120s
k() { kubectl --context "$context" "$@"; }

# Istio workloads are scheduled by the settings' nodeSelector: give the kind node every
# label dist/ asks for (kind nodes have no taints, so tolerations need nothing).
node -e '
  const fs = require("fs"), path = require("path"), yaml = require("yaml");
  const labels = {};
  const walk = o => { if (o && typeof o === "object") { if (o.nodeSelector && typeof o.nodeSelector === "object") Object.assign(labels, o.nodeSelector); Object.values(o).forEach(walk); } };
  for (const f of fs.readdirSync("dist")) for (const d of yaml.parseAllDocuments(fs.readFileSync(path.join("dist", f), "utf8"))) walk(d.toJSON());
  delete labels["kubernetes.io/os"];
  console.log(Object.entries(labels).map(([k, v]) => `${k}=${v}`).join("\n"));
' | while read -r label; do [ -n "$label" ] && k label node --all --overwrite "$label"; done

npm run apply -- --context "$context"

# The first app namespace of dist/ (labelled for injection by the apps stage).
ns="$(node -e '
  const fs = require("fs"), yaml = require("yaml");
  const f = fs.readdirSync("dist").find(n => n.endsWith("-apps.k8s.yaml"));
  const first = yaml.parseAllDocuments(fs.readFileSync("dist/" + f, "utf8")).map(d => d.toJSON()).find(o => o && o.kind === "Namespace");
  console.log(first ? first.metadata.name : "");
')"
[ -n "$ns" ] || { echo "error: dist/ has no app namespace; add one to appNamespaces in main.ts" >&2; exit 1; }

k -n "$ns" create deployment httpbin --image=docker.io/mccutchen/go-httpbin:v2.15.0 --port=8080
k -n "$ns" expose deployment httpbin --port=8000 --target-port=8080
k -n "$ns" create deployment client --image=docker.io/curlimages/curl:8.10.1 -- sleep 3600
k create namespace outside
k -n outside create deployment client --image=docker.io/curlimages/curl:8.10.1 -- sleep 3600
for target in "$ns/httpbin" "$ns/client" "outside/client"; do
  k -n "${target%/*}" rollout status "deployment/${target#*/}" --timeout=180s
done

url="http://httpbin.$ns:8000/headers"
status() { k -n "$1" exec deploy/client -c curl -- curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$url" || true; }

outside="$(status outside)"
if [ "$expect" = STRICT ]; then
  # Refused by mTLS is a reset connection (no HTTP status: 000); a 403 would be authorization's answer, not mTLS's.
  case "$outside" in 000|'') ;; *) echo "FAIL: plaintext from outside the mesh got HTTP $outside under STRICT (expected a reset connection)" >&2; exit 1 ;; esac
  echo "ok: plaintext from outside the mesh refused under STRICT (connection reset, no HTTP status)"
else
  [ "$outside" = 200 ] || { echo "FAIL: plaintext from outside the mesh got ${outside:-no answer} under PERMISSIVE" >&2; exit 1; }
  echo "ok: plaintext from outside the mesh accepted under PERMISSIVE"
fi

xfcc="$(k -n "$ns" exec deploy/client -c curl -- curl -s --max-time 10 "$url")"
echo "$xfcc" | grep -q "spiffe://cluster.local/ns/$ns/sa/default" \
  || { echo "FAIL: httpbin saw no SPIFFE identity of the caller: $xfcc" >&2; exit 1; }
echo "ok: meshed client reached httpbin over mTLS (X-Forwarded-Client-Cert names spiffe://cluster.local/ns/$ns/sa/default)"
echo "PASS"
