"""Verifying models: mirrors `model_signing.verifying`.

```python
model_signing_rs.verifying.Config().use_elliptic_key_verifier(
    public_key="key.pub"
).verify("finbert", "finbert.sig")
```

A model that differs from what was signed raises `ValueError("Signature
mismatch: ...")`, like the reference.
"""

import pathlib
from typing import Iterable, Optional, TypeVar

from model_signing_rs import _core
from model_signing_rs import _errors
from model_signing_rs import hashing

_Self = TypeVar("_Self", bound="Config")


def _path(p) -> str:
    return hashing._fspath(p)


class Config:
    """How to verify: the verifier (must match the signing method) and,
    optionally, a hashing configuration (by default the signature's)."""

    def __init__(self):
        self._hashing_config: Optional[hashing.Config] = None
        self._verifier: Optional[dict] = None
        self._ignore_unsigned_files = False

    def _args(self, model_path, signature_path):
        if self._verifier is None:
            raise ValueError("Attempting to verify with no configured verifier")
        model = _path(model_path)
        spec = None
        if self._hashing_config is not None:
            spec = self._hashing_config._spec(model)
        return (model, _path(signature_path), self._verifier, spec,
                self._ignore_unsigned_files)

    def verify(
        self,
        model_path: hashing.PathLike,
        signature_path: hashing.PathLike,
        *,
        progress: Optional[hashing.ProgressCallback] = None,
    ):
        """Verifies that a model matches a signature.

        Args:
            model_path: The model (a directory or a file).
            signature_path: The signature (a Sigstore bundle).
            progress: Optional `progress(done_bytes, total_bytes)` callback.

        Raises:
            ValueError: No verifier is configured, the model differs from what
              was signed ("Signature mismatch: ..."), or the signature does
              not verify (the exception also derives from the reference's type
              for that failure when its package is installed).
            FileNotFoundError: The signature or key file does not exist.
        """
        info = _errors.call(_core.verify, *self._args(model_path, signature_path),
                            progress)
        _log_warnings(info)

    def set_hashing_config(self: _Self, hashing_config: hashing.Config) -> _Self:
        """Hash with this configuration instead of the one the signature records."""
        self._hashing_config = hashing_config
        return self

    def set_ignore_unsigned_files(self: _Self, ignore_unsigned_files: bool) -> _Self:
        """Only hash the files the signature lists; ignore any others."""
        self._ignore_unsigned_files = ignore_unsigned_files
        return self

    def use_sigstore_verifier(
        self: _Self,
        *,
        identity: str,
        oidc_issuer: str,
        use_staging: bool = False,
        trust_config: Optional[pathlib.Path] = None,
    ) -> _Self:
        """Verify Sigstore keyless signatures made by `identity` at `oidc_issuer`.

        The public-good (or staging) trusted root is the one embedded in the
        package (no TUF refresh); `trust_config` (a ClientTrustConfig JSON)
        replaces it.
        """
        self._verifier = {
            "method": "sigstore",
            "identity": identity,
            "oidc_issuer": oidc_issuer,
            "use_staging": use_staging,
            "trust_config": None if trust_config is None else _path(trust_config),
        }
        return self

    def use_elliptic_key_verifier(self: _Self, *, public_key: hashing.PathLike) -> _Self:
        """Verify signatures made with the private key of this PEM public key."""
        self._verifier = {"method": "key", "public_key": _path(public_key)}
        return self

    def use_certificate_verifier(
        self: _Self,
        *,
        certificate_chain: Iterable[hashing.PathLike] = frozenset(),
        log_fingerprints: bool = False,
    ) -> _Self:
        """Verify certificate signatures whose chain ends at one of these roots.

        Unlike the reference, an empty `certificate_chain` does not fall back
        to the operating system's trust store: it is an error.
        """
        self._verifier = {
            "method": "certificate",
            "certificate_chain": [_path(c) for c in certificate_chain],
            "log_fingerprints": log_fingerprints,
        }
        return self


def _log_warnings(info: dict) -> None:
    warnings = info.get("warnings", ())
    if warnings:
        import logging  # only when there is something to say: keeps imports fast

        log = logging.getLogger("model_signing_rs")
        for w in warnings:
            log.warning("%s", w)
