#!/usr/bin/env bash
# Benchmarks our `model_signing` against the Python reference and `openssl dgst` on the three
# data sets of docs/PERFORMANCE.md. Heavy (5 GB of data, minutes of runtime): never run in CI.
#
#   bench/run.sh [-n RUNS] [SET ...]      SET: llm-like many-small bert-like (default: all)
#
# Data is generated once under bench/data/ (gitignored; override with BENCH_DATA) and reused.
# Wall times are medians of RUNS warm-cache runs (hyperfine when installed, else a loop with
# /usr/bin/time); peak RSS comes from one run under /usr/bin/time -v. Prints a markdown table.
set -euo pipefail

if [ "${CI:-}" = "true" ]; then
    echo "bench/run.sh: too heavy for CI, refusing to run (CI=true)" >&2
    exit 2
fi

runs=5
while getopts "n:" opt; do
    case "$opt" in
        n) runs="$OPTARG" ;;
        *) sed -n '2,10p' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(llm-like many-small bert-like)

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${BENCH_DATA:-$repo/bench/data}"
venv="${MODEL_SIGNING_REF_VENV:-$repo/.venv-ref}"
work="$data/run"
mkdir -p "$data" "$work"
log() { printf 'bench: %s\n' "$*" >&2; }

for tool in openssl python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || { log "missing $tool"; exit 1; }
done
have_hyperfine=false
command -v hyperfine >/dev/null && have_hyperfine=true

# --- inputs ----------------------------------------------------------------------------------
python3 "$repo/bench/gen_data.py" "$data" "${sets[@]}"

log "building our release binary"
(cd "$repo" && cargo build --release --quiet -p model-signing-cli)
ours="${CARGO_TARGET_DIR:-$repo/target}/release/model_signing"
[ -x "$ours" ] || { log "no binary at $ours"; exit 1; }

if [ ! -x "$venv/bin/model_signing" ]; then
    MODEL_SIGNING_REF_VENV="$venv" "$repo/scripts/setup-reference.sh" >/dev/null
fi
ref="$venv/bin/model_signing"

key="$data/keys/p256.key.pem"
pub="$data/keys/p256.pub.pem"
if [ ! -f "$pub" ]; then
    mkdir -p "$data/keys"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$key"
    openssl pkey -in "$key" -pubout -out "$pub"
fi

# --- measuring -------------------------------------------------------------------------------
results="$work/results.tsv"
: >"$results"

# measure SET NAME COMMAND: appends "SET NAME median_seconds peak_rss_kib" to $results.
# $hyperfine_shell: "none" runs the command without a shell (for sub-5 ms commands).
hyperfine_shell=default
measure() {
    local set="$1" name="$2" cmd="$3" median rss shell_opt=()
    log "$set / $name"
    [ "$hyperfine_shell" = none ] && shell_opt=(--shell=none)
    if $have_hyperfine; then
        hyperfine --style none --warmup 1 --runs "$runs" "${shell_opt[@]}" \
            --export-json "$work/hf.json" "$cmd" >/dev/null
        median="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$work/hf.json")"
    else
        bash -c "$cmd" >/dev/null # warm-up
        local times=()
        for _ in $(seq "$runs"); do
            /usr/bin/time -f '%e' -o "$work/time.txt" bash -c "$cmd" >/dev/null
            times+=("$(tail -n 1 "$work/time.txt")")
        done
        median="$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')"
    fi
    /usr/bin/time -v -o "$work/time-v.txt" bash -c "$cmd" >/dev/null
    rss="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time-v.txt")"
    printf '%s\t%s\t%s\t%s\n' "$set" "$name" "$median" "$rss" >>"$results"
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine_shell=none
measure "start-up" "ours" "$ours --version"
measure "start-up" "reference" "$ref --version"
hyperfine_shell=default

for set in "${sets[@]}"; do
    model="$data/$set"
    sigs="$work/$set"
    mkdir -p "$sigs"
    bytes="$(find "$model" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.0f\n", s}')"
    files="$(find "$model" -type f | wc -l)"
    printf '%s\tbytes\t%s\t%s\n' "$set" "$bytes" "$files" >>"$results"

    # Signatures to verify; the measured sign runs overwrite them with equivalent ones.
    "$ours" sign key --private_key "$key" --signature "$sigs/ours.sig" "$model" >/dev/null
    "$ref" sign key --private_key "$key" --signature "$sigs/ref.sig" "$model" >/dev/null
    "$ours" verify key --public_key "$pub" --signature "$sigs/ref.sig" "$model" >/dev/null

    measure "$set" "ours sign" \
        "'$ours' sign key --private_key '$key' --signature '$sigs/ours.sig' '$model'"
    measure "$set" "ours verify" \
        "'$ours' verify key --public_key '$pub' --signature '$sigs/ours.sig' '$model'"
    measure "$set" "reference sign" \
        "'$ref' sign key --private_key '$key' --signature '$sigs/ref.sig' '$model'"
    measure "$set" "reference verify" \
        "'$ref' verify key --public_key '$pub' --signature '$sigs/ref.sig' '$model'"

    # openssl over the same files, split between 2 processes.
    (cd "$model" && find . -type f -print0 | sort -z) >"$sigs/files.list"
    per_process=$(((files + 1) / 2))
    measure "$set" "openssl" \
        "cd '$model' && xargs -0 -a '$sigs/files.list' -P 2 -n $per_process openssl dgst -sha256 >/dev/null"
done

echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), median of $runs warm runs ($($have_hyperfine && echo hyperfine || echo /usr/bin/time)), load average before: $load_before; command: bench/run.sh -n $runs ${sets[*]}"
echo
python3 "$repo/bench/report.py" "$results"
