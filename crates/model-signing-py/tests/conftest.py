"""Shared fixtures: models, keys and a PKI generated per test, both libraries."""

import datetime
import pathlib
import shutil

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DATA = pathlib.Path(__file__).parent / "data"
SIGSTORE_IDENTITY = "stefanb@us.ibm.com"
SIGSTORE_ISSUER = "https://sigstore.verify.ibm.com/oauth2"


@pytest.fixture
def model(tmp_path) -> pathlib.Path:
    """A small model: nested files, an empty file, git files, a README."""
    m = tmp_path / "model"
    (m / "sub" / "deeper").mkdir(parents=True)
    (m / ".git").mkdir()
    (m / "weights.bin").write_bytes(bytes(range(256)) * 40)
    (m / "config.json").write_text('{"hidden": 8}')
    (m / "README.md").write_text("# a model\n")
    (m / "empty").write_bytes(b"")
    (m / "sub" / "a.txt").write_text("a")
    (m / "sub" / "deeper" / "b.bin").write_bytes(b"\x00\x01" * 3000)
    (m / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (m / ".gitattributes").write_text("*.bin filter=lfs\n")
    return m


@pytest.fixture
def sigstore_model(tmp_path) -> pathlib.Path:
    """A writable copy of the v1.1.0 Sigstore fixture (signed by the reference)."""
    dst = tmp_path / "v1.1.0-sigstore"
    shutil.copytree(DATA / "v1.1.0-sigstore", dst)
    for p in dst.iterdir():
        p.chmod(0o644)
    return dst


@pytest.fixture
def trust_config() -> pathlib.Path:
    return DATA / "trust" / "custom_trust_config.json"


def _write_key(key, path: pathlib.Path, password: bytes | None = None):
    enc = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc
        )
    )


def _write_pub(key, path: pathlib.Path):
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
    )


@pytest.fixture(params=["P-256", "P-384"])
def ec_keys(request, tmp_path):
    """(private key path, public key path) for a fresh EC key."""
    curve = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1()}[request.param]
    key = ec.generate_private_key(curve)
    priv, pub = tmp_path / "key.pem", tmp_path / "key.pub"
    _write_key(key, priv)
    _write_pub(key, pub)
    return priv, pub


@pytest.fixture
def other_pub(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    pub = tmp_path / "other.pub"
    _write_pub(key, pub)
    return pub


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject, subject_key, issuer, issuer_key, *, ca: bool, path: pathlib.Path):
    now = datetime.datetime.now(datetime.timezone.utc)
    b = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        b = b.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
    else:
        b = b.add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        ).add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CODE_SIGNING]),
            critical=False,
        )
    b = b.add_extension(
        x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()),
        critical=False,
    ).add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
        critical=False,
    )
    cert = b.sign(issuer_key, hashes.SHA256())
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def make_pki(d: pathlib.Path, prefix: str = "") -> dict:
    """Root → intermediate → leaf (P-256 keys); returns the file paths."""
    d.mkdir(parents=True, exist_ok=True)
    root_k = ec.generate_private_key(ec.SECP384R1())
    int_k = ec.generate_private_key(ec.SECP384R1())
    leaf_k = ec.generate_private_key(ec.SECP256R1())
    root = _cert(f"{prefix}root", root_k, f"{prefix}root", root_k, ca=True, path=d / "root.pem")
    inter = _cert(f"{prefix}int", int_k, f"{prefix}root", root_k, ca=True, path=d / "int.pem")
    leaf = _cert(f"{prefix}leaf", leaf_k, f"{prefix}int", int_k, ca=False, path=d / "leaf.pem")
    _write_key(leaf_k, d / "leaf.key")
    return {"root": root, "int": inter, "leaf": leaf, "key": d / "leaf.key"}


@pytest.fixture
def pki(tmp_path):
    return make_pki(tmp_path / "pki")


@pytest.fixture
def other_pki(tmp_path):
    return make_pki(tmp_path / "other-pki", prefix="other-")
