"""The Rust extension behind `model_signing_rs` (internal; use the Python modules)."""

from typing import Any, Callable, Optional

_Progress = Optional[Callable[[int, int], None]]

class Error(Exception):
    """`args == (kind, message, details)`; `model_signing_rs._errors` maps kinds
    to types and details (`errno`, `filename`, `note`, a mismatch's report) to
    attributes."""

def check_signer(signer: dict[str, Any]) -> None: ...
def check_verifier(verifier: dict[str, Any]) -> None: ...

def digest(
    model_path: str,
    hashing: dict[str, Any],
    files_to_hash: Optional[list[str]] = None,
    progress: _Progress = None,
) -> tuple[str, dict[str, Any], list[tuple[str, str, str]]]: ...
def sign(
    model_path: str,
    signature_path: str,
    hashing: dict[str, Any],
    signer: dict[str, Any],
    progress: _Progress = None,
) -> None: ...
def verify(
    model_path: str,
    signature_path: str,
    verifier: dict[str, Any],
    hashing: Optional[dict[str, Any]] = None,
    ignore_unsigned_files: bool = False,
    progress: _Progress = None,
) -> dict[str, Any]: ...
def read_verified(
    model_path: str,
    signature_path: str,
    verifier: dict[str, Any],
    hashing: Optional[dict[str, Any]] = None,
    ignore_unsigned_files: bool = False,
    progress: _Progress = None,
    scan: bool = False,
    scan_allow_unknown: bool = False,
) -> tuple[dict[str, bytes], dict[str, Any]]: ...
