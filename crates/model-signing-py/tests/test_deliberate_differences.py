"""The differences from the reference that stay (README, Python section): each
runs the same scenario with both modules and pins that the reference accepts
what ours refuses, and where ours refuses it."""

from parity import LIBS, both


def key_signer(lib, priv):
    return lib.signing.Config().use_elliptic_key_signer(private_key=priv)


def test_an_empty_model_is_not_signed(tmp_path, ec_keys):
    priv, _ = ec_keys
    model = tmp_path / "empty"
    model.mkdir()
    (model / ".gitignore").write_text("*.tmp\n")  # ignored by default: nothing left
    theirs, mine = both(lambda lib: key_signer(lib, priv),
                        lambda cfg: cfg.sign(model, tmp_path / "model.sig"))
    assert theirs.exc is None
    assert mine.stage == "call" and type(mine.exc) is ValueError
    assert "at least one file" in str(mine.exc)


def test_no_fallback_to_web_roots_without_a_certificate_chain():
    theirs, mine = both(lambda lib: lib.verifying.Config().use_certificate_verifier())
    assert theirs.exc is None
    assert mine.stage == "configure" and type(mine.exc) is ValueError
    assert "no trusted root certificate" in str(mine.exc)


def test_a_colon_in_a_file_name_is_refused_in_shards(tmp_path, ec_keys):
    priv, _ = ec_keys
    model = tmp_path / "model"
    model.mkdir()
    (model / "a:b.bin").write_bytes(b"x")
    theirs, mine = both(
        lambda lib: key_signer(lib, priv).set_hashing_config(
            lib.hashing.Config().use_shard_serialization()),
        lambda cfg: cfg.sign(model, tmp_path / "model.sig"),
    )
    assert theirs.exc is None
    assert mine.stage == "call" and isinstance(mine.exc, ValueError)
    assert "a:b.bin" in str(mine.exc)


def test_serializer_ignore_paths_are_honoured(model):
    theirs, mine = both(
        lambda lib: lib.hashing.Config().use_file_serialization(ignore_paths=["README.md"]),
        lambda cfg: cfg.hash(model),
    )
    names = {
        k: [rd.identifier for rd in o.value.resource_descriptors()]
        for k, o in (("ref", theirs), ("ours", mine))
    }
    assert "README.md" in names["ref"]
    assert "README.md" not in names["ours"]
    assert "README.md" in mine.value.serialization_type["ignore_paths"]


def test_a_signature_recording_allow_symlinks_verifies_without_a_hashing_config(tmp_path, ec_keys):
    """The reference guesses the hashing configuration from the signature but then hashes
    with `set_allow_symlinks`' default (False), so it cannot verify its own signature of a
    model with symlinks unless the caller repeats the configuration; ours follows the
    signature."""
    import os

    priv, pub = ec_keys
    model = tmp_path / "model"
    model.mkdir()
    (model / "blob").write_bytes(b"weights")
    os.symlink("blob", model / "weights.bin")
    sig = tmp_path / "model.sig"
    from parity import ref

    ref.signing.Config().use_elliptic_key_signer(private_key=priv).set_hashing_config(
        ref.hashing.Config().set_allow_symlinks(True)).sign(model, sig)
    theirs, mine = both(
        lambda lib: lib.verifying.Config().use_elliptic_key_verifier(public_key=pub),
        lambda cfg: cfg.verify(model, sig),
    )
    assert theirs.stage == "call" and "symlink" in str(theirs.exc)
    assert mine.exc is None


def test_differing_file_lists_are_reported_before_anything_is_hashed(model, tmp_path, ec_keys):
    """A file added and another changed: both refuse at verify() with the same
    class, and both name the added file; the reference also names the changed one
    because it hashed every file first, ours stops at the file lists."""
    priv, pub = ec_keys
    sig = tmp_path / "model.sig"
    key_signer(LIBS["ref"], priv).sign(model, sig)
    (model / "config.json").write_text('{"hidden": 9}')
    (model / "extra.bin").write_bytes(b"extra")
    theirs, mine = both(
        lambda lib: lib.verifying.Config().use_elliptic_key_verifier(public_key=pub),
        lambda cfg: cfg.verify(model, sig),
    )
    assert theirs.stage == mine.stage == "call"
    assert isinstance(mine.exc, type(theirs.exc))
    assert "Extra files found in model" in str(theirs.exc) and "extra.bin" in str(theirs.exc)
    assert "Extra files found in model" in str(mine.exc) and "extra.bin" in str(mine.exc)
    assert "Hash mismatch for" in str(theirs.exc) and "config.json" in str(theirs.exc)
    assert "config.json" not in str(mine.exc)
    assert mine.exc.added == ["extra.bin"] and mine.exc.changed == []
