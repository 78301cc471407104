#!/usr/bin/env bash
# Builds (once) a venv with the peer scanners from PyPI, outside the repository.
set -euo pipefail
VENV="${SCAN_PEERS_VENV:-$HOME/.cache/model-signing-rs/scan-peers-venv}"
if [ ! -x "$VENV/bin/picklescan" ]; then
    mkdir -p "$(dirname "$VENV")"
    python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        picklescan modelscan fickling modelaudit numpy >&2
fi
echo "$VENV"
