#!/usr/bin/env bash
# Every test of the workspace: sets up the Python reference (model_signing 1.1.1 in .venv-ref) and
# the all-MiniLM-L6-v2 test model on first run, then runs `cargo test --workspace`.
# Needs: a Rust toolchain, python3 with venv, openssl, softhsm2 and opensc (pkcs11-tool);
# .ci/run installs the system packages on Debian.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

export MODEL_SIGNING_REF_VENV="${MODEL_SIGNING_REF_VENV:-$repo/.venv-ref}"
bash scripts/setup-reference.sh

# Debug profile on purpose: see the measurement in .ci/run.
cargo test --workspace "$@"

# The Python package model_signing_rs: maturin wheel + pytest parity suite (cached venv).
bash scripts/test-python.sh
