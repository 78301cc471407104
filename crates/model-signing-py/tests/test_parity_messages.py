"""Group 2: failures a caller may show or match on read as the reference's, and
our report stays available as data on the exception."""

import base64
import datetime
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from parity import LIBS, assert_same, both


def key_signer(lib, priv):
    return lib.signing.Config().use_elliptic_key_signer(private_key=priv)


def key_verifier(lib, pub):
    return lib.verifying.Config().use_elliptic_key_verifier(public_key=pub)


TAMPERS = {
    "changed": lambda m: (m / "config.json").write_text('{"hidden": 9}'),
    "two changed": lambda m: [(m / "config.json").write_text("x"),
                              (m / "sub" / "a.txt").write_text("b")],
    "emptied": lambda m: (m / "weights.bin").write_bytes(b""),
    "added": lambda m: (m / "extra.bin").write_bytes(b"extra"),
    "two added": lambda m: [(m / "z.bin").write_bytes(b"z"), (m / "b.bin").write_bytes(b"b")],
    "removed": lambda m: (m / "sub" / "a.txt").unlink(),
    "renamed": lambda m: (m / "sub" / "a.txt").rename(m / "sub" / "c.txt"),
    "quote in a name": lambda m: (m / "it's.bin").write_bytes(b"q"),
}


@pytest.mark.parametrize("signer", ["ref", "ours"])
@pytest.mark.parametrize("tamper", sorted(TAMPERS))
def test_signature_mismatch_reads_as_the_reference(model, tmp_path, ec_keys, tamper, signer):
    priv, pub = ec_keys
    sig = tmp_path / "model.sig"
    key_signer(LIBS[signer], priv).sign(model, sig)
    TAMPERS[tamper](model)
    theirs, mine = both(lambda lib: key_verifier(lib, pub), lambda cfg: cfg.verify(model, sig))
    assert_same(theirs, mine)
    assert type(mine.exc) is ValueError


def test_mismatch_report_is_kept_as_attributes(model, tmp_path, ec_keys):
    priv, pub = ec_keys
    sig = tmp_path / "model.sig"
    key_signer(LIBS["ref"], priv).sign(model, sig)
    (model / "config.json").write_text("changed")
    theirs, mine = both(lambda lib: key_verifier(lib, pub), lambda cfg: cfg.verify(model, sig))
    assert_same(theirs, mine)
    exc = mine.exc
    assert exc.added == [] and exc.missing == [] and exc.ignored == []
    [(name, expected, actual)] = exc.changed
    assert name == "config.json"
    assert expected.algorithm == actual.algorithm == "sha256"
    import hashlib

    assert actual.digest_value == hashlib.sha256(b"changed").digest()
    assert "config.json" in exc.detail

    (model / "new.bin").write_bytes(b"n")
    (model / "sub" / "a.txt").unlink()
    exc = LIBS["ours"].verifying.Config().use_elliptic_key_verifier(public_key=pub)
    with pytest.raises(ValueError) as raised:
        exc.verify(model, sig)
    assert raised.value.added == ["new.bin"]
    assert raised.value.missing == ["sub/a.txt"]


def test_a_signed_file_now_ignored_is_reported_missing(model, tmp_path, ec_keys):
    priv, pub = ec_keys
    sig = tmp_path / "model.sig"
    key_signer(LIBS["ref"], priv).sign(model, sig)
    theirs, mine = both(
        lambda lib: key_verifier(lib, pub).set_hashing_config(
            lib.hashing.Config().set_ignored_paths(paths=["README.md"])),
        lambda cfg: cfg.verify(model, sig),
    )
    assert_same(theirs, mine)
    assert mine.exc.ignored == ["README.md"]


def test_key_mismatch_reads_as_the_reference(model, tmp_path, ec_keys, other_pub):
    priv, _ = ec_keys
    sig = tmp_path / "model.sig"
    key_signer(LIBS["ref"], priv).sign(model, sig)
    theirs, mine = both(lambda lib: key_verifier(lib, other_pub),
                        lambda cfg: cfg.verify(model, sig))
    assert_same(theirs, mine)
    assert mine.exc.detail.startswith("Key mismatch")


