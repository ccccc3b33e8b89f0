#!/usr/bin/env bash
# scripts/k8s/tools.sh — build (only when missing) and cache the binaries of a real,
# Docker-free Kubernetes control plane for tests: kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl (all from k8s.io/kubernetes), etcd, kwok and helm.
#
# Binaries are built from Go modules through the Go module proxy and cached OUTSIDE the
# repository in ${KONSORTIUM_CACHE:-$HOME/.cache/konsortium}/k8s/<K8S_VERSION>/bin/.
# They are NEVER committed. A second run with everything cached does nothing (< 1 s).
#
# Usage: scripts/k8s/tools.sh            # build what is missing, print the bin dir
#        scripts/k8s/tools.sh --bin-dir  # only print the bin dir
set -euo pipefail

# ---- pinned versions ------------------------------------------------------------------
K8S_VERSION="${K8S_VERSION:-v1.33.13}"     # k8s.io/kubernetes (staging modules: v0.33.13)
ETCD_VERSION="${ETCD_VERSION:-v3.5.35}"    # go.etcd.io/etcd/server/v3
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"     # sigs.k8s.io/kwok
HELM_VERSION="${HELM_VERSION:-v3.22.0}"    # helm.sh/helm/v3
# ----------------------------------------------------------------------------------------

CACHE_ROOT="${KONSORTIUM_CACHE:-$HOME/.cache/konsortium}/k8s/${K8S_VERSION}"
BIN_DIR="$CACHE_ROOT/bin"

if [[ "${1:-}" == "--bin-dir" ]]; then echo "$BIN_DIR"; exit 0; fi

K8S_MAJOR="${K8S_VERSION#v}"; K8S_MAJOR="${K8S_MAJOR%%.*}"
K8S_MINOR="${K8S_VERSION#v*.}"; K8S_MINOR="${K8S_MINOR%%.*}"
K8S_BINS=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
ALL_BINS=("${K8S_BINS[@]}" etcd kwok helm)

