"""Turns the Rust core's errors into the exception types the reference raises.

`_core.Error` carries `(kind, message, details)`. OS errors become the
`OSError` subclass `open()` would raise (`FileNotFoundError`,
`IsADirectoryError`, ...) with `errno`, `strerror` and `filename` set; a
password given to an unencrypted key or missing for an encrypted one is a
`TypeError`; a key that is not an elliptic-curve key is a `ValueError` that is
also an `AttributeError` (what the reference's curve check raises for it), as
is a signature of the other method (key vs certificate); a signature that is
not JSON is a `json.JSONDecodeError`, one missing a field a `ValueError` that
is also a `KeyError` (the reference's accidental classes there, kept so that
`except` clauses written for it still catch ours).
Where the message is the reference's wording, our fuller explanation is
attached as a note (`__notes__`, shown in tracebacks) on Python 3.11+ and as
the `detail` attribute everywhere.

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
    if kind == "os":
        return OSError
    if kind == "type":
        return TypeError
    if kind in ("unsupported_key", "wrong_method"):
        name = "UnsupportedKeyError" if kind == "unsupported_key" else "WrongMethodError"
        return type(name, (ValueError, AttributeError), {"__module__": "model_signing_rs"})
    if kind == "bundle_missing_field":
        # KeyError's str() quotes its argument; ours reads as a ValueError's.
        return type("BundleFieldError", (ValueError, KeyError),
                    {"__module__": "model_signing_rs", "__str__": BaseException.__str__})
    if kind == "bundle_not_json":
        import json

        def __init__(self, message):
            ValueError.__init__(self, message)
            self.msg, self.doc, self.pos, self.lineno, self.colno = message, "", 0, 1, 1

        return type("BundleJSONError", (json.JSONDecodeError,),
                    {"__module__": "model_signing_rs", "__init__": __init__,
                     "__str__": BaseException.__str__, "__reduce__": BaseException.__reduce__})
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


def translate(err: "_core.Error", model_path: str = "") -> Exception:
    """The exception to raise for a `_core.Error` (`model_path` names the model
    in a mismatch message)."""
    kind, message, details = err.args
    if kind == "mismatch":
        from model_signing_rs import _mismatch

        return _mismatch.signature_mismatch(details, model_path)
    exc = _build(kind, message, details)
    note = details.get("note")
    if note and note != str(exc):
        exc.detail = note
        if hasattr(exc, "add_note"):
            exc.add_note(note)
    return exc


def _build(kind: str, message: str, details: dict) -> Exception:
    errno_ = details.get("errno")
    if kind == "os" and errno_ is not None:
        import os

        # OSError(errno, strerror, filename) returns the subclass for errno, worded as
        # open() words it: "[Errno 2] No such file or directory: 'key.pem'".
        return OSError(errno_, os.strerror(errno_), details.get("filename"))
    cls = _exception_type(kind)
    try:
        return cls(message)
    except TypeError:
        # Some third-party exception types take other constructor arguments.
        return ValueError(message)


def call(fn, *args, **kwargs):
    """Calls a `_core` function, raising the reference's exception type on failure."""
    try:
        return fn(*args, **kwargs)
    except _core.Error as err:
        raise translate(err) from None


def call_on_model(model_path: str, fn, *args):
    """`call`, for a function that verifies the model at `model_path`."""
    try:
        return fn(*args)
    except _core.Error as err:
        raise translate(err, model_path) from None
