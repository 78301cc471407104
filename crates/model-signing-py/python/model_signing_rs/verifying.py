"""Verifying models: mirrors `model_signing.verifying`.

```python
model_signing_rs.verifying.Config().use_elliptic_key_verifier(
    public_key="key.pub"
).verify("finbert", "finbert.sig")
```

A model that differs from what was signed raises `ValueError("Signature
mismatch: [...]")` worded like the reference's, with the report as attributes
(`added`, `missing`, `changed`, `ignored`; see `model_signing_rs._mismatch`).

Like the reference, each `use_*_verifier` loads and checks its key,
certificates or trust material at once: a missing file raises
`FileNotFoundError` (`errno`, `filename` set) there, not at `verify`.
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
              was signed ("Signature mismatch: [...]", with the `added`,
              `missing`, `changed` and `ignored` attributes), or the signature
              does not verify (the exception also derives from the reference's
              type for that failure when its package is installed).
            FileNotFoundError: The signature file does not exist.
        """
        args = self._args(model_path, signature_path)
        info = _errors.call_on_model(args[0], _core.verify, *args, progress)
        _log_warnings(info)

    def set_hashing_config(self: _Self, hashing_config: hashing.Config) -> _Self:
        """Hash with this configuration instead of the one the signature records.

        Without it, the signature's configuration is used as recorded,
        `allow_symlinks` included (deliberate difference: the reference then
        hashes with symlinks refused, and so fails on models it signed with
        `set_allow_symlinks(True)`).
        """
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
        return self._use({
            "method": "sigstore",
            "identity": identity,
            "oidc_issuer": oidc_issuer,
            "use_staging": use_staging,
            "trust_config": None if trust_config is None else _path(trust_config),
        })

    def use_elliptic_key_verifier(self: _Self, *, public_key: hashing.PathLike) -> _Self:
        """Verify signatures made with the private key of this PEM public key.

        Raises:
            FileNotFoundError, IsADirectoryError, ...: The key cannot be read.
            ValueError: The file is not a PEM public key, or its curve is not
              P-256, P-384 or P-521 (a non-EC key raises a `ValueError` that is
              also an `AttributeError`, the class the reference raises).
        """
        return self._use({"method": "key", "public_key": _path(public_key)})

    def use_certificate_verifier(
        self: _Self,
        *,
        certificate_chain: Iterable[hashing.PathLike] = frozenset(),
        log_fingerprints: bool = False,
    ) -> _Self:
        """Verify certificate signatures whose chain ends at one of these roots.

        The certificates are read here (a missing file raises
        `FileNotFoundError` at once, like the reference).

        Deliberate difference: unlike the reference, an empty
        `certificate_chain` does not fall back to certifi's bundle of web
        roots (which would trust any certificate a public CA issued for any
        purpose): it raises `ValueError` here.
        """
        return self._use({
            "method": "certificate",
            "certificate_chain": [_path(c) for c in certificate_chain],
            "log_fingerprints": log_fingerprints,
        })

    def _use(self: _Self, verifier: dict) -> _Self:
        # Loaded and checked now, like the reference; kept only once it loads.
        _errors.call(_core.check_verifier, verifier)
        self._verifier = verifier
        return self


def _log_warnings(info: dict) -> None:
    warnings = info.get("warnings", ())
    if warnings:
        import logging  # only when there is something to say: keeps imports fast

        log = logging.getLogger("model_signing_rs")
        for w in warnings:
            log.warning("%s", w)
