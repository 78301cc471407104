#!/usr/bin/env bash
# Builds the real Kubernetes control plane used by crates/kube-testenv (kube-apiserver and etcd) from
# their published Go modules, once per version, and prints the directory holding both binaries.
# With --node it also builds what scripts/local-cluster.sh runs: kubelet, kube-controller-manager,
# kube-scheduler, kube-proxy and kubectl (from the same outside module as kube-apiserver, so they
# share its Go build cache), crictl (cri-tools), the `distribution` OCI registry and helm (each in a module
# of its own, so minimal version selection never changes what goes into kube-apiserver).
#
#   scripts/k8s-test-binaries.sh            # build if missing, print the bin dir on stdout
#   scripts/k8s-test-binaries.sh --node     # the same, plus the node's binaries
#   KUBE_TESTENV_KUBE_VERSION=1.34.12 KUBE_TESTENV_ETCD_VERSION=3.6.16 scripts/k8s-test-binaries.sh
#
# Cache: ${MODEL_SIGNING_CACHE:-$HOME/.cache/model-signing-rs}/k8s/v<kube>+etcd-v<etcd>/ (outside the
# repository). The Go module and build caches are Go's own (GOPATH, GOCACHE). Needs Go >= 1.25 and the
# Go module proxy; no Docker, no other download. Progress goes to stderr, only the path to stdout.
set -euo pipefail

kube_version="${KUBE_TESTENV_KUBE_VERSION:-1.34.12}"
etcd_version="${KUBE_TESTENV_ETCD_VERSION:-3.6.16}"
crictl_version="${K8S_NODE_CRICTL_VERSION:-1.34.0}"
registry_version="${K8S_NODE_REGISTRY_VERSION:-3.0.0}"
helm_version="${K8S_NODE_HELM_VERSION:-3.21.4}"
node=false
case "${1:-}" in
  --node) node=true ;;
  "") ;;
  *) echo "usage: $0 [--node]" >&2; exit 2 ;;
esac
kube_tools=(kubelet kube-controller-manager kube-scheduler kube-proxy kubectl)
cache_root="${MODEL_SIGNING_CACHE:-$HOME/.cache/model-signing-rs}/k8s"
bin_dir="$cache_root/v${kube_version}+etcd-v${etcd_version}"
src_root="$cache_root/src"

log() { printf 'k8s-test-binaries: %s\n' "$*" >&2; }

all_built() {
  local b wanted=(kube-apiserver etcd)
  if $node; then wanted+=("${kube_tools[@]}" crictl registry helm); fi
  for b in "${wanted[@]}"; do [[ -x "$bin_dir/$b" ]] || return 1; done
}

if all_built; then
  echo "$bin_dir"
  exit 0
fi

if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null || { log "go is not installed (need Go >= 1.25 to build kube-apiserver)"; exit 1; }
mkdir -p "$bin_dir" "$src_root"

# One build at a time per cache (tests of several crates may call this script concurrently).
exec 9>"$cache_root/.lock"
flock 9
if all_built; then
  echo "$bin_dir"
  exit 0
fi

export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod

# kube-apiserver: an outside module requiring k8s.io/kubernetes, with each staging module
# (required at v0.0.0 and replaced by ./staging/... in Kubernetes' own go.mod, which a dependency's
# replace lines cannot use) mapped to its published tag v0.<minor>.<patch>.
kube_module="$src_root/apiserver-v$kube_version"

