"""Load what you verified.

`verifying.Config.verify` followed by a loader that opens the files again
leaves a gap: whoever can write the model folder between the two replaces the
weights after they were checked (time of check to time of use). These
functions close it: each file is read once, hashed from memory, the signature
is verified against those digests, and only then are the very same bytes
handed to the caller or the loader. A file changed on disk after it was read
cannot reach the loader; one changed before it was read fails verification.
"""

from typing import Literal, Optional

from model_signing_rs import _core
from model_signing_rs import _errors
from model_signing_rs import hashing
from model_signing_rs import verifying


def read_verified(
    model_path: hashing.PathLike,
    signature_path: hashing.PathLike,
    verifier_config: verifying.Config,
    *,
    progress: Optional[hashing.ProgressCallback] = None,
    scan: bool = False,
    scan_allow_unknown: bool = False,
) -> dict[str, bytes]:
    """Reads a model once, verifies it, and returns the bytes that were verified.

    Verification is exactly `verifier_config.verify(model_path,
    signature_path)` (same verifier, hashing configuration, ignored and
    unsigned files), computed over the bytes returned.

    Args:
        model_path: The model (a directory, or a single file).
        signature_path: The signature (a Sigstore bundle).
        verifier_config: A `verifying.Config` with a verifier configured.
        progress: Optional `progress(done_bytes, total_bytes)` callback; the
          first call, `(0, total)`, comes after the files are listed and
          before any is read.
        scan: Also scan the verified bytes for code disguised as weights
          (pickle imports, unsafe headers: `model_signing scan`); a file that
          is dangerous, or unknown unless `scan_allow_unknown`, raises
          `ValueError` naming it, and nothing is returned.
        scan_allow_unknown: With `scan`, accept files whose format the
          scanner cannot inspect (dangerous ones still fail).

    Returns:
        `{path relative to the model ("/"-separated): contents}`; a
        single-file model gives `{".": contents}`. Ignored files are absent.

    Raises:
        The same exceptions as `verifying.Config.verify`; nothing is returned
        unless every file matches the signature.
    """
    args = verifier_config._args(model_path, signature_path)
    contents, info = _errors.call_on_model(
        args[0], _core.read_verified, *args, progress, scan, scan_allow_unknown
    )
    verifying._log_warnings(info)
    return contents


def load_verified_safetensors(
    model_path: hashing.PathLike,
    signature_path: hashing.PathLike,
    verifier_config: verifying.Config,
    framework: Literal["numpy", "np", "pt", "torch"] = "numpy",
    *,
    progress: Optional[hashing.ProgressCallback] = None,
    scan: bool = False,
) -> dict:
    """Verifies a model and loads its `.safetensors` tensors from the verified bytes.

    Every `*.safetensors` file of the model (one file, or the shards of a
    Hugging Face checkpoint) is parsed with the `safetensors` package's
    `load(bytes)`; the tensors of all files are merged into one dict.

    Args:
        model_path: The model (a directory, or a single `.safetensors` file).
        signature_path: The signature.
        verifier_config: A `verifying.Config` with a verifier configured.
        framework: "numpy" (numpy arrays) or "pt" (torch tensors; needs torch).
        progress: Optional `progress(done_bytes, total_bytes)` callback.
        scan: Also scan every verified file (see `read_verified`); unknown
          formats are accepted here, dangerous files raise `ValueError`.

    Returns:
        `{tensor name: array or tensor}`.

    Raises:
        ValueError: Verification failed, the model has no `.safetensors`
          file, or two files define the same tensor.
        ImportError: `safetensors` (or torch, for "pt") is not installed.
    """
    if framework in ("numpy", "np"):
        from safetensors.numpy import load
    elif framework in ("pt", "torch"):
        from safetensors.torch import load
    else:
        raise ValueError(f"framework must be 'numpy' or 'pt', got {framework!r}")
    contents = read_verified(
        model_path,
        signature_path,
        verifier_config,
        progress=progress,
        scan=scan,
        scan_allow_unknown=True,
    )
    single = set(contents) == {"."}
    tensors: dict = {}
    found = False
    for name in sorted(contents):
        if not (single or name.endswith(".safetensors")):
            continue
        found = True
        for key, value in load(contents[name]).items():
            if key in tensors:
                raise ValueError(f"tensor {key!r} is defined in more than one file")
            tensors[key] = value
    if not found:
        raise ValueError(f"no .safetensors file in {hashing._fspath(model_path)}")
    return tensors
