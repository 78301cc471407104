#!/usr/bin/env bash
# Builds (once) the Python venv the scanner's corpus generator uses: numpy, scikit-learn and
# joblib from PyPI, cached outside the repository. Prints the venv path.
# torch is NOT installed (several GB with CUDA deps): the generator writes PyTorch's zip and
# legacy layouts itself, byte for byte as torch.save does.
set -euo pipefail
VENV="${MODEL_SIGNING_SCAN_VENV:-$HOME/.cache/model-signing-rs/scan-venv}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import numpy, sklearn, joblib" 2>/dev/null; then
    mkdir -p "$(dirname "$VENV")"
    python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        "numpy>=1.26" "scikit-learn>=1.4" "joblib>=1.3" >&2
fi
echo "$VENV"