# Creates the outside module (once; kept, so later tools reuse it and its go.sum).
prepare_kube_module() {
  local mod="$kube_module" staging_version="v0.${kube_version#1.}"
  if grep -qs "k8s.io/kubernetes v$kube_version" "$mod/go.mod"; then
    return 0
  fi
  rm -rf "$mod" && mkdir -p "$mod"
  local upstream_gomod
  upstream_gomod=$(cd "$mod" && go mod download -json "k8s.io/kubernetes@v$kube_version" |
    sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [[ -f "$upstream_gomod" ]] || { log "cannot download k8s.io/kubernetes@v$kube_version"; return 1; }
  local go_line godebug_line
  go_line=$(grep -m1 '^go ' "$upstream_gomod")
  godebug_line=$(grep -m1 '^godebug ' "$upstream_gomod" || true)
  printf 'module example.invalid/k8sbin/apiserver\n\n%s\n\n%s\n' "$go_line" "$godebug_line" >"$mod/go.mod.tmp"
  (
    cd "$mod"
    mv go.mod.tmp go.mod
    go mod edit -require="k8s.io/kubernetes@v$kube_version"
    local n=0
    while read -r m; do
      go mod edit -replace="${m}=${m}@${staging_version}"
      n=$((n + 1))
    done < <(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/.*#\1#p' "$upstream_gomod")
    log "k8s.io/kubernetes v$kube_version: $n staging modules mapped to $staging_version"
  )
}

# Builds k8s.io/kubernetes/cmd/<name> in the outside module (a `tool` line each).
build_kube_tool() {
  local name=$1
  prepare_kube_module
  (
    cd "$kube_module"
    go mod edit -tool="k8s.io/kubernetes/cmd/$name"
    go mod tidy >&2
    local pkg=k8s.io/component-base/version cg=k8s.io/client-go/pkg/version
    local minor="${kube_version#1.}"
    minor="${minor%%.*}"
    local x=""
    for p in "$pkg" "$cg"; do
      x+=" -X $p.gitVersion=v$kube_version -X $p.gitMajor=1 -X $p.gitMinor=$minor"
      x+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
    done
    go build -trimpath -tags 'notest,grpcnotrace' -ldflags "-s -w$x" \
      -o "$bin_dir/$name.tmp" "k8s.io/kubernetes/cmd/$name"
  )
  mv "$bin_dir/$name.tmp" "$bin_dir/$name"
}

# A binary built as a dependency of a module of its own: <name> <module@version> <package>.
build_outside_tool() {
  local name=$1 module=$2 package=$3
  local mod="$src_root/$name-${module##*@}"
  rm -rf "$mod" && mkdir -p "$mod"
  (
    cd "$mod"
    printf 'module example.invalid/k8sbin/%s\n\ngo 1.25.0\n' "$name" >go.mod
    go mod edit -require="$module"
    go mod edit -tool="$package"
    go mod tidy >&2
    go build -trimpath -ldflags "-s -w" -o "$bin_dir/$name.tmp" "$package"
  )
  mv "$bin_dir/$name.tmp" "$bin_dir/$name"
}

# etcd: `go install` refuses go.etcd.io/etcd/server/v3 (its go.mod has replace lines), but a module
# that requires it builds it. Kept apart from the apiserver's module so that minimal version
# selection does not change the etcd client libraries inside kube-apiserver.
build_etcd() {
  build_outside_tool etcd "go.etcd.io/etcd/server/v3@v$etcd_version" go.etcd.io/etcd/server/v3
}

start=$(date +%s)
if [[ ! -x "$bin_dir/etcd" ]]; then
  log "building etcd v$etcd_version into $bin_dir"
  build_etcd
fi
if [[ ! -x "$bin_dir/kube-apiserver" ]]; then
  log "building kube-apiserver v$kube_version into $bin_dir (cold: several minutes on 2 cores)"
  build_kube_tool kube-apiserver
fi
if $node; then
  for tool in "${kube_tools[@]}"; do
    if [[ ! -x "$bin_dir/$tool" ]]; then
      log "building $tool v$kube_version (same module as kube-apiserver)"
      build_kube_tool "$tool"
    fi
  done
  if [[ ! -x "$bin_dir/crictl" ]]; then
    log "building crictl (cri-tools v$crictl_version)"
    build_outside_tool crictl "sigs.k8s.io/cri-tools@v$crictl_version" sigs.k8s.io/cri-tools/cmd/crictl
  fi
  if [[ ! -x "$bin_dir/registry" ]]; then
    log "building the distribution registry v$registry_version"
    build_outside_tool registry "github.com/distribution/distribution/v3@v$registry_version" \
      github.com/distribution/distribution/v3/cmd/registry
  fi
  # The Helm chart's tests render it and install it on the real node.
  if [[ ! -x "$bin_dir/helm" ]]; then
    log "building helm v$helm_version"
    build_outside_tool helm "helm.sh/helm/v3@v$helm_version" helm.sh/helm/v3/cmd/helm
  fi
fi
log "done in $(($(date +%s) - start)) s: $(cd "$bin_dir" && du -h -- * | tr '\n\t' '  ')"
echo "$bin_dir"
