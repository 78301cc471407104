#!/usr/bin/env bash
# The scanner benchmark: detection vs. peers on the generated corpus, wall time on a large
# benign model, our throughput on tensor-heavy files, and `verify --scan` overhead.
# usage: bench/scan_bench.sh [MODEL_SIGNING_BIN] [LARGE_GIB]
# Results go to stdout; bench/SCANNER.md records a run.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-$repo/target/release/model_signing}"
gib="${2:-1}"
work="${SCAN_BENCH_DIR:-$HOME/.cache/model-signing-rs/scan-bench}"
venv="$(bash "$repo/scripts/setup-scan-venv.sh")"
peers="$(bash "$repo/bench/setup-scanner-peers.sh")"
export PROMPTFOO_DISABLE_TELEMETRY=1

[ -f "$work/corpus/expected.json" ] || "$venv/bin/python" "$repo/scripts/scan-corpus/gen_corpus.py" "$work/corpus"
[ -f "$work/large/expected.json" ] || "$venv/bin/python" "$repo/scripts/scan-corpus/gen_corpus.py" "$work/large" --large-gib "$gib"

echo "## Detection on the corpus (per-file runs)"
python3 "$repo/bench/scan_corpus.py" "$work/corpus" "$peers" "$bin" --jobs 2 \
    --tools "model_signing scan,picklescan,modelscan,fickling"
echo "## modelaudit (one directory run, JSON; per-file runs take ~30 s each)"
(cd "$work" && timeout 3600 "$peers/bin/modelaudit" scan --no-cache --format json \
    --output "$work/modelaudit.json" "$work/corpus" >/dev/null 2>&1 || true)
python3 "$repo/bench/modelaudit_table.py" "$work/corpus" "$work/modelaudit.json"

t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
echo "## Wall time on large benign models (seconds, warm page cache)"
for f in model.pkl pytorch_model.bin model.safetensors; do
    p="$work/large/large/$f"
    cat "$p" >/dev/null
    size=$(stat -c %s "$p")
    ours=$(t "$bin" scan "$p")
    echo "$f ($size bytes): model_signing scan ${ours}s = $(echo "$size / $ours / 1000000000" | bc -l | cut -c1-5) GB/s"
    for tool in "picklescan --path" "modelscan -p" "fickling --check-safety"; do
        echo "  $tool: $(t timeout 1200 $peers/bin/$tool "$p")s"
    done
    echo "  modelaudit scan: $(t timeout 1200 "$peers/bin/modelaudit" scan --no-cache "$p")s"
done

echo "## verify vs verify --scan (key signing, sha256, files)"
model="$work/large/large"
key="$work/key.pem"; pub="$work/pub.pem"
[ -f "$key" ] || { openssl ecparam -name prime256v1 -genkey -noout -out "$key"; openssl ec -in "$key" -pubout -out "$pub" 2>/dev/null; }
rm -f "$work/model.sig"
"$bin" sign key "$model" --private-key "$key" --signature "$work/model.sig" >/dev/null
for i in 1 2 3; do
    a=$(t "$bin" verify key "$model" --public-key "$pub" --signature "$work/model.sig")
    b=$(t "$bin" verify key "$model" --public-key "$pub" --signature "$work/model.sig" --scan)
    echo "run $i: verify ${a}s, verify --scan ${b}s"
done
