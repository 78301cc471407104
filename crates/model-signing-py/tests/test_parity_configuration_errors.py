"""Group 1: keys and certificates are loaded and checked where the reference
loads them, inside `use_*_signer`/`use_*_verifier`, with its exception classes
(and, where the reference's text is its own or cryptography's fixed wording,
its message)."""

import pathlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from conftest import make_pki
from parity import assert_same, both


def _write_private(key, path: pathlib.Path, password: bytes | None = None) -> pathlib.Path:
    enc = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)
    )
    return path


def _write_public(key, path: pathlib.Path) -> pathlib.Path:
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


@pytest.fixture
def keys(tmp_path):
    d = tmp_path / "keys"
    d.mkdir()
    ec_key = ec.generate_private_key(ec.SECP256R1())
    out = {
        "dir": d,
        "missing": d / "missing.pem",
        "garbage": d / "garbage.pem",
        "ec": _write_private(ec_key, d / "ec.pem"),
        "ec.pub": _write_public(ec_key, d / "ec.pub"),
        "encrypted": _write_private(ec_key, d / "enc.pem", b"s3cret"),
        "rsa": None,
    }
    out["garbage"].write_text("not a PEM file\n")
    others = {
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ed25519": ed25519.Ed25519PrivateKey.generate(),
        "secp256k1": ec.generate_private_key(ec.SECP256K1()),
    }
    for name, key in others.items():
        out[name] = _write_private(key, d / f"{name}.pem")
        out[f"{name}.pub"] = _write_public(key, d / f"{name}.pub")
    return out


# (private key, password, compare the message?)
SIGNER_CASES = {
    "missing file": ("missing", None, True),
    "a directory": ("dir", None, True),
    "garbage PEM": ("garbage", None, False),
    "public key given as private": ("ec.pub", None, False),
    "password for an unencrypted key": ("ec", b"pw", True),
    "no password for an encrypted key": ("encrypted", None, True),
    "wrong password": ("encrypted", b"wrong", True),
    "RSA key": ("rsa", None, False),
    "Ed25519 key": ("ed25519", None, False),
    "secp256k1 key": ("secp256k1", None, True),
}


@pytest.mark.parametrize("case", sorted(SIGNER_CASES))
def test_elliptic_key_signer_checks_the_key_at_configuration(keys, model, tmp_path, case):
    key, password, message = SIGNER_CASES[case]
    theirs, mine = both(
        lambda lib: lib.signing.Config().use_elliptic_key_signer(
            private_key=keys[key], password=password
        ),
        lambda cfg: cfg.sign(model, tmp_path / "model.sig"),
    )
    assert_same(theirs, mine, message=message)


VERIFIER_CASES = {
    "missing file": ("missing", True),
    "a directory": ("dir", True),
    "garbage PEM": ("garbage", False),
    "private key given as public": ("ec", False),
    "RSA key": ("rsa.pub", False),
    "Ed25519 key": ("ed25519.pub", False),
    "secp256k1 key": ("secp256k1.pub", True),
}


@pytest.mark.parametrize("case", sorted(VERIFIER_CASES))
def test_elliptic_key_verifier_checks_the_key_at_configuration(keys, model, tmp_path, case):
    key, message = VERIFIER_CASES[case]
    theirs, mine = both(
        lambda lib: lib.verifying.Config().use_elliptic_key_verifier(public_key=keys[key]),
        lambda cfg: cfg.verify(model, tmp_path / "model.sig"),
    )
    assert_same(theirs, mine, message=message)


def test_a_failed_configuration_keeps_the_previous_signer(keys, model, tmp_path):
    """The reference assigns the signer only once it is built."""
    for name, lib in {"ref": __import__("model_signing"), "ours": __import__("model_signing_rs")}.items():
        cfg = lib.signing.Config().use_elliptic_key_signer(private_key=keys["ec"])
        with pytest.raises(FileNotFoundError):
            cfg.use_elliptic_key_signer(private_key=keys["missing"])
        cfg.sign(model, tmp_path / f"{name}.sig")
        lib.verifying.Config().use_elliptic_key_verifier(public_key=keys["ec.pub"]).verify(
            model, tmp_path / f"{name}.sig"
        )


@pytest.fixture
def pkis(tmp_path):
    return make_pki(tmp_path / "pki"), make_pki(tmp_path / "other", prefix="other-")


