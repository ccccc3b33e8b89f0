#!/usr/bin/env bash
# `npm run test:k8s`: the tests that need a real Kubernetes control plane. Builds the binaries
# when they are missing (tools.sh; cached outside the repository), starts one control plane
# for the whole run (cluster.sh) in a temporary directory, runs the test files against it
# (each test works in namespaces of its own), and stops exactly what it started.
#
#   scripts/k8s/test.sh [test files…]   default: operator, control-plane, cross-package and helm k8s tests
set -euo pipefail
cd "$(dirname "$0")/../.."

bash scripts/k8s/tools.sh >/dev/null
dir=$(mktemp -d "${TMPDIR:-/tmp}/konsortium-k8s.XXXXXX")
cleanup() {
  bash scripts/k8s/cluster.sh stop "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
if ! bash scripts/k8s/cluster.sh start "$dir" >"$dir.log" 2>&1; then
  cat "$dir.log" >&2
  rm -f "$dir.log"
  exit 1
fi
rm -f "$dir.log"
eval "$(bash scripts/k8s/cluster.sh env "$dir")"
export KUBECONFIG PATH
export KONSORTIUM_K8S_DIR="$dir"

if [ $# -eq 0 ]; then
  set -- operator/test/k8s/*.test.ts control-plane/test/k8s/*.test.ts test/k8s/*.test.ts helm/test/*.test.ts
fi
files=()
for f in "$@"; do [ -e "$f" ] && files+=("$f"); done
TS_NODE_PROJECT=tsconfig.test.json npx tap --jobs=1 --timeout=600 "${files[@]}"
