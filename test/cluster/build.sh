#!/usr/bin/env bash
# Builds the control plane that the cluster suite runs, from upstream Go modules pinned in the
# go.mod files beside this script, into a cache outside the repository keyed by version. Whatever is
# already in the cache is not built again. Prints one line per binary and the time it took.
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

k8s_ldflags() {
  local v="$1" minor
  minor="$(echo "$v" | cut -d. -f2)"
  echo "-X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
}

module_version() { # MODULE_DIR MODULE_PATH
  (cd "$here/$1" && go list -m -f '{{.Version}}' "$2")
}

total=$SECONDS
for dir in k8s-1.28; do
  v="$(module_version "$dir" k8s.io/kubernetes)"
  for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
    build "$dir" "kubernetes-$v" "k8s.io/kubernetes/cmd/$cmd" "$cmd" "$(k8s_ldflags "$v")"
  done
done
echo "control plane ready in $cache ($((SECONDS - total)) s)"
