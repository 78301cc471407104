#!/usr/bin/env bash
# The Python package's tests: builds the model_signing_rs wheel with maturin, installs it in a
# venv next to the reference model_signing 1.1.1, and runs the pytest suite of
# crates/model-signing-py/tests (parity with the reference, load-what-you-verified).
# The venv is cached outside the repository and rebuilt only when its requirements change.
# Env: MODEL_SIGNING_PY_VENV (venv path), MODEL_SIGNING_PY_PROFILE (dev|release, default dev).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

venv="${MODEL_SIGNING_PY_VENV:-$HOME/.cache/model-signing-rs/py-test-venv}"
profile="${MODEL_SIGNING_PY_PROFILE:-dev}"
requirements=("maturin>=1.7,<2" "pytest>=8" "numpy" "safetensors" "model-signing==1.1.1" "pyopenssl")
stamp="$venv/.requirements"

if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${requirements[*]}" ]; then
    echo "test-python: creating $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip
    "$venv/bin/pip" install -q "${requirements[@]}"
    echo "${requirements[*]}" >"$stamp"
fi

wheels="$repo/target/wheels-py"
rm -rf "$wheels"
start=$SECONDS
"$venv/bin/maturin" build --quiet -m crates/model-signing-py/Cargo.toml --profile "$profile" \
    --interpreter "$venv/bin/python" --out "$wheels"
echo "test-python: wheel built ($profile) in $((SECONDS - start))s" >&2
"$venv/bin/pip" install -q --force-reinstall --no-deps "$wheels"/model_signing_rs-*.whl

# pytest exits non-zero on failures and with 5 when no test was collected.
cd crates/model-signing-py
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