def _cert_signer_cases(pki, other, keys):
    return {
        "missing key": dict(private_key=keys["missing"], signing_certificate=pki["leaf"],
                            certificate_chain=[pki["int"]]),
        "missing certificate": dict(private_key=pki["key"],
                                    signing_certificate=pki["leaf"].with_name("none.pem"),
                                    certificate_chain=[pki["int"]]),
        "missing chain file": dict(private_key=pki["key"], signing_certificate=pki["leaf"],
                                   certificate_chain=[pki["int"].with_name("none.pem")]),
        "chain file is a directory": dict(private_key=pki["key"],
                                          signing_certificate=pki["leaf"],
                                          certificate_chain=[keys["dir"]]),
        "key does not match the certificate": dict(private_key=other["key"],
                                                   signing_certificate=pki["leaf"],
                                                   certificate_chain=[pki["int"]]),
        "RSA key": dict(private_key=keys["rsa"], signing_certificate=pki["leaf"],
                        certificate_chain=[pki["int"]]),
        "garbage certificate": dict(private_key=pki["key"], signing_certificate=keys["garbage"],
                                    certificate_chain=[pki["int"]]),
    }


CERT_SIGNER_MESSAGES = {
    "missing key", "missing certificate", "missing chain file", "chain file is a directory",
    "key does not match the certificate",
}


@pytest.mark.parametrize("case", [
    "missing key", "missing certificate", "missing chain file", "chain file is a directory",
    "key does not match the certificate", "RSA key", "garbage certificate",
])
def test_certificate_signer_checks_key_and_certificates_at_configuration(
    keys, pkis, model, tmp_path, case
):
    kwargs = _cert_signer_cases(*pkis, keys)[case]
    theirs, mine = both(
        lambda lib: lib.signing.Config().use_certificate_signer(**kwargs),
        lambda cfg: cfg.sign(model, tmp_path / "model.sig"),
    )
    assert_same(theirs, mine, message=case in CERT_SIGNER_MESSAGES)


@pytest.mark.parametrize("case", ["missing chain file", "chain file is a directory",
                                  "garbage chain file"])
def test_certificate_verifier_reads_the_chain_at_configuration(keys, pkis, model, tmp_path, case):
    pki, _ = pkis
    chain = {
        "missing chain file": [pki["root"], pki["root"].with_name("none.pem")],
        "chain file is a directory": [keys["dir"]],
        "garbage chain file": [keys["garbage"]],
    }[case]
    theirs, mine = both(
        lambda lib: lib.verifying.Config().use_certificate_verifier(certificate_chain=chain),
        lambda cfg: cfg.verify(model, tmp_path / "model.sig"),
    )
    assert_same(theirs, mine, message=case != "garbage chain file")


def test_sigstore_verifier_reads_its_trust_config_at_configuration(tmp_path):
    missing = tmp_path / "none.json"
    theirs, mine = both(lambda lib: lib.verifying.Config().use_sigstore_verifier(
        identity="someone@example.com", oidc_issuer="https://issuer.example",
        trust_config=missing))
    assert_same(theirs, mine)


def test_sigstore_verifier_refuses_a_garbage_trust_config_at_configuration(keys):
    """The reference's text is pydantic's (a ValidationError, which is a ValueError)."""
    theirs, mine = both(lambda lib: lib.verifying.Config().use_sigstore_verifier(
        identity="someone@example.com", oidc_issuer="https://issuer.example",
        trust_config=keys["garbage"]))
    assert theirs.stage == mine.stage == "configure"
    assert isinstance(theirs.exc, ValueError) and type(mine.exc) is ValueError


@pytest.mark.parametrize("where", ["missing", "a directory"])
def test_an_unreadable_signature_is_the_reference_os_error(keys, model, tmp_path, where):
    sig = {"missing": tmp_path / "none.sig", "a directory": keys["dir"]}[where]
    theirs, mine = both(
        lambda lib: lib.verifying.Config().use_elliptic_key_verifier(public_key=keys["ec.pub"]),
        lambda cfg: cfg.verify(model, sig),
    )
    assert_same(theirs, mine)


def test_writing_the_signature_into_a_directory_is_the_reference_os_error(keys, model):
    theirs, mine = both(
        lambda lib: lib.signing.Config().use_elliptic_key_signer(private_key=keys["ec"]),
        lambda cfg: cfg.sign(model, keys["dir"]),
    )
    assert_same(theirs, mine)
