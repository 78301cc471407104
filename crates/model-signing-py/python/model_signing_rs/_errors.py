"""Turns the Rust core's errors into the exception types the reference raises.

The reference raises `ValueError` for most failures, but a bad signature
surfaces as `cryptography.exceptions.InvalidSignature`, an untrusted
certificate chain as pyOpenSSL's `X509StoreContextError` and a failed Sigstore
verification as `sigstore.errors.VerificationError`. Importing those packages
would cost most of the import time we save, so the matching exception class is
built on first use: it derives from `ValueError` and, when the package is
installed, from the reference's type too, so `except` clauses written for
either library keep working.
"""

from model_signing_rs import _core


def _optional_base(module: str, name: str):
    try:
        mod = __import__(module, fromlist=[name])
        return getattr(mod, name)
    except Exception:  # noqa: BLE001 - any import failure means "not available"
        return None


_TYPES: dict = {}


def _exception_type(kind: str) -> type:
    if kind not in _TYPES:
        _TYPES[kind] = _make_exception_type(kind)
    return _TYPES[kind]


def _make_exception_type(kind: str) -> type:
    if kind == "not_found":
        return FileNotFoundError
    if kind == "os":
        return OSError
    if kind == "not_implemented":
        return NotImplementedError
    extra = {
        "invalid_signature": ("cryptography.exceptions", "InvalidSignature"),
        "certificate": ("OpenSSL.crypto", "X509StoreContextError"),
        "sigstore": ("sigstore.errors", "VerificationError"),
    }.get(kind)
    if extra is None:
        return ValueError
    base = _optional_base(*extra)
    bases = (ValueError,) if base is None or issubclass(ValueError, base) else (ValueError, base)
    name = {
        "invalid_signature": "InvalidSignatureError",
        "certificate": "CertificateVerificationError",
        "sigstore": "SigstoreVerificationError",
    }[kind]
    try:
        return type(name, bases, {"__module__": "model_signing_rs"})
    except TypeError:  # incompatible layouts: fall back to ValueError alone
        return type(name, (ValueError,), {"__module__": "model_signing_rs"})


def translate(err: "_core.Error") -> Exception:
    """The exception to raise for a `_core.Error`."""
    kind, message = err.args
    cls = _exception_type(kind)
    try:
        return cls(message)
    except TypeError:
        # Some third-party exception types take other constructor arguments.
        exc = ValueError(message)
        return exc


def call(fn, *args, **kwargs):
    """Calls a `_core` function, raising the reference's exception type on failure."""
    try:
        return fn(*args, **kwargs)
    except _core.Error as err:
        raise translate(err) from None