# Fast path: everything present -> nothing to do. A stamp records the other versions,
# so changing ETCD/KWOK/HELM_VERSION rebuilds those.
stamp_ok() { [[ -x "$BIN_DIR/$1" && "$(cat "$BIN_DIR/.$1.version" 2>/dev/null)" == "$2" ]]; }
want_version() {
  case "$1" in
    etcd) echo "$ETCD_VERSION" ;; kwok) echo "$KWOK_VERSION" ;; helm) echo "$HELM_VERSION+kube$K8S_MAJOR.$K8S_MINOR" ;;
    *) echo "$K8S_VERSION" ;;
  esac
}
missing=()
for b in "${ALL_BINS[@]}"; do stamp_ok "$b" "$(want_version "$b")" || missing+=("$b"); done
SHARE_DIR="$CACHE_ROOT/share/kwok" # kwok Stage configs (node/pod/volume lifecycle) from its module
[[ "$(cat "$SHARE_DIR/.version" 2>/dev/null)" == "$KWOK_VERSION" ]] || missing+=(kwok-stages)
if [[ ${#missing[@]} -eq 0 ]]; then echo "$BIN_DIR"; exit 0; fi

# Go from its standard install location when it is not on PATH.
command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && export PATH="$PATH:/usr/local/go/bin"; }
command -v go >/dev/null || { echo "tools.sh: go is required (https://go.dev/doc/install)" >&2; exit 1; }
mkdir -p "$BIN_DIR"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/konsortium-k8s-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

export CGO_ENABLED=0 GOWORK=off GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"
BUILD_FLAGS=(-trimpath)
log() { echo "tools.sh: $*" >&2; }
total_start=$SECONDS

finish() { # name version seconds
  echo "$2" > "$BIN_DIR/.$1.version"
  log "built $1 $2 in $3 s ($(du -h "$BIN_DIR/$1" | cut -f1))"
}

needs() { local b; for b in "${missing[@]}"; do [[ "$b" == "$1" ]] && return 0; done; return 1; }

# ---- k8s.io/kubernetes: throwaway module replacing the staging modules ------------------
k8s_needed=()
for b in "${K8S_BINS[@]}"; do needs "$b" && k8s_needed+=("$b"); done
if [[ ${#k8s_needed[@]} -gt 0 ]]; then
  mod="$WORK/k8s"; mkdir -p "$mod"
  staging_version="v0.${K8S_VERSION#v1.}"
  log "reading staging module list of k8s.io/kubernetes@$K8S_VERSION"
  gomod="$(cd "$mod" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" \
    | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
  [[ -f "$gomod" ]] || { log "could not download k8s.io/kubernetes@$K8S_VERSION"; exit 1; }
  {
    echo "module konsortium.local/k8sbuild"
    echo
    echo "go $(sed -n 's/^go \([0-9.]*\)$/\1/p' "$gomod" | head -1)"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    sed -n 's#^[[:space:]]*\(k8s.io/[A-Za-z0-9._-]*\) => ./staging/src/.*$#\1#p' "$gomod" \
      | while read -r m; do echo "	$m => $m $staging_version"; done
    echo ")"
  } > "$mod/go.mod"
  ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=$K8S_MAJOR -X $p.gitMinor=$K8S_MINOR"
    ld+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  for b in "${k8s_needed[@]}"; do
    t=$SECONDS; log "building $b $K8S_VERSION ..."
    (cd "$mod" && go build "${BUILD_FLAGS[@]}" -ldflags="$ld" -o "$BIN_DIR/$b.tmp" "k8s.io/kubernetes/cmd/$b")
    mv "$BIN_DIR/$b.tmp" "$BIN_DIR/$b"; finish "$b" "$K8S_VERSION" $((SECONDS - t))
  done
fi

# ---- etcd: tiny main module around etcdmain (server/v3's go.mod has replace lines) -----
if needs etcd; then
  t=$SECONDS; log "building etcd $ETCD_VERSION ..."
  mod="$WORK/etcd"; mkdir -p "$mod"
  cat > "$mod/go.mod" <<GOMOD
module konsortium.local/etcdbuild

go 1.23

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
GOMOD
  cat > "$mod/main.go" <<'GOSRC'
// Command etcd: go.etcd.io/etcd/server/v3 wrapped in a main package.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GOSRC
  (cd "$mod" && go mod tidy >/dev/null 2>&1 || true)
  (cd "$mod" && go build "${BUILD_FLAGS[@]}" -ldflags="-s -w" -o "$BIN_DIR/etcd.tmp" .)
  mv "$BIN_DIR/etcd.tmp" "$BIN_DIR/etcd"; finish etcd "$ETCD_VERSION" $((SECONDS - t))
fi

# ---- kwok and helm: plain go install into a temp GOBIN --------------------------------
gobuild_install() { # name pkg@version version ldflags
  local t=$SECONDS; log "building $1 $3 ..."
  GOBIN="$WORK/gobin" go install "${BUILD_FLAGS[@]}" -ldflags="$4" "$2"
  mv "$WORK/gobin/$1" "$BIN_DIR/$1"; finish "$1" "$3" $((SECONDS - t))
}
needs kwok && gobuild_install kwok "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "$KWOK_VERSION" \
  "-s -w"
# helm's Makefile sets the Kubernetes version that offline `helm template`/`helm lint` assume
# (.Capabilities.KubeVersion, chart kubeVersion checks); without it a source build says v1.20.
# We pin it to K8S_VERSION's minor so offline rendering matches the test cluster.
HELM_LD="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for p in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
  HELM_LD+=" -X $p.k8sVersionMajor=$K8S_MAJOR -X $p.k8sVersionMinor=$K8S_MINOR"
done
needs helm && gobuild_install helm "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" \
  "$(want_version helm)" "$HELM_LD"

# ---- kwok stage configs: kwok ships no default stages; kwokctl embeds these same files ---
if needs kwok-stages; then
  kdir="$(cd "$WORK" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
  st="$kdir/kustomize/stage"
  [[ -d "$st" ]] || { log "no kwok stage dir in $kdir"; exit 1; }
  mkdir -p "$SHARE_DIR"
  cat_yaml() { local f; for f in "$@"; do echo "---"; cat "$f"; echo; done; }
  cat_yaml "$st/node/fast/node-initialize.yaml" "$st/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
    "$st/pod/fast/pod-ready.yaml" "$st/pod/fast/pod-complete.yaml" "$st/pod/fast/pod-delete.yaml" \
    > "$SHARE_DIR/stages.yaml"
  cat_yaml "$st/volume/fast/pvc-provision.yaml" "$st/volume/fast/pv-bind.yaml" \
    "$st/volume/fast/pv-delete.yaml" "$st/volume/fast/pvc-delete.yaml" > "$SHARE_DIR/volume-stages.yaml"
  cat "$st/volume/fast/storage-class.yaml" > "$SHARE_DIR/storage-class.yaml" # module cache is read-only
  echo "$KWOK_VERSION" > "$SHARE_DIR/.version"
  log "copied kwok $KWOK_VERSION stage configs to $SHARE_DIR"
fi

log "done in $((SECONDS - total_start)) s; cache: $(du -sh "$CACHE_ROOT" | cut -f1) in $CACHE_ROOT"
echo "$BIN_DIR"
