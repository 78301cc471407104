#!/usr/bin/env bash
# Benchmarks the Python package model_signing_rs (release wheel) against the reference
# model_signing 1.1.1's library API and our CLI, in the same run: in-process key verification
# of the llm-like (4 x 1 GiB) and many-small (10,000 files) data sets, and import times.
# Heavy (4.3 GB of data): never run in CI. Results: bench/PYTHON.md (written by hand from the
# printed table).
#
#   bench/python.sh [-n RUNS] [SET ...]     SET: llm-like many-small (default: both)
set -euo pipefail

if [ "${CI:-}" = "true" ]; then
    echo "bench/python.sh: too heavy for CI, refusing to run (CI=true)" >&2
    exit 2
fi
runs=5
while getopts "n:" opt; do
    case "$opt" in
        n) runs="$OPTARG" ;;
        *) sed -n '2,9p' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(llm-like many-small)

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${BENCH_DATA:-$repo/bench/data}"
venv="${MODEL_SIGNING_PY_BENCH_VENV:-$HOME/.cache/model-signing-rs/py-bench-venv}"
log() { printf 'bench: %s\n' "$*" >&2; }

python3 "$repo/bench/gen_data.py" "$data" "${sets[@]}"

if [ ! -x "$venv/bin/maturin" ]; then
    log "creating $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "maturin>=1.7,<2" "model-signing==1.1.1" pyopenssl
fi
log "building the release wheel and the release CLI"
start=$SECONDS
"$venv/bin/maturin" build --quiet --release -m "$repo/crates/model-signing-py/Cargo.toml" \
    --interpreter "$venv/bin/python" --out "$repo/target/wheels-py-release"
log "release wheel built in $((SECONDS - start))s"
"$venv/bin/pip" install -q --force-reinstall --no-deps "$repo"/target/wheels-py-release/model_signing_rs-*.whl
# MODEL_SIGNING_CLI: an already built release CLI (e.g. the static verifier) instead of building one.
cli="${MODEL_SIGNING_CLI:-}"
if [ -z "$cli" ]; then
    (cd "$repo" && cargo build --release --quiet -p model-signing-cli)
    cli="${CARGO_TARGET_DIR:-$repo/target}/release/model_signing"
fi

key="$data/keys/p256.key.pem"
pub="$data/keys/p256.pub.pem"
if [ ! -f "$pub" ]; then
    mkdir -p "$data/keys"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$key"
    openssl pkey -in "$key" -pubout -out "$pub"
fi

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; runs: $runs"
echo
echo "| data set | measurement | median (s) | best (s) |"
echo "|---|---|---|---|"
for set in "${sets[@]}"; do
    model="$data/$set"
    sig="$data/run/py-$set.sig"
    mkdir -p "$data/run"
    "$cli" sign key --private_key "$key" --signature "$sig" "$model" >/dev/null
    "$venv/bin/python" "$repo/bench/python_bench.py" "$runs" "$model" "$sig" "$pub" "$cli" |
        while IFS=$'\t' read -r name median best; do
            echo "| $set | $name | $median | $best |"
        done
done

# Import time: median of 11 fresh interpreters, minus an interpreter that imports nothing.
import_time() {
    "$venv/bin/python" - "$venv/bin/python" "$1" <<'PY'
import statistics, subprocess, sys, time
py, stmt = sys.argv[1], sys.argv[2]
def run(code):
    t = time.perf_counter(); subprocess.run([py, "-c", code], check=True)
    return time.perf_counter() - t
base = statistics.median(run("pass") for _ in range(11))
full = statistics.median(run(stmt) for _ in range(11))
print(f"{(full - base) * 1000:.0f}")
PY
}
echo
echo "| import | ms (median of 11, minus an empty interpreter) |"
echo "|---|---|"
echo "| \`import model_signing_rs\` | $(import_time 'import model_signing_rs') |"
echo "| \`import model_signing\` (reference 1.1.1) | $(import_time 'import model_signing') |"
