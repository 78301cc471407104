"""Load what you verified: read_verified and load_verified_safetensors."""

import importlib.util

import model_signing as ref
import model_signing_rs as ours
import numpy as np
import pytest
from safetensors.numpy import save_file


def key_verifier(pub):
    return ours.verifying.Config().use_elliptic_key_verifier(public_key=pub)


def sign_with_ref(model, sig, priv, **hashing):
    cfg = ref.signing.Config().use_elliptic_key_signer(private_key=priv)
    if hashing:
        cfg.set_hashing_config(ref.hashing.Config().use_shard_serialization(**hashing))
    cfg.sign(model, sig)


def on_disk(model):
    skip = {".git", ".gitattributes"}
    return {
        p.relative_to(model).as_posix(): p.read_bytes()
        for p in model.rglob("*")
        if p.is_file() and p.relative_to(model).parts[0] not in skip
    }


@pytest.mark.parametrize("hashing", [{}, {"shard_size": 1000}], ids=["files", "shards"])
def test_returns_exactly_the_verified_bytes(model, tmp_path, ec_keys, hashing):
    priv, pub = ec_keys
    sig = tmp_path / "model.sig"
    sign_with_ref(model, sig, priv, **hashing)
    got = ours.read_verified(model, sig, key_verifier(pub))
    assert got == on_disk(model)
    assert all(type(v) is bytes for v in got.values())


def test_single_file_model(model, tmp_path, ec_keys):
    priv, pub = ec_keys
    sig = tmp_path / "w.sig"
    sign_with_ref(model / "weights.bin", sig, priv)
    got = ours.read_verified(model / "weights.bin", sig, key_verifier(pub))
    assert got == {".": (model / "weights.bin").read_bytes()}


def test_tampered_file_returns_nothing(model, tmp_path, ec_keys):
    priv, pub = ec_keys
    sig = tmp_path / "model.sig"
    sign_with_ref(model, sig, priv)
    (model / "weights.bin").write_bytes(b"evil")
    with pytest.raises(ValueError, match="Signature mismatch"):
        ours.read_verified(model, sig, key_verifier(pub))


def test_file_swapped_between_listing_and_reading_is_refused(model, tmp_path, ec_keys):
    """The first progress call comes after the files are listed and before any
    is read: replacing a file there is the race a check-then-load gap allows."""
    priv, pub = ec_keys
    sig = tmp_path / "model.sig"
    sign_with_ref(model, sig, priv)
    good = (model / "weights.bin").read_bytes()
    swapped = []

    def attacker(done, total):
        if not swapped:
            (model / "weights.bin").write_bytes(b"\x66" * len(good))
            swapped.append(True)

    with pytest.raises(ValueError, match="weights.bin"):
        ours.read_verified(model, sig, key_verifier(pub), progress=attacker)
    assert swapped


def test_file_changed_after_verification_cannot_reach_the_caller(model, tmp_path, ec_keys):
    """What is returned is a copy taken before verification: later writes to
    the folder do not change it (the loader never re-opens the file)."""
    priv, pub = ec_keys
    sig = tmp_path / "model.sig"
    sign_with_ref(model, sig, priv)
    good = (model / "weights.bin").read_bytes()
    got = ours.read_verified(model, sig, key_verifier(pub))
    (model / "weights.bin").write_bytes(b"evil")
    assert got["weights.bin"] == good


def test_honours_the_verifier_config(model, tmp_path, ec_keys):
    priv, pub = ec_keys
    sig = tmp_path / "model.sig"
    sign_with_ref(model, sig, priv)
    (model / "unsigned.txt").write_text("x")
    with pytest.raises(ValueError):
        ours.read_verified(model, sig, key_verifier(pub))
    got = ours.read_verified(model, sig, key_verifier(pub).set_ignore_unsigned_files(True))
    assert "unsigned.txt" not in got
    with pytest.raises(ValueError, match="no configured verifier"):
        ours.read_verified(model, sig, ours.verifying.Config())


def test_sigstore_fixture(sigstore_model, trust_config):
    from conftest import SIGSTORE_IDENTITY, SIGSTORE_ISSUER

    cfg = ours.verifying.Config().use_sigstore_verifier(
        identity=SIGSTORE_IDENTITY, oidc_issuer=SIGSTORE_ISSUER, trust_config=trust_config)
    got = ours.read_verified(sigstore_model, sigstore_model / "model.sig", cfg)
    assert got == {
        "signme-1": (sigstore_model / "signme-1").read_bytes(),
        "signme-2": (sigstore_model / "signme-2").read_bytes(),
    }


@pytest.fixture
def st_model(tmp_path):
    m = tmp_path / "st"
    m.mkdir()
    save_file({"a": np.arange(12, dtype=np.float32).reshape(3, 4)}, str(m / "model-00001-of-00002.safetensors"))
    save_file({"b": np.ones((2, 2), dtype=np.int64)}, str(m / "model-00002-of-00002.safetensors"))
    (m / "config.json").write_text("{}")
    return m


def test_load_verified_safetensors_numpy(st_model, tmp_path, ec_keys):
    priv, pub = ec_keys
    sig = tmp_path / "st.sig"
    sign_with_ref(st_model, sig, priv)
    tensors = ours.load_verified_safetensors(st_model, sig, key_verifier(pub))
    assert sorted(tensors) == ["a", "b"]
    np.testing.assert_array_equal(tensors["a"], np.arange(12, dtype=np.float32).reshape(3, 4))
    np.testing.assert_array_equal(tensors["b"], np.ones((2, 2), dtype=np.int64))


