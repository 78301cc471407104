#!/usr/bin/env bash
# Admission latency of the operator's webhook under a fixed rate over HTTPS on loopback, and
# the server process's RSS idle and under load. Results go into bench/OPERATOR.md by hand.
#
#   bench/operator.sh [RATE=500] [SECONDS=20] [PODS=labelled|governed|ungoverned]
set -euo pipefail
RATE=${1:-500}
SECONDS_=${2:-20}
PODS=${3:-labelled}
cd "$(dirname "$0")/.."
cargo build --release -q -p model-validation-operator --example admission_load
BIN=target/release/examples/admission_load
WORK=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
# Server and load generator on separate cores when there are two or more (in a cluster the webhook
# pod and the API server do not share a CPU); BENCH_NO_PIN=1 lets them share.
SERVER_CPU=() CLIENT_CPU=()
if [[ -z "${BENCH_NO_PIN:-}" ]] && command -v taskset >/dev/null && (( $(nproc) >= 2 )); then
  SERVER_CPU=(taskset -c 0) CLIENT_CPU=(taskset -c 1)
  echo "server on CPU 0, load generator on CPU 1"
fi
"${SERVER_CPU[@]}" "$BIN" serve --ca-out "$WORK/ca.pem" > "$WORK/serve.out" &
SERVER=$!
for _ in $(seq 50); do grep -q PORT "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(awk '/PORT/ {print $2}' "$WORK/serve.out")
sleep 1
rss() { awk '/VmRSS/ {print $2/1024 " MiB"}' "/proc/$SERVER/status"; }
echo "idle RSS: $(rss)"
PEAK=0
( while kill -0 "$SERVER" 2>/dev/null; do
    awk '/VmRSS/ {print $2}' "/proc/$SERVER/status"; sleep 0.2
  done ) > "$WORK/rss.samples" &
SAMPLER=$!
"${CLIENT_CPU[@]}" "$BIN" load --port "$PORT" --ca "$WORK/ca.pem" --rate "$RATE" --seconds "$SECONDS_" --pods "$PODS"
kill "$SAMPLER" 2>/dev/null || true
PEAK=$(sort -n "$WORK/rss.samples" | tail -1)
echo "peak RSS under load: $(awk -v k="$PEAK" 'BEGIN {print k/1024 " MiB"}')"
echo "RSS after load: $(rss)"
