#!/usr/bin/env bash
# Builds the control plane that the cluster suite runs, from the upstream Go modules pinned in the
# go.mod files beside this script, into a cache outside the repository keyed by version
# ($SHIPSHAPE_CLUSTER_CACHE, default ~/.cache/shipshape-cluster). Whatever is already cached is not
# built again. etcd comes from Debian's etcd-server. Prints one line per binary with its build time.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${SHIPSHAPE_CLUSTER_CACHE:-$HOME/.cache/shipshape-cluster}"
mkdir -p "$cache"
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local

# build MODULE_DIR VERSION_KEY PACKAGE BINARY [LDFLAGS]
build() {
  local dir="$1" key="$2" pkg="$3" bin="$4" ldflags="${5:-}"
  local out="$cache/$key/$bin"
  if [ -x "$out" ]; then
    echo "cached  $key/$bin"
    return
  fi
  local start=$SECONDS
  mkdir -p "$cache/$key"
  (cd "$here/$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$out.tmp" "$pkg")
  mv "$out.tmp" "$out"
  echo "built   $key/$bin in $((SECONDS - start)) s"
}

module_version() { # MODULE_DIR MODULE_PATH
  (cd "$here/$1" && go list -m -f '{{.Version}}' "$2")
}

# Without these, /version reports v0.0.0-master and kubectl's version-skew logic misreads it.
k8s_ldflags() {
  local v="$1"
  echo "-X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$v" | cut -d. -f2) -X k8s.io/component-base/version.gitTreeState=clean"
}

total=$SECONDS
if ! command -v etcd >/dev/null 2>&1; then
  echo "etcd not found: installing Debian's etcd-server"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null)
fi

v="$(module_version tools sigs.k8s.io/kwok)"
build tools "kwok-$v" sigs.k8s.io/kwok/cmd/kwok kwok "-X sigs.k8s.io/kwok/pkg/consts.Version=$v"
v="$(module_version tools github.com/fluxcd/source-controller)"
build tools "source-controller-$v" github.com/fluxcd/source-controller source-controller
v="$(module_version tools github.com/fluxcd/kustomize-controller)"
build tools "kustomize-controller-$v" github.com/fluxcd/kustomize-controller kustomize-controller


for dir in $(cd "$here" && ls -d k8s-*); do
  v="$(module_version "$dir" k8s.io/kubernetes)"
  for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
    build "$dir" "kubernetes-$v" "k8s.io/kubernetes/cmd/$cmd" "$cmd" "$(k8s_ldflags "$v")"
  done
done

echo "control plane ready in $cache ($((SECONDS - total)) s)"