def test_load_verified_safetensors_refuses_tampered_weights(st_model, tmp_path, ec_keys):
    priv, pub = ec_keys
    sig = tmp_path / "st.sig"
    sign_with_ref(st_model, sig, priv)
    save_file({"b": np.zeros((2, 2), dtype=np.int64)}, str(st_model / "model-00002-of-00002.safetensors"))
    with pytest.raises(ValueError, match="Signature mismatch"):
        ours.load_verified_safetensors(st_model, sig, key_verifier(pub))


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_load_verified_safetensors_torch(st_model, tmp_path, ec_keys):
    priv, pub = ec_keys
    sig = tmp_path / "st.sig"
    sign_with_ref(st_model, sig, priv)
    tensors = ours.load_verified_safetensors(st_model, sig, key_verifier(pub), framework="pt")
    assert tensors["a"].shape == (3, 4)


def test_unknown_framework(st_model, tmp_path, ec_keys):
    with pytest.raises(ValueError, match="framework"):
        ours.load_verified_safetensors(st_model, tmp_path / "x.sig", ours.verifying.Config(), framework="jax")


class _RunsId:
    def __reduce__(self):
        import os

        return (os.system, ("id",))


def test_scan_refuses_a_signed_pickle_payload_and_returns_nothing(model, tmp_path, ec_keys):
    import pickle

    priv, pub = ec_keys
    (model / "optimizer.pt").write_bytes(pickle.dumps(_RunsId(), protocol=2))
    sig = tmp_path / "model.sig"
    sign_with_ref(model, sig, priv)
    # Integrity alone: the signature covers the payload, so it verifies.
    assert "optimizer.pt" in ours.read_verified(model, sig, key_verifier(pub))
    with pytest.raises(ValueError) as err:
        ours.read_verified(model, sig, key_verifier(pub), scan=True)
    message = str(err.value)
    # weights.bin and b.bin are arbitrary bytes: unknown, reported too.
    assert message.startswith("the model failed the scan: 1 dangerous and 2 unknown file(s): ")
    assert "optimizer.pt Dangerous: posix.system" in message
    with pytest.raises(ValueError, match="1 dangerous"):
        ours.read_verified(model, sig, key_verifier(pub), scan=True, scan_allow_unknown=True)


def test_scan_passes_a_model_of_weights_and_text(model, tmp_path, ec_keys):
    priv, pub = ec_keys
    save_file({"w": np.arange(4, dtype=np.float32)}, str(model / "model.safetensors"))
    sig = tmp_path / "model.sig"
    sign_with_ref(model, sig, priv)
    got = ours.read_verified(model, sig, key_verifier(pub), scan=True, scan_allow_unknown=True)
    assert got == on_disk(model)
    tensors = ours.load_verified_safetensors(model, sig, key_verifier(pub), scan=True)
    assert list(tensors["w"]) == [0.0, 1.0, 2.0, 3.0]


# The verifier's plan (issue: the Python path read before it checked): the file lists are
# compared before any file is read, the signature is read bounded and only if it is a regular
# file, and a file is never read through a blocking open.

def _sparse(path, size):
    with open(path, "wb") as f:
        f.truncate(size)


@pytest.mark.parametrize("call", ["verify", "read_verified"])
def test_an_added_huge_file_is_refused_before_anything_is_read(model, tmp_path, ec_keys, call):
    """A 64 GiB sparse file added to the model: before, `read_verified` allocated a bytes
    object for it (MemoryError, or the process killed) and `verify()` hashed it in full."""
    priv, pub = ec_keys
    sig = tmp_path / "model.sig"
    sign_with_ref(model, sig, priv)
    _sparse(model / "huge.bin", 64 << 30)
    with pytest.raises(ValueError, match="Signature mismatch") as raised:
        if call == "verify":
            key_verifier(pub).verify(model, sig)
        else:
            ours.read_verified(model, sig, key_verifier(pub))
    assert raised.value.added == ["huge.bin"]
    assert "huge.bin" in str(raised.value)
    assert raised.value.listing_only
    assert "the file lists differ, so contents were not compared" in raised.value.detail


def test_a_signature_over_the_size_limit_is_refused_without_reading_it(model, tmp_path, ec_keys):
    """A 3 GiB sparse signature: before, it was read whole (3 GiB of memory) first."""
    _, pub = ec_keys
    sig = tmp_path / "model.sig"
    _sparse(sig, 3 << 30)
    with pytest.raises(ValueError, match="the most a signature file may hold"):
        key_verifier(pub).verify(model, sig)
    with pytest.raises(ValueError, match="the most a signature file may hold"):
        ours.read_verified(model, sig, key_verifier(pub))


def test_a_fifo_as_the_signature_is_refused_at_once(model, tmp_path, ec_keys):
    """Opening a FIFO nobody writes to blocks forever; the verifier must refuse it."""
    import os
    import threading

    _, pub = ec_keys
    sig = tmp_path / "model.sig"
    os.mkfifo(sig)
    outcome = []

    def run():
        try:
            key_verifier(pub).verify(model, sig)
            outcome.append("verified")
        except Exception as e:  # noqa: BLE001 - the test inspects whatever was raised
            outcome.append(e)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    assert outcome, "verify() hung on a FIFO signature"
    assert isinstance(outcome[0], ValueError), outcome
    assert "is a FIFO (named pipe): expected a regular file holding a signature" in str(outcome[0])
