#!/usr/bin/env bash
# Verification cost of a model as an OCI artifact (by manifest: one manifest + one referrer +
# one bundle fetched, no layer pulled) vs today's folder re-hash of the same model, for generated
# sparse models of the given sizes in GiB. Uses the distribution registry that
# scripts/k8s-test-binaries.sh --node builds (or $KUBE_TESTENV_BIN_DIR/registry), on loopback,
# with its storage under $BENCH_DIR (the registry stores real bytes: it needs the sum of the
# sizes free on disk). Prints a Markdown table; everything it made is removed at the end.
#
#   bench/oci.sh [-n RUNS] [SIZE_GIB ...]        (default: -n 5 1 4)
# Env: MODEL_SIGNING_CLI (default: target/debug/model_signing, built if missing),
#      MODEL_SIGNING_REF_VENV (the reference, for its folder verify; skipped when absent).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=5
if [[ "${1:-}" == "-n" ]]; then runs="$2"; shift 2; fi
sizes=("$@"); [[ ${#sizes[@]} -gt 0 ]] || sizes=(1 4)

cli="${MODEL_SIGNING_CLI:-$repo/target/debug/model_signing}"
[[ -x "$cli" ]] || (cd "$repo" && cargo build -p model-signing-cli >&2)
bin_dir="${KUBE_TESTENV_BIN_DIR:-$(bash "$repo/scripts/k8s-test-binaries.sh" --node)}"
ref_venv="${MODEL_SIGNING_REF_VENV:-$repo/.venv-ref}"

work="$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/oci-bench.XXXXXX")"
registry_pid=""
cleanup() {
  [[ -n "$registry_pid" ]] && kill "$registry_pid" 2>/dev/null && wait "$registry_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
host="127.0.0.1:$port"
cat >"$work/config.yml" <<YAML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: "$work/registry"}, delete: {enabled: true}}
http: {addr: "$host"}
YAML
OTEL_TRACES_EXPORTER=none "$bin_dir/registry" serve "$work/config.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do curl -fsS "http://$host/v2/" >/dev/null 2>&1 && break; sleep 0.1; done

openssl ecparam -name prime256v1 -genkey -noout -out "$work/key.sec1" 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$work/key.sec1" -out "$work/key.pem"
openssl ec -in "$work/key.pem" -pubout -out "$work/pub.pem" 2>/dev/null

# Median and best of `runs` wall-clock times (seconds) of a command, after one warm-up run.
time_runs() {
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f | %.3f", a[int((NR+1)/2)], a[1]}'
}

echo "| model | measurement | median (s) | best (s) |"
echo "|---|---|---|---|"
for gib in "${sizes[@]}"; do
  model="$work/model-$gib"
  mkdir -p "$model"
  # One sparse weights file of the size (its bytes are zeros: hashing is CPU-bound, no disk
  # read, the best case for the folder re-hash), plus a config and a tokenizer.
  truncate -s "${gib}G" "$model/model.safetensors"
  printf '{"hidden_size": %d}\n' "$gib" >"$model/config.json"
  head -c 4096 /dev/urandom >"$model/tokenizer.json"
  ref="oci://$host/bench/model-$gib:v1"
  digest="$("$cli" oci push "$model" "$ref" | sed -n 's/.*@\(sha256:[0-9a-f]*\)$/\1/p')"
  "$cli" sign key --private_key "$work/key.pem" --signature "$work/model-$gib.sig" "$ref" >/dev/null 2>&1
  pinned="oci://$host/bench/model-$gib@$digest"
  echo "| ${gib} GiB | ours: verify by manifest (oci://…@sha256:…) | $(time_runs "$cli" verify key --public_key "$work/pub.pem" "$pinned") |"
  echo "| | ours: verify the folder (re-hash) | $(time_runs "$cli" verify key --public_key "$work/pub.pem" --signature "$work/model-$gib.sig" "$model") |"
  if [[ -x "$ref_venv/bin/model_signing" ]]; then
    echo "| | reference 1.1.1: verify the folder (re-hash) | $(time_runs "$ref_venv/bin/model_signing" verify key --public_key "$work/pub.pem" --signature "$work/model-$gib.sig" "$model") |"
  fi
  rm -rf "$model" "$work/registry/docker/registry/v2/blobs"
done
