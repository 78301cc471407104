"""Group 3: hashing options behave as the reference's do whatever the order of
the calls, and are checked when the reference checks them."""

import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from parity import LIBS, assert_same, both


def rows(manifest):
    return [
        (rd.identifier, rd.digest.algorithm, rd.digest.digest_hex)
        for rd in manifest.resource_descriptors()
    ]


SYMLINK_ORDERS = {
    "allow, then shards": lambda c: c.set_allow_symlinks(True).use_shard_serialization(
        shard_size=1000),
    "allow, then files": lambda c: c.set_allow_symlinks(True).use_file_serialization(),
    "allow, then blake3 shards": lambda c: c.set_allow_symlinks(True).use_shard_serialization(
        hashing_algorithm="blake3"),
    "files, then allow": lambda c: c.use_file_serialization().set_allow_symlinks(True),
    "shards, then allow": lambda c: c.use_shard_serialization(
        shard_size=1000).set_allow_symlinks(True),
    "allow, then files refusing": lambda c: c.set_allow_symlinks(True).use_file_serialization(
        allow_symlinks=False),
    # The reference applies only set_allow_symlinks' flag when hashing.
    "files allowing, nothing else": lambda c: c.use_file_serialization(allow_symlinks=True),
    "shards allowing, nothing else": lambda c: c.use_shard_serialization(allow_symlinks=True),
    "allow, then disallow": lambda c: c.set_allow_symlinks(True).set_allow_symlinks(False),
}


@pytest.mark.parametrize("order", sorted(SYMLINK_ORDERS))
def test_allow_symlinks_survives_the_order_of_calls(model, order):
    os.symlink("config.json", model / "link.json")
    theirs, mine = both(
        lambda lib: SYMLINK_ORDERS[order](lib.hashing.Config()),
        lambda cfg: cfg.hash(model),
    )
    if theirs.exc is not None:
        assert_same(theirs, mine)
        return
    assert mine.exc is None, f"the reference hashed it, ours raised {mine.exc!r}"
    assert rows(mine.value) == rows(theirs.value)
    assert mine.value.serialization_type["allow_symlinks"] is True
    assert theirs.value.serialization_type["allow_symlinks"] is True


CHUNK_CASES = {
    "files, negative chunk": lambda c: c.use_file_serialization(chunk_size=-1),
    "shards, negative chunk": lambda c: c.use_shard_serialization(chunk_size=-4096),
    "blake2 files, negative chunk": lambda c: c.use_file_serialization(
        hashing_algorithm="blake2", chunk_size=-1),
    "shards, zero shard size": lambda c: c.use_shard_serialization(shard_size=0),
    "shards, negative shard size": lambda c: c.use_shard_serialization(shard_size=-5),
    "shards, negative chunk and shard size": lambda c: c.use_shard_serialization(
        chunk_size=-1, shard_size=0),
    "unknown algorithm and negative chunk": lambda c: c.use_file_serialization(
        hashing_algorithm="md5", chunk_size=-1),
}


@pytest.mark.parametrize("case", sorted(CHUNK_CASES))
def test_bad_sizes_raise_at_configuration_like_the_reference(model, case):
    theirs, mine = both(lambda lib: CHUNK_CASES[case](lib.hashing.Config()),
                        lambda cfg: cfg.hash(model))
    assert_same(theirs, mine)


@pytest.mark.parametrize("chunk_size", [0, 1, 7])
def test_accepted_chunk_sizes_give_the_reference_digests(model, chunk_size):
    """0 (read at once) and small chunks are valid; BLAKE3 ignores chunk_size."""
    for make in (
        lambda lib: lib.hashing.Config().use_file_serialization(chunk_size=chunk_size),
        lambda lib: lib.hashing.Config().use_shard_serialization(
            chunk_size=chunk_size, shard_size=500),
        lambda lib: lib.hashing.Config().use_file_serialization(
            hashing_algorithm="blake3", chunk_size=-1),
    ):
        theirs, mine = both(make, lambda cfg: cfg.hash(model))
        assert theirs.exc is None and mine.exc is None, (theirs, mine)
        assert rows(mine.value) == rows(theirs.value)


def hf_cache_snapshot(root):
    """A Hugging Face hub cache entry: every file of the snapshot is a relative
    symlink into blobs/, named by its content's hash (as huggingface_hub lays
    it out); returns the snapshot directory, which is what users sign."""
    import hashlib

    repo = root / "models--acme--tiny"
    blobs = repo / "blobs"
    snapshot = repo / "snapshots" / "0123456789abcdef0123456789abcdef01234567"
    (snapshot / "tokenizer").mkdir(parents=True)
    blobs.mkdir()
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(snapshot.name)
    files = {
        "config.json": b'{"hidden_size": 8}',
        "model.safetensors": bytes(range(256)) * 64,
        "tokenizer/vocab.txt": b"a\nb\nc\n",
        "README.md": b"# tiny\n",
    }
    for name, data in files.items():
        blob = blobs / hashlib.sha256(data).hexdigest()
        blob.write_bytes(data)
        link = snapshot / name
        os.symlink(os.path.relpath(blob, link.parent), link)
    return snapshot


HF_CONFIGS = {
    "allow, then shards": lambda lib: lib.hashing.Config().set_allow_symlinks(
        True).use_shard_serialization(shard_size=4096),
    "shards, then allow": lambda lib: lib.hashing.Config().use_shard_serialization(
        shard_size=4096).set_allow_symlinks(True),
    "allow, then files": lambda lib: lib.hashing.Config().set_allow_symlinks(
        True).use_file_serialization(),
    "files, then allow": lambda lib: lib.hashing.Config().use_file_serialization(
    ).set_allow_symlinks(True),
}


@pytest.mark.parametrize("signer", ["ref", "ours"])
@pytest.mark.parametrize("order", sorted(HF_CONFIGS))
def test_hugging_face_cache_snapshot_is_hashed_signed_and_verified(tmp_path, order, signer):
    snapshot = hf_cache_snapshot(tmp_path / "hub")
    assert all(p.is_symlink() for p in snapshot.rglob("*") if not p.is_dir())
    make = HF_CONFIGS[order]
    assert rows(make(LIBS["ours"]).hash(snapshot)) == rows(make(LIBS["ref"]).hash(snapshot))

    key = ec.generate_private_key(ec.SECP256R1())
    priv, pub = tmp_path / "key.pem", tmp_path / "key.pub"
    priv.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    pub.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    sig = tmp_path / "snapshot.sig"
    lib = LIBS[signer]
    lib.signing.Config().use_elliptic_key_signer(private_key=priv).set_hashing_config(
        make(lib)).sign(snapshot, sig)
    for verifier in LIBS.values():
        verifier.verifying.Config().use_elliptic_key_verifier(public_key=pub).set_hashing_config(
            make(verifier)).verify(snapshot, sig)
    # The shard digests of the reference 1.1.1 cannot be read back by itself (it parses the
    # shard size as a float); ours also verifies with the configuration the signature records.
    LIBS["ours"].verifying.Config().use_elliptic_key_verifier(public_key=pub).verify(
        snapshot, sig)
