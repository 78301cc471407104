"""Signing models: mirrors `model_signing.signing`.

```python
model_signing_rs.signing.Config().use_elliptic_key_signer(private_key="key").sign(
    "finbert", "finbert.sig"
)
```
"""

import pathlib
from typing import Iterable, Optional, TypeVar

from model_signing_rs import _core
from model_signing_rs import _errors
from model_signing_rs import hashing

_Self = TypeVar("_Self", bound="Config")


def sign(model_path: hashing.PathLike, signature_path: hashing.PathLike):
    """Signs a model with Sigstore (keyless) and the default hashing configuration.

    Raises:
        NotImplementedError: The wheel was built without keyless signing.
    """
    Config().sign(model_path, signature_path)


def _path(p) -> str:
    return hashing._fspath(p)


def _password(password):
    if isinstance(password, str):
        return password.encode()
    return password


class Config:
    """How to sign: the signer (Sigstore by default) and the hashing configuration."""

    def __init__(self):
        self._hashing_config = hashing.Config()
        self._signer: Optional[dict] = None

    def sign(
        self,
        model_path: hashing.PathLike,
        signature_path: hashing.PathLike,
        *,
        progress: Optional[hashing.ProgressCallback] = None,
    ):
        """Hashes and signs a model; writes the Sigstore bundle to `signature_path`.

        Args:
            model_path: The model to sign (a directory or a file).
            signature_path: Where to write the signature.
            progress: Optional `progress(done_bytes, total_bytes)` callback.

        Raises:
            ValueError: Deliberate differences from the reference: a model
              with no file left after the ignore rules is refused (a
              signature over nothing would verify any folder), and so is a
              file whose name has a `:` when signing in shards (its resource
              name `path:start:end` could not be read back).
        """
        if self._signer is None:
            self.use_sigstore_signer()
        model = _path(model_path)
        _errors.call(
            _core.sign,
            model,
            _path(signature_path),
            self._hashing_config._spec(model),
            self._signer,
            progress,
        )

    def set_hashing_config(self: _Self, hashing_config: hashing.Config) -> _Self:
        """Sets the hashing configuration."""
        self._hashing_config = hashing_config
        return self

    def use_sigstore_signer(
        self: _Self,
        *,
        oidc_issuer: Optional[str] = None,
        use_ambient_credentials: bool = False,
        use_staging: bool = False,
        force_oob: bool = False,
        identity_token: Optional[str] = None,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        trust_config: Optional[pathlib.Path] = None,
    ) -> _Self:
        """Sign keylessly with Sigstore (Fulcio certificate, Rekor entry, timestamps).

        The identity token comes from `identity_token`, else ambient CI
        credentials (if `use_ambient_credentials`), else an interactive OIDC
        login in the browser (or out-of-band with `force_oob`).

        Wheels built without the `keyless` cargo feature (the default build)
        raise `NotImplementedError` from `sign` with this signer.
        """
        self._signer = {
            "method": "sigstore",
            "oidc_issuer": oidc_issuer,
            "use_ambient_credentials": use_ambient_credentials,
            "use_staging": use_staging,
            "force_oob": force_oob,
            "identity_token": identity_token,
            "client_id": client_id,
            "client_secret": client_secret,
            "trust_config": None if trust_config is None else _path(trust_config),
        }
        return self

    def use_elliptic_key_signer(
        self: _Self, *, private_key: hashing.PathLike, password: Optional[str] = None
    ) -> _Self:
        """Sign with an elliptic-curve private key (PEM; `password` if encrypted).

        The key is loaded and checked here, like the reference does.
        `password` may be `str` (UTF-8) or `bytes`; the reference only accepts
        `bytes` in practice, despite its annotation.

        Raises:
            FileNotFoundError, IsADirectoryError, ...: The key cannot be read.
            TypeError: A password was given for an unencrypted key, or none
              for an encrypted one.
            ValueError: Not a PEM private key, a wrong password, or a curve
              other than P-256, P-384 or P-521 (a non-EC key raises a
              `ValueError` that is also an `AttributeError`, the class the
              reference raises).
        """
        return self._use({
            "method": "key",
            "private_key": _path(private_key),
            "password": _password(password),
        })

    def use_certificate_signer(
        self: _Self,
        *,
        private_key: hashing.PathLike,
        signing_certificate: hashing.PathLike,
        certificate_chain: Iterable[hashing.PathLike],
    ) -> _Self:
        """Sign with a private key whose certificate (and chain) go into the bundle.

        The key, the certificate and the chain files are read here, and the
        key checked against the certificate, like the reference does.
        """
        return self._use({
            "method": "certificate",
            "private_key": _path(private_key),
            "signing_certificate": _path(signing_certificate),
            "certificate_chain": [_path(c) for c in certificate_chain],
        })

    def use_pkcs11_signer(
        self: _Self, *, pkcs11_uri: str, module_paths: Iterable[str] = frozenset()
    ) -> _Self:
        """Sign with an EC key in a PKCS #11 token, named by an RFC 7512 URI."""
        return self._use({
            "method": "pkcs11",
            "pkcs11_uri": pkcs11_uri,
            "module_paths": [_path(m) for m in module_paths],
        })

    def use_pkcs11_certificate_signer(
        self: _Self,
        *,
        pkcs11_uri: str,
        signing_certificate: pathlib.Path,
        certificate_chain: Iterable[pathlib.Path],
        module_paths: Iterable[str] = frozenset(),
    ) -> _Self:
        """Sign with a PKCS #11 key whose certificate (and chain) go into the bundle."""
        return self._use({
            "method": "pkcs11-certificate",
            "pkcs11_uri": pkcs11_uri,
            "signing_certificate": _path(signing_certificate),
            "certificate_chain": [_path(c) for c in certificate_chain],
            "module_paths": [_path(m) for m in module_paths],
        })

    def _use(self: _Self, signer: dict) -> _Self:
        # Loaded and checked now, like the reference; kept only once it loads.
        _errors.call(_core.check_signer, signer)
        self._signer = signer
        return self


