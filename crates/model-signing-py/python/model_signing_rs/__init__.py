"""Sign and verify ML models (OpenSSF Model Signing), backed by a Rust core.

A drop-in for the reference library `model_signing` (1.1.1): the same `hashing`,
`signing` and `verifying` modules, configuration classes, argument names,
defaults and exception types, so switching is a one-line import change::

    import model_signing_rs as model_signing

Hashing runs in parallel in Rust with the GIL released. On top of the
reference's API, `read_verified` and `load_verified_safetensors` load a model
from exactly the bytes that were verified (see `model_signing_rs.loading`).
"""

from model_signing_rs import hashing
from model_signing_rs import manifest
from model_signing_rs import signing
from model_signing_rs import verifying
from model_signing_rs.loading import load_verified_safetensors
from model_signing_rs.loading import read_verified

__version__ = "0.1.0"

__all__ = [
    "hashing",
    "signing",
    "verifying",
    "manifest",
    "read_verified",
    "load_verified_safetensors",
]
