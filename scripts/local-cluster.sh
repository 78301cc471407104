#!/usr/bin/env bash
# A real single-node Kubernetes cluster on this machine, without Docker or kind: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubelet and kube-proxy (built from their Go modules by
# scripts/k8s-test-binaries.sh --node), containerd + runc + the CNI bridge plugin from Debian, a local
# `distribution` registry, and this repository's operator installed with
# `kubectl apply -k config/overlays/self-signed` as a Deployment behind its Service.
#
#   scripts/local-cluster.sh up       # start everything, print the KUBECONFIG/PATH lines
#                                     # (exit 75 when a cluster already runs on this machine)
#   scripts/local-cluster.sh down     # stop everything and remove every trace (also after a crash)
#   scripts/local-cluster.sh status   # exit 0: running, 3: nothing running and nothing left, 1: partial
#   scripts/local-cluster.sh env      # the KUBECONFIG/PATH lines of a running cluster
#
# Root only (network, mounts, cgroups). A bash script rather than a Rust harness: every step is a
# command an operator would type (ip, containerd, kubectl apply -k), a person can run it without
# cargo, and the Rust tests (crates/operator-e2e/tests/real_node.rs) drive it like a person does.
#
# Images (nothing is pulled from the internet; see scripts/local-cluster/docker-archive.py):
# - registry.k8s.io/pause:3.6: scripts/local-cluster/pause.c, static;
# - ghcr.io/sigstore/model-signing-rs-{operator,verifier}:latest: this workspace's binaries
#   (MSR_NODE_OPERATOR_BIN / MSR_NODE_VERIFIER_BIN, else `cargo build`), with the shared libraries
#   they link when they are not static; imported into containerd (the manifests pull IfNotPresent);
# - docker.io/library/{alpine:latest,nginx:alpine,busybox:latest}: STAND-INS built from
#   busybox-static, served by the local registry, which containerd uses as its docker.io mirror
#   (`:latest` means imagePullPolicy Always, so a real pull must succeed).
#
# Fixed addresses (one such cluster per machine): bridge msr-cni0 10.244.0.1/24 (pods, API server,
# node IP), services 10.0.0.0/24, registry 127.0.0.1:5000, the usual control-plane ports.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
helpers="$repo/scripts/local-cluster"
state="${MSR_NODE_STATE:-/var/lib/model-signing-rs-node}"
run="/run/model-signing-rs-node"
cache="${MODEL_SIGNING_CACHE:-$HOME/.cache/model-signing-rs}/node"
bridge=msr-cni0
bridge_ip=10.244.0.1
pod_cidr=10.244.0.0/24
service_cidr=10.0.0.0/24
node_name=msr-node
registry_addr=127.0.0.1:5000
ports=(2379 2380 5000 6443 10248 10249 10250 10256 10257 10259)
sock="$run/containerd.sock"
operator_ns=model-validation-operator-system
pv_count=${MSR_NODE_PVS:-10}
hardcoded_paths=(/var/lib/kubelet /var/log/containers /var/lib/cni /run/containerd /run/netns)

log() { printf 'local-cluster: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
busy() { log "$*"; exit 75; } # EX_TEMPFAIL: try again later
elapsed() { echo "$((SECONDS - t0)) s"; }

need_root() { [[ $(id -u) == 0 ]] || die "must run as root (network, mounts, cgroups)"; }

# ---------------------------------------------------------------------------------------------
# Processes: each daemon's pid is kept in $run/<name>.pid; tear-down also finds daemons by their
# command line naming $state or $run (a crash may have lost the pid files).

start_daemon() {
  local name=$1
  shift
  setsid "$@" >"$state/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$run/$name.pid"
}

pid_of() {
  local f="$run/$1.pid" pid
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ -d /proc/$pid ]] && { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q -- "$1" && echo "$pid"
}

