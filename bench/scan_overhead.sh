#!/usr/bin/env bash
# What `verify --scan` costs over `verify`: the same binary, the same signature, runs alternated,
# medians and their ratio per model. The scan reads the bytes hashing already reads, so the
# overhead is the capture and the analysis, never a second read (goal: <= 10%).
#
#   bench/scan_overhead.sh [-n RUNS] [-b MODEL_SIGNING_BIN] MODEL_DIR ...
#
# Warm page cache (one untimed verify first). Key signing, SHA-256, files method. Never in CI.
set -euo pipefail

runs=5
bin=""
while getopts "n:b:" opt; do
    case "$opt" in
        n) runs="$OPTARG" ;;
        b) bin="$OPTARG" ;;
        *) sed -n '2,8p' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { sed -n '2,8p' "$0" >&2; exit 2; }
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "$bin" ]; then
    cargo build --release -q -p model-signing-cli --manifest-path "$repo/Cargo.toml"
    bin="$repo/target/release/model_signing"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
openssl ecparam -name prime256v1 -genkey -noout -out "$work/key.pem"
openssl ec -in "$work/key.pem" -pubout -out "$work/pub.pem" 2>/dev/null

seconds() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo "$(( (e - s) / 1000000 ))"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

printf '%-40s %8s %12s %12s %7s\n' model size verify_ms scan_ms ratio
for model in "$@"; do
    sig="$work/$(basename "$model").sig"
    "$bin" sign key "$model" --private-key "$work/key.pem" --signature "$sig" >/dev/null
    verify=("$bin" verify key "$model" --public-key "$work/pub.pem" --signature "$sig")
    "${verify[@]}" >/dev/null
    "${verify[@]}" --scan >/dev/null || {
        echo "bench: $model fails the scan; the overhead of a failing scan is not what this measures" >&2
        exit 1
    }
    : >"$work/plain" && : >"$work/scan"
    for _ in $(seq "$runs"); do
        seconds "${verify[@]}" >>"$work/plain"
        seconds "${verify[@]}" --scan >>"$work/scan"
    done
    a=$(median <"$work/plain") b=$(median <"$work/scan")
    printf '%-40s %8s %12s %12s %7s\n' "$(basename "$model")" "$(du -sh "$model" | cut -f1)" "$a" "$b" \
        "$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", b / a}')"
done