def test_bundle_media_type_error_reads_as_the_reference(model, tmp_path, ec_keys):
    """An unknown media type: the reference's bundle model (pydantic) refuses it
    before its own check can word it, with a ValidationError (a ValueError) whose
    text is pydantic's; ours raises a ValueError at the same stage, worded as the
    reference's own media-type check words it."""
    from model_signing._signing import sign_sigstore_pb

    priv, pub = ec_keys
    sig = tmp_path / "model.sig"
    key_signer(LIBS["ref"], priv).sign(model, sig)
    bundle = json.loads(sig.read_text())
    bundle["mediaType"] = "application/vnd.dev.sigstore.bundle.v9+json"
    sig.write_text(json.dumps(bundle))
    theirs, mine = both(lambda lib: key_verifier(lib, pub), lambda cfg: cfg.verify(model, sig))
    assert theirs.stage == mine.stage == "call"
    assert isinstance(theirs.exc, ValueError) and type(mine.exc) is ValueError
    assert "mediaType" in str(theirs.exc)
    assert str(mine.exc) == (
        "Invalid sigstore bundle, got media type application/vnd.dev.sigstore.bundle.v9+json "
        f"but expected {sign_sigstore_pb._BUNDLE_MEDIA_TYPE}"
    )


MEDIA_TYPES = [
    "application/vnd.dev.sigstore.bundle.v0.3+json",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
]


@pytest.mark.parametrize("media_type", MEDIA_TYPES)
@pytest.mark.parametrize("method", ["key", "certificate"])
def test_bundle_media_types_accepted_as_the_reference_accepts_them(
    model, tmp_path, ec_keys, pki, media_type, method
):
    """Every media type a Sigstore bundle may carry, for the key and the
    certificate methods: accepted or refused as the reference decides, refused
    with the reference's words (the v0.3 alias was accepted by ours only)."""
    sig = tmp_path / "model.sig"
    if method == "key":
        priv, pub = ec_keys
        key_signer(LIBS["ref"], priv).sign(model, sig)
        configure = lambda lib: key_verifier(lib, pub)  # noqa: E731
    else:
        LIBS["ref"].signing.Config().use_certificate_signer(
            private_key=pki["key"], signing_certificate=pki["leaf"],
            certificate_chain=[pki["int"]]).sign(model, sig)
        configure = lambda lib: lib.verifying.Config().use_certificate_verifier(  # noqa: E731
            certificate_chain=[pki["root"], pki["int"]])
    bundle = json.loads(sig.read_text())
    bundle["mediaType"] = media_type
    sig.write_text(json.dumps(bundle))
    theirs, mine = both(configure, lambda cfg: cfg.verify(model, sig))
    if theirs.exc is None:
        assert mine.exc is None, f"the reference accepts {media_type}, ours: {mine.exc!r}"
    else:
        assert_same(theirs, mine)


def _cert(subject, key, issuer, issuer_key, *, ca, usage, path):
    now = datetime.datetime.now(datetime.timezone.utc)
    name = lambda cn: x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])  # noqa: E731
    b = (
        x509.CertificateBuilder()
        .subject_name(name(subject))
        .issuer_name(name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer_key.public_key()), critical=False)
    )
    path.write_bytes(b.sign(issuer_key, hashes.SHA256()).public_bytes(
        serialization.Encoding.PEM))
    return path


