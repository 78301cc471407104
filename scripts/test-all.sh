#!/usr/bin/env bash
# Every test of the workspace: sets up the Python reference (model_signing 1.1.1 in .venv-ref) and
# the all-MiniLM-L6-v2 test model on first run, and a real kube-apiserver + etcd (built with Go),
# then runs `cargo test --workspace` and the Python package's tests.
# Needs: a Rust toolchain, Go >= 1.25, python3 with venv, openssl, softhsm2 and opensc (pkcs11-tool);
# .ci/run installs the system packages on Debian.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

export MODEL_SIGNING_REF_VENV="${MODEL_SIGNING_REF_VENV:-$repo/.venv-ref}"
bash scripts/setup-reference.sh

# A real kube-apiserver and etcd for crates/kube-testenv and crates/operator-e2e, built from their Go
# modules once per version into ~/.cache/model-signing-rs/k8s (cold: etcd ~13 min, kube-apiserver
# ~10-20 min on 2 cores; cached: instant). KUBE_TESTENV_SKIP=1 skips those tests instead.
if [[ -z "${KUBE_TESTENV_SKIP:-}" || "${KUBE_TESTENV_SKIP}" == 0 ]]; then
  start=$SECONDS
  # --node: also the kubelet, controller-manager, scheduler, kube-proxy, kubectl, crictl and the
  # registry of crates/operator-e2e/tests/real_node.rs (scripts/local-cluster.sh), same cache.
  KUBE_TESTENV_BIN_DIR="${KUBE_TESTENV_BIN_DIR:-$(bash scripts/k8s-test-binaries.sh --node)}"
  export KUBE_TESTENV_BIN_DIR
  echo "test-all: kube-apiserver and etcd in $KUBE_TESTENV_BIN_DIR ($((SECONDS - start)) s)"
fi

# Debug profile on purpose: see the measurement in .ci/run.
cargo test --workspace "$@"

# The Python package model_signing_rs: maturin wheel + pytest parity suite (cached venv).
bash scripts/test-python.sh