# Pids of processes (other than this script's) whose command line names our state or run folder.
our_pids() {
  local f p
  for f in $(grep -lsaF -e "$state/" -e "$run/" /proc/[0-9]*/cmdline); do
    p=${f#/proc/}
    p=${p%/cmdline}
    [[ $p == "$$" || $p == "$BASHPID" || ! -d /proc/$p ]] && continue
    grep -qsaF local-cluster.sh "$f" || echo "$p"
  done
}

kill_wait() { # pids...: TERM, up to 10 s, then KILL
  local pids=("$@") p i
  [[ ${#pids[@]} -gt 0 ]] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for i in $(seq 100); do
    local alive=()
    for p in "${pids[@]}"; do [[ -d /proc/$p ]] && alive+=("$p"); done
    [[ ${#alive[@]} -eq 0 ]] && return 0
    sleep 0.1
  done
  for p in "${pids[@]}"; do
    [[ -d /proc/$p ]] && log "pid $p ignored SIGTERM for 10 s, killing it: $({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | cut -c1-100)"
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
  sleep 0.2
}

wait_for() { # description timeout_seconds command...
  local what=$1 timeout=$2 deadline
  shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then
      log "$what: not ready after ${timeout} s"
      return 1
    fi
    sleep 0.3
  done
}

# ---------------------------------------------------------------------------------------------
# Prerequisites

install_packages() {
  local missing=()
  command -v containerd >/dev/null || missing+=(containerd)
  command -v runc >/dev/null || missing+=(runc)
  [[ -x /usr/lib/cni/bridge ]] || missing+=(containernetworking-plugins)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v conntrack >/dev/null || missing+=(conntrack)
  [[ -x /bin/busybox ]] || missing+=(busybox-static)
  command -v gcc >/dev/null || missing+=(gcc libc6-dev)
  command -v objcopy >/dev/null || missing+=(binutils)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v python3 >/dev/null || missing+=(python3)
  if [[ ${#missing[@]} -gt 0 ]]; then
    log "installing Debian packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  fi
  # A packaged containerd may have been started by the package's service: ours is separate.
}

check_ports() {
  local busy=() p
  for p in "${ports[@]}"; do
    if ss -Hltn "sport = :$p" | grep -q .; then busy+=("$p"); fi
  done
  [[ ${#busy[@]} -eq 0 ]] || die "ports in use: ${busy[*]} (another cluster on this machine? \
\`ss -ltnp\` names the owners; this script runs one cluster per machine)"
}

# ---------------------------------------------------------------------------------------------
# PKI: one CA for the cluster, one for the front proxy; EC P-256 keys (fast to make).

issue() { # name subject extensions [ca]
  local name=$1 subject=$2 ext=$3 ca=${4:-ca} dir="$state/pki"
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/$name.key" 2>/dev/null
  openssl req -new -key "$dir/$name.key" -subj "$subject" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -days 30 -extfile <(printf '%b' "$ext") -out "$dir/$name.crt" 2>/dev/null
  rm -f "$dir/$name.csr"
}

make_pki() {
  local dir="$state/pki" client='basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n'
  mkdir -p "$dir"
  for ca in ca front-proxy-ca; do
    openssl ecparam -name prime256v1 -genkey -noout -out "$dir/$ca.key" 2>/dev/null
    openssl req -x509 -new -key "$dir/$ca.key" -subj "/CN=model-signing-rs-node-$ca" -days 30 \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out "$dir/$ca.crt" 2>/dev/null
  done
  issue apiserver /CN=kube-apiserver "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:$bridge_ip,IP:10.0.0.1,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost\n"
  issue admin "/O=system:masters/CN=kubernetes-admin" "$client"
  issue apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client"
  issue controller-manager /CN=system:kube-controller-manager "$client"
  issue scheduler /CN=system:kube-scheduler "$client"
  issue kubelet "/O=system:nodes/CN=system:node:$node_name" "$client"
  issue kube-proxy /CN=system:kube-proxy "$client"
  issue front-proxy-client /CN=front-proxy-client "$client" front-proxy-ca
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/sa.key" 2>/dev/null
  openssl ec -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
  for who in admin controller-manager scheduler kubelet kube-proxy; do
    cat >"$state/$who.kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "https://$bridge_ip:6443", certificate-authority: "$dir/ca.crt"}
users:
- name: $who
  user: {client-certificate: "$dir/$who.crt", client-key: "$dir/$who.key"}
contexts:
- name: local
  context: {cluster: local, user: $who}
current-context: local
YAML
  done
}

# ---------------------------------------------------------------------------------------------
# Network: the bridge exists before the API server binds to its address.

make_bridge() {
  ip link add "$bridge" type bridge
  ip addr add "$bridge_ip/24" dev "$bridge"
  ip link set "$bridge" up
  # An unknown ClusterIP fails here instead of leaving through the default route.
  ip route replace "$service_cidr" dev "$bridge"
  mkdir -p "$state/cni/net.d"
  cat >"$state/cni/net.d/10-msr-node.conflist" <<JSON
{"cniVersion": "0.4.0", "name": "msr-node", "plugins": [
  {"type": "bridge", "bridge": "$bridge", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$pod_cidr", "gateway": "$bridge_ip"}]],
            "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$state/cni/ipam"}}]}
JSON
}

# ---------------------------------------------------------------------------------------------
# Control plane

start_control_plane() {
  local pki="$state/pki"
  start_daemon etcd "$bin/etcd" --name msr-node --data-dir "$state/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster msr-node=http://127.0.0.1:2380 --unsafe-no-fsync=true --log-level=warn
  wait_for etcd 60 curl -fsS http://127.0.0.1:2379/health || return 1
  start_daemon kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers=http://127.0.0.1:2379 \
    --bind-address="$bridge_ip" --advertise-address="$bridge_ip" --secure-port=6443 \
    --service-cluster-ip-range="$service_cidr" --allow-privileged=true \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --client-ca-file="$pki/ca.crt" --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
    --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$pki/sa.pub" \
    --service-account-signing-key-file="$pki/sa.key" \
    --requestheader-client-ca-file="$pki/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-extra-headers-prefix=X-Remote-Extra- --requestheader-group-headers=X-Remote-Group \
    --requestheader-username-headers=X-Remote-User \
    --proxy-client-cert-file="$pki/front-proxy-client.crt" --proxy-client-key-file="$pki/front-proxy-client.key" \
    --kubelet-preferred-address-types=InternalIP \
    --enable-aggregator-routing=true --profiling=false
  wait_for kube-apiserver 120 curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
    "https://$bridge_ip:6443/readyz" || return 1
  start_daemon kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig="$state/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$state/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$state/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10257 --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
    --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
    --service-cluster-ip-range="$service_cidr" --profiling=false
  start_daemon kube-scheduler "$bin/kube-scheduler" --kubeconfig="$state/scheduler.kubeconfig" \
    --authentication-kubeconfig="$state/scheduler.kubeconfig" --authorization-kubeconfig="$state/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10259 --leader-elect=false --profiling=false
}

# ---------------------------------------------------------------------------------------------
# containerd (our own instance: own config, root, state and socket) and the registry

start_containerd() {
  mkdir -p "$state/containerd/certs.d/docker.io" "$run/containerd-state"
  cat >"$state/containerd/certs.d/docker.io/hosts.toml" <<TOML
server = "https://registry-1.docker.io"
[host."http://$registry_addr"]
  capabilities = ["pull", "resolve"]
TOML
  cat >"$state/containerd/config.toml" <<TOML
version = 2
root = "$state/containerd/root"
state = "$run/containerd-state"
[grpc]
  address = "$sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$state/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.6"
  # This VM refuses a negative oom_score_adj (no CAP_SYS_RESOURCE): without this every sandbox fails.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$state/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$state/containerd/certs.d"
TOML
  start_daemon containerd containerd --config "$state/containerd/config.toml"
  wait_for containerd 30 ctr -a "$sock" version
}

start_registry() {
  mkdir -p "$state/registry"
  cat >"$state/registry/config.yml" <<YAML
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: "$state/registry/data"}, delete: {enabled: true}}
http: {addr: "$registry_addr"}
YAML
  OTEL_TRACES_EXPORTER=none start_daemon registry "$bin/registry" serve "$state/registry/config.yml"
  wait_for registry 30 curl -fsS "http://$registry_addr/v2/"
}

# ---------------------------------------------------------------------------------------------
# Images

# A root filesystem holding ELF binary $1 at $3/usr/local/bin/$2, plus the shared libraries it links
# when it is not static (the test profile's binaries are dynamic; the release images are static).
rootfs_for_binary() {
  local binary=$1 name=$2 root=$3 lib
  mkdir -p "$root/usr/local/bin" "$root/tmp"
  chmod 1777 "$root/tmp"
  objcopy --strip-debug "$binary" "$root/usr/local/bin/$name"
  if ldd "$binary" >/dev/null 2>&1; then
    for lib in $(ldd "$binary" | grep -o '/[^ ]*'); do
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    done
  fi
}

busybox_rootfs() {
  local root=$1 applet
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/usr/share/nginx/html" "$root/root"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list-full); do
    [[ $applet == bin/busybox ]] && continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -sf /bin/busybox "$root/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
  echo 'busybox httpd: a stand-in for nginx:alpine (model-signing-rs local node)' >"$root/usr/share/nginx/html/index.html"
}

ctr_k8s() { ctr -a "$sock" -n k8s.io "$@"; }

build_images() {
  local work="$state/images" pause_bin
  mkdir -p "$work" "$cache"
  # pause
  pause_bin="$cache/pause-$(sha256sum "$helpers/pause.c" | cut -c1-16)"
  if [[ ! -x $pause_bin ]]; then
    gcc -static -O2 -o "$pause_bin.tmp" "$helpers/pause.c" && strip "$pause_bin.tmp" && mv "$pause_bin.tmp" "$pause_bin"
  fi
  mkdir -p "$work/pause/rootfs"
  cp "$pause_bin" "$work/pause/rootfs/pause"
  python3 "$helpers/docker-archive.py" --rootfs "$work/pause/rootfs" --out "$work/pause.tar" \
    --tag registry.k8s.io/pause:3.6 --entrypoint '["/pause"]' --user 65535:65535 \
    --description "static pause of scripts/local-cluster/pause.c"
  # busybox stand-ins: no Entrypoint (so `command: [sleep, ...]` and `kubectl run -- CMD` work).
  busybox_rootfs "$work/busybox/rootfs"
  python3 "$helpers/docker-archive.py" --rootfs "$work/busybox/rootfs" --out "$work/alpine.tar" \
    --tag "$registry_addr/library/alpine:latest" --tag "$registry_addr/library/busybox:latest" --cmd '["sh"]' \
    --description "STAND-IN for alpine:latest: busybox-static (model-signing-rs local node)"
  python3 "$helpers/docker-archive.py" --rootfs "$work/busybox/rootfs" --out "$work/nginx.tar" \
    --tag "$registry_addr/library/nginx:alpine" --cmd '["httpd", "-f", "-v", "-p", "80", "-h", "/usr/share/nginx/html"]' \
    --description "STAND-IN for nginx:alpine: busybox httpd (model-signing-rs local node)"
  # ours
  local operator_bin="${MSR_NODE_OPERATOR_BIN:-}" verifier_bin="${MSR_NODE_VERIFIER_BIN:-}"
  if [[ -z $operator_bin || -z $verifier_bin ]]; then
    log "building the operator and model_signing (cargo build; set MSR_NODE_OPERATOR_BIN/MSR_NODE_VERIFIER_BIN to skip)"
    (cd "$repo" && cargo build -q -p model-validation-operator -p model-signing-cli >&2)
    local target_dir="${CARGO_TARGET_DIR:-$repo/target}"
    operator_bin="${operator_bin:-$target_dir/debug/model-validation-operator}"
    verifier_bin="${verifier_bin:-$target_dir/debug/model_signing}"
  fi
  rootfs_for_binary "$operator_bin" model-validation-operator "$work/operator/rootfs"
  python3 "$helpers/docker-archive.py" --rootfs "$work/operator/rootfs" --out "$work/operator.tar" \
    --tag ghcr.io/sigstore/model-signing-rs-operator:latest --user 65532:65532 \
    --entrypoint '["/usr/local/bin/model-validation-operator"]' --cmd '["run"]' \
    --description "model-validation-operator built from this checkout (local node)"
  rootfs_for_binary "$verifier_bin" model_signing "$work/verifier/rootfs"
  python3 "$helpers/docker-archive.py" --rootfs "$work/verifier/rootfs" --out "$work/verifier.tar" \
    --tag ghcr.io/sigstore/model-signing-rs-verifier:latest --user 65532:65532 \
    --entrypoint '["/usr/local/bin/model_signing"]' \
    --description "model_signing built from this checkout (local node)"

  local image
  for image in pause operator verifier; do
    ctr_k8s images import "$work/$image.tar" >/dev/null
  done
  # The stand-ins reach the CRI only through the registry (the docker.io mirror), as a pull would.
  for image in alpine nginx; do
    ctr -a "$sock" -n msr-build images import --compress-blobs "$work/$image.tar" >/dev/null
  done
  for image in library/alpine:latest library/busybox:latest library/nginx:alpine; do
    ctr -a "$sock" -n msr-build images push --plain-http "$registry_addr/$image" >/dev/null
  done
  rm -rf "$work"
}

# ---------------------------------------------------------------------------------------------
# kubelet and kube-proxy

start_node() {
  mkdir -p "$state/kubelet" "$state/pod-logs"
  cat >"$state/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: "$bridge_ip"
healthzBindAddress: 127.0.0.1
healthzPort: 10248
readOnlyPort: 0
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: "$state/pki/ca.crt"}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
podLogsDir: "$state/pod-logs"
# Imported images (the operator's, the verifier's, pause) must never be collected.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%"}
serializeImagePulls: false
containerRuntimeEndpoint: "unix://$sock"
YAML
  start_daemon kubelet "$bin/kubelet" --config="$state/kubelet.yaml" --kubeconfig="$state/kubelet.kubeconfig" \
    --root-dir="$state/kubelet" --cert-dir="$state/kubelet/pki" --hostname-override="$node_name" \
    --node-ip="$bridge_ip"
  cat >"$state/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: "$state/kube-proxy.kubeconfig"}
mode: iptables
clusterCIDR: "$pod_cidr"
hostnameOverride: "$node_name"
# No route_localnet sysctl (NodePorts on 127.0.0.1 are not needed), no conntrack table resizing.
iptables: {localhostNodePorts: false}
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack: {maxPerCore: 0}
YAML
  start_daemon kube-proxy "$bin/kube-proxy" --config="$state/kube-proxy.yaml"
}

# The discovery cache lives with the cluster (removed by `down`), not in ~/.kube/cache.
kubectl_() { "$bin/kubectl" --kubeconfig="$state/admin.kubeconfig" --cache-dir="$state/kube-cache" "$@"; }

node_ready() {
  [[ $(kubectl_ get node "$node_name" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}') == True ]]
}

storage() {
  local i pvs=""
  for i in $(seq 0 $((pv_count - 1))); do
    pvs+="---
apiVersion: v1
kind: PersistentVolume
metadata: {name: local-pv-$i}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: standard
  hostPath: {path: \"$state/volumes/pv-$i\", type: DirectoryOrCreate}
  nodeAffinity:
    required:
      nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [$node_name]}]}]
"
  done
  kubectl_ apply -f - >/dev/null <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
$pvs
YAML
}

# The API server reaches the webhook through its Service: a labelled pod naming a CR that does not
# exist is denied by the operator with a message naming it.
webhook_live() {
  local out
  out=$(kubectl_ run webhook-probe -n default --image=busybox:latest --dry-run=server \
    --labels=validation.ml.sigstore.dev/ml=no-such-model-validation -- true 2>&1 || true)
  [[ $out == *no-such-model-validation* ]]
}

install_operator() {
  kubectl_ apply -k "$repo/config/overlays/self-signed" >/dev/null
  kubectl_ -n "$operator_ns" rollout status deployment/model-validation-controller-manager --timeout=180s >&2
  wait_for "the operator's webhook (through its Service)" 120 webhook_live
}

print_env() {
  echo "export KUBECONFIG=$state/admin.kubeconfig"
  echo "export PATH=$bin:\$PATH"
}

# ---------------------------------------------------------------------------------------------

up() {
  need_root
  t0=$SECONDS
  # A running cluster may be someone else's (one per machine): refuse. Leftovers of a crashed one
  # (no process alive) are removed.
  local alive owner=""
  alive=$(our_pids | head -n 1)
  [[ -f $state/owner-pid ]] && owner=$(<"$state/owner-pid")
  if [[ -n $alive && -n $owner && ! -d /proc/$owner ]]; then
    log "the cluster of a test run that died (pid $owner) is still running: removing it"
    down
  elif [[ -n $alive ]]; then
    busy "a cluster is already running on this machine (pid $alive: $(tr '\0' ' ' </proc/"$alive"/cmdline | cut -c1-80)); \
use it (\`$0 env\`) or stop it first (\`$0 down\`)"
  fi
  if [[ -e $state || -e $run ]] || ip link show "$bridge" >/dev/null 2>&1; then
    log "removing what a previous cluster left"
    down
  fi
  install_packages
  bin=$(bash "$repo/scripts/k8s-test-binaries.sh" --node)
  echo "$bin" >"$cache.bin-dir" 2>/dev/null || true
  check_ports
  mkdir -p "$state/logs" "$run" "$cache"
  # Paths outside our folders that containerd, runc, CNI and the kubelet hard-code: the ones this
  # cluster creates are removed by `down`.
  local p
  for p in "${hardcoded_paths[@]}"; do
    [[ -e $p ]] || echo "$p" >>"$state/created-paths"
  done
  echo "$bin" >"$state/bin-dir"
  # A test binary names itself (MSR_NODE_OWNER_PID): its cluster is removed by the next `up` if it dies.
  echo "${MSR_NODE_OWNER_PID:-}" >"$state/owner-pid"
  log "binaries ready ($(elapsed))"
  make_pki
  make_bridge
  start_control_plane || fail_up
  log "control plane ready ($(elapsed))"
  start_containerd || fail_up
  start_registry || fail_up
  build_images || fail_up
  log "images imported and pushed ($(elapsed))"
  start_node
  wait_for "node $node_name Ready" 120 node_ready || fail_up
  wait_for "ServiceAccount default/default" 60 kubectl_ -n default get serviceaccount default || fail_up
  storage
  log "node Ready ($(elapsed))"
  if [[ ${MSR_NODE_OPERATOR:-1} != 0 ]]; then
    install_operator || fail_up
    log "operator installed from config/overlays/self-signed ($(elapsed))"
  fi
  log "up in $(elapsed); logs in $state/logs"
  print_env
}

fail_up() {
  log "up failed; ends of the logs:"
  local f
  for f in "$state"/logs/*.log; do
    [[ -f $f ]] || continue
    printf '%s\n' "--- $f" >&2
    tail -n 15 "$f" >&2
  done
  exit 1
}

# Every process in the kubepods cgroups (the containers), killed.
kill_pod_processes() {
  local i pids
  for i in $(seq 20); do
    pids=$(cat /sys/fs/cgroup/pids/kubepods/cgroup.procs /sys/fs/cgroup/pids/kubepods/*/cgroup.procs \
      /sys/fs/cgroup/pids/kubepods/*/*/cgroup.procs /sys/fs/cgroup/pids/kubepods/*/*/*/cgroup.procs 2>/dev/null | sort -u || true)
    [[ -z $pids ]] && return 0
    kill -KILL $pids 2>/dev/null || true
    sleep 0.2
  done
}

remove_cgroups() {
  local controller dir
  for controller in /sys/fs/cgroup/*/; do
    dir="${controller}kubepods"
    [[ -d $dir ]] || continue
    find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

remove_iptables() {
  local bin_dir=$1 tool table chain
  if [[ -x $bin_dir/kube-proxy ]]; then
    "$bin_dir/kube-proxy" --cleanup >/dev/null 2>&1 || true
  fi
  # The kubelet's own chains (kube-proxy --cleanup leaves them).
  for tool in iptables ip6tables; do
    command -v "$tool" >/dev/null || continue
    for table in filter nat mangle; do
      for chain in KUBE-FIREWALL KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT KUBE-PROXY-CANARY; do
        "$tool" -w -t "$table" -S "$chain" >/dev/null 2>&1 || continue
        for parent in INPUT OUTPUT FORWARD PREROUTING POSTROUTING; do
          while "$tool" -w -t "$table" -D "$parent" -j "$chain" 2>/dev/null; do :; done
        done
        "$tool" -w -t "$table" -F "$chain" 2>/dev/null || true
        "$tool" -w -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

down() {
  need_root
  local t0=$SECONDS bin_dir="" pid
  [[ -f $state/bin-dir ]] && bin_dir=$(<"$state/bin-dir")
  [[ -z $bin_dir && -f $cache.bin-dir ]] && bin_dir=$(<"$cache.bin-dir")
  # 1. The kubelet first, so it restarts nothing while pods go.
  local first=()
  for name in kubelet kube-proxy; do
    pid=$(pid_of "$name") && first+=("$pid")
  done
  kill_wait "${first[@]}"
  # 2. Pod sandboxes through the CRI (runs CNI DEL, unmounts, removes netns); containerd is started
  #    again from our config if it died, since it knows its sandboxes.
  if [[ -f $state/containerd/config.toml && -n $bin_dir && -x $bin_dir/crictl ]]; then
    if ! ctr -a "$sock" version >/dev/null 2>&1; then
      mkdir -p "$run" "$state/logs"
      start_daemon containerd containerd --config "$state/containerd/config.toml"
      wait_for "containerd (for tear-down)" 30 ctr -a "$sock" version || true
    fi
    local crictl=("$bin_dir/crictl" --runtime-endpoint "unix://$sock" --timeout 20s)
    local pods
    pods=$("${crictl[@]}" pods -q 2>/dev/null || true)
    if [[ -n $pods ]]; then
      # shellcheck disable=SC2086
      "${crictl[@]}" stopp $pods >/dev/null 2>&1 || true
      # shellcheck disable=SC2086
      "${crictl[@]}" rmp -f $pods >/dev/null 2>&1 || true
    fi
  fi
  kill_pod_processes
  # 3. Everything else of ours: containerd, its shims, the registry, the control plane.
  # All at once (each takes a second or two to shut down gracefully), etcd last: the API server
  # waits for it while shutting down.
  local etcd_pid="" others=()
  etcd_pid=$(pid_of etcd) || true
  for pid in $(our_pids); do [[ $pid == "$etcd_pid" ]] || others+=("$pid"); done
  kill_wait "${others[@]}"
  mapfile -t leftover < <(our_pids)
  kill_wait "${leftover[@]}"
  kill_pod_processes
  # 4. Mounts under our folders and the CNI netns the sandboxes left (after a crash).
  local m
  while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done < <(awk '{print $5}' /proc/self/mountinfo | grep -E "^($state|$run)(/|$)" | sort -r)
  # 5. Network: the bridge (and with it its route), the pods' veths are gone with their netns.
  ip link del "$bridge" 2>/dev/null || true
  ip route del "$service_cidr" 2>/dev/null || true
  if [[ -e $state ]]; then remove_iptables "$bin_dir"; fi
  # 6. cgroups, files outside our folders that the kubelet and CNI hard-code.
  remove_cgroups
  rm -f /var/lib/cni/results/msr-node-* 2>/dev/null || true
  if [[ -f $state/created-paths ]]; then
    while read -r m; do
      case "$m" in
        /run/netns) rmdir "$m" 2>/dev/null || true ;; # only when no namespace is left in it
        /*) rm -rf "$m" ;;
      esac
    done <"$state/created-paths"
  fi
  rm -rf "$state" "$run"
  log "down in $((SECONDS - t0)) s"
}

status() {
  local running=() stopped=() left=() name pid
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler containerd registry kubelet kube-proxy; do
    if pid=$(pid_of "$name"); then running+=("$name($pid)"); else stopped+=("$name"); fi
  done
  mapfile -t others < <(our_pids)
  ip link show "$bridge" >/dev/null 2>&1 && left+=("bridge $bridge")
  [[ -e $state ]] && left+=("folder $state")
  [[ -e $run ]] && left+=("folder $run")
  grep -qE " ($state|$run)/" /proc/self/mountinfo && left+=("mounts under $state")
  compgen -G '/sys/fs/cgroup/*/kubepods' >/dev/null && left+=("kubepods cgroups")
  iptables -w -t filter -S KUBE-FIREWALL >/dev/null 2>&1 && left+=("iptables chain KUBE-FIREWALL")
  iptables -w -t nat -S KUBE-SERVICES >/dev/null 2>&1 && left+=("iptables chain KUBE-SERVICES")
  echo "running: ${running[*]:-none}"
  echo "processes naming $state or $run: ${#others[@]}"
  echo "left on the machine: $(IFS=,; echo "${left[*]:-nothing}")"
  if [[ ${#stopped[@]} -eq 0 ]]; then
    [[ -f $state/bin-dir ]] && bin=$(<"$state/bin-dir") && print_env
    return 0
  fi
  [[ ${#running[@]} -eq 0 && ${#others[@]} -eq 0 && ${#left[@]} -eq 0 ]] && return 3
  return 1
}

# (Sourcing the file defines the functions only.)
[[ ${BASH_SOURCE[0]} == "$0" ]] || return 0
case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  env)
    [[ -f $state/bin-dir ]] || die "no cluster (run: $0 up)"
    bin=$(<"$state/bin-dir")
    print_env
    ;;
  *)
    echo "usage: $0 up|down|status|env" >&2
    exit 2
    ;;
esac