def test_certificate_usage_error_reads_as_the_reference(model, tmp_path):
    """A leaf whose KeyUsage is keyEncipherment only, with no ExtendedKeyUsage."""
    root_k, leaf_k = ec.generate_private_key(ec.SECP384R1()), ec.generate_private_key(
        ec.SECP256R1())
    ca_usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    leaf_usage = x509.KeyUsage(False, False, True, False, False, False, False, False, False)
    root = _cert("root", root_k, "root", root_k, ca=True, usage=ca_usage,
                 path=tmp_path / "root.pem")
    leaf = _cert("leaf", leaf_k, "root", root_k, ca=False, usage=leaf_usage,
                 path=tmp_path / "leaf.pem")
    key = tmp_path / "leaf.key"
    key.write_bytes(leaf_k.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()))
    sig = tmp_path / "model.sig"
    LIBS["ref"].signing.Config().use_certificate_signer(
        private_key=key, signing_certificate=leaf, certificate_chain=[root]).sign(model, sig)
    theirs, mine = both(
        lambda lib: lib.verifying.Config().use_certificate_verifier(certificate_chain=[root]),
        lambda cfg: cfg.verify(model, sig),
    )
    assert_same(theirs, mine)
    assert "leaf" in mine.exc.detail


def test_sharded_digest_names_in_a_mismatch(model, tmp_path, ec_keys):
    """Signed by ours in shards, a changed shard is named `path:start:end` as the
    reference names it (the reference itself cannot read back a sharded signature,
    so its message is built from a manifest of its own)."""
    priv, pub = ec_keys
    sig = tmp_path / "model.sig"
    LIBS["ours"].signing.Config().use_elliptic_key_signer(private_key=priv).set_hashing_config(
        LIBS["ours"].hashing.Config().use_shard_serialization(shard_size=4096)).sign(model, sig)
    data = bytearray((model / "weights.bin").read_bytes())
    data[5000] ^= 1
    (model / "weights.bin").write_bytes(bytes(data))
    with pytest.raises(ValueError) as raised:
        key_verifier(LIBS["ours"], pub).verify(model, sig)
    [(name, expected, actual)] = raised.value.changed
    assert name == "weights.bin:4096:8192"
    assert expected.algorithm == actual.algorithm == "sha256-sharded-4096"
    diff = f"Hash mismatch for 'weights.bin:4096:8192': Expected '{expected}', Actual '{actual}'"
    assert str(raised.value) == f"Signature mismatch: {[diff]}"


MALFORMED = {
    "not JSON": lambda sig: sig.write_text("{not json"),
    "no verificationMaterial": lambda sig: sig.write_text(json.dumps(
        {k: v for k, v in json.loads(sig.read_text()).items() if k != "verificationMaterial"})),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_signature_raises_the_reference_class(model, tmp_path, ec_keys, case):
    """The reference's classes here are accidents of its parsing (json's
    JSONDecodeError, a KeyError); ours is a ValueError that is also that class,
    so `except` clauses written for either library catch it. The messages stay ours."""
    priv, pub = ec_keys
    sig = tmp_path / "model.sig"
    key_signer(LIBS["ref"], priv).sign(model, sig)
    MALFORMED[case](sig)
    theirs, mine = both(lambda lib: key_verifier(lib, pub), lambda cfg: cfg.verify(model, sig))
    assert_same(theirs, mine, message=False)
    assert isinstance(mine.exc, ValueError)


@pytest.mark.parametrize("signed_with", ["key", "certificate"])
def test_a_signature_of_the_other_method_raises_the_reference_class(model, tmp_path, ec_keys,
                                                                    pki, signed_with):
    """The reference fails with AttributeError reading the other method's material; ours
    is a ValueError that is also an AttributeError, and says which method signed it."""
    priv, pub = ec_keys
    sig = tmp_path / "model.sig"
    if signed_with == "key":
        key_signer(LIBS["ref"], priv).sign(model, sig)
        verifier = lambda lib: lib.verifying.Config().use_certificate_verifier(  # noqa: E731
            certificate_chain=[pki["root"]])
    else:
        LIBS["ref"].signing.Config().use_certificate_signer(
            private_key=pki["key"], signing_certificate=pki["leaf"],
            certificate_chain=[pki["int"]]).sign(model, sig)
        verifier = lambda lib: key_verifier(lib, pub)  # noqa: E731
    theirs, mine = both(verifier, lambda cfg: cfg.verify(model, sig))
    assert_same(theirs, mine, message=False)
    assert isinstance(mine.exc, ValueError)
    assert f"made with the {signed_with} method" in str(mine.exc)
