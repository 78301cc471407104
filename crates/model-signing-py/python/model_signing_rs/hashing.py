"""Hashing configuration, shared by signing and verification.

Mirrors `model_signing.hashing`: `Config().use_file_serialization(...)`,
`use_shard_serialization(...)`, `set_ignored_paths(...)`,
`add_ignored_paths(...)`, `set_allow_symlinks(...)` and `hash(model_path)`,
with the reference's argument names and defaults. The hashing itself runs in
parallel in Rust with the GIL released.
"""

import os
import pathlib
from typing import Callable, Iterable, Literal, Optional, TypeVar, Union

from model_signing_rs import _core
from model_signing_rs import _errors
from model_signing_rs import manifest

PathLike = Union[str, bytes, os.PathLike]

#: `progress(done_bytes, total_bytes)`: called with `(0, total)` once the files
#: are listed, then about every 1% of the bytes, and at the end.
ProgressCallback = Callable[[int, int], None]

_GIT_PATHS = (".git", ".gitattributes", ".github", ".gitignore")
_ALGORITHMS = ("sha256", "blake2", "blake3")

_Self = TypeVar("_Self", bound="Config")


def hash(
    model_path: PathLike, *, progress: Optional[ProgressCallback] = None
) -> manifest.Manifest:
    """Hashes a model using the default configuration (files, SHA-256)."""
    return Config().hash(model_path, progress=progress)


def _fspath(p: PathLike) -> str:
    p = os.fspath(p)
    return os.fsdecode(p) if isinstance(p, bytes) else p


class Config:
    """How to hash a model: method (files or shards), algorithm, ignores, symlinks.

    The default hashes every file with SHA-256 and ignores the top-level git
    files (`.git`, `.gitattributes`, `.github`, `.gitignore`).
    """

    def __init__(self):
        self._ignored_paths: frozenset = frozenset()
        self._ignore_git_paths = True
        # Only `set_allow_symlinks` sets this, and it is what hashing applies, whatever
        # the order of the calls: like the reference, whose `hash` hands this flag to
        # the serializer every time.
        self._allow_symlinks = False
        self.use_file_serialization()

    def hash(
        self,
        model_path: PathLike,
        *,
        files_to_hash: Optional[Iterable[PathLike]] = None,
        progress: Optional[ProgressCallback] = None,
    ) -> manifest.Manifest:
        """Hashes a model with this configuration.

        Args:
            model_path: The model: a directory or a single file.
            files_to_hash: Only hash these files (paths inside the model).
            progress: Optional `progress(done_bytes, total_bytes)` callback.

        Returns:
            The model's manifest.

        Raises:
            ValueError: The model has a symlink and symlinks are not allowed,
              or a path is neither a file nor a directory.
        """
        model = _fspath(model_path)
        names = None
        if files_to_hash is not None:
            names = [_relative_name(model, _fspath(f)) for f in files_to_hash]
        name, params, rows = _errors.call(
            _core.digest, model, self._spec(model), names, progress
        )
        items = [
            manifest.ResourceDescriptor(n, manifest.Digest(a, bytes.fromhex(h)))
            for n, a, h in rows
        ]
        if not params.get("ignore_paths"):
            params.pop("ignore_paths", None)
        return manifest.Manifest(name, items, params)

    def _spec(self, model: str) -> dict:
        """The plain values `_core` takes."""
        return {
            "method": self._method,
            "hashing_algorithm": self._algorithm,
            "shard_size": self._shard_size,
            "max_workers": self._max_workers,
            "allow_symlinks": self._allow_symlinks,
            "ignore_paths": _relative_ignores(
                model, list(self._serializer_ignores) + list(self._ignored_paths)
            ),
            "ignore_git_paths": self._ignore_git_paths,
        }

    def use_file_serialization(
        self: _Self,
        *,
        hashing_algorithm: Literal["sha256", "blake2", "blake3"] = "sha256",
        chunk_size: int = 1048576,
        max_workers: Optional[int] = None,
        allow_symlinks: bool = False,
        ignore_paths: Iterable[pathlib.Path] = frozenset(),
    ) -> _Self:
        """Hash each file whole: one manifest entry per file.

        Args:
            hashing_algorithm: "sha256" (default), "blake2" or "blake3".
            chunk_size: Checked like the reference (`ValueError` if
              negative, except with "blake3", which ignores it); the Rust core
              picks its own read size, which gives the same digests.
            max_workers: Hashing threads; default: every core.
            allow_symlinks: Recorded, and overridden when hashing by
              `set_allow_symlinks` (default `False`), as in the reference:
              call `set_allow_symlinks(True)` to hash files behind links.
            ignore_paths: Paths of files to ignore. Deliberate difference:
              the reference records these in the manifest but still hashes
              the files (its `hash` skips only `set_ignored_paths`' paths);
              ours leaves them out, as the manifest says.

        Returns:
            This configuration.

        Raises:
            ValueError: Unknown algorithm, or negative `chunk_size`.
        """
        _check_algorithm(hashing_algorithm)
        if hashing_algorithm != "blake3":
            _check_chunk_size(chunk_size)
        return self._use("files", hashing_algorithm, 0, max_workers, ignore_paths)

    def use_shard_serialization(
        self: _Self,
        *,
        hashing_algorithm: Literal["sha256", "blake2", "blake3"] = "sha256",
        chunk_size: int = 1048576,
        shard_size: int = 1_000_000_000,
        max_workers: Optional[int] = None,
        allow_symlinks: bool = False,
        ignore_paths: Iterable[pathlib.Path] = frozenset(),
    ) -> _Self:
        """Hash each file in shards of `shard_size` bytes: one entry per shard.

        With "blake3" this is file serialization, like in the reference.

        Returns:
            This configuration.

        Raises:
            ValueError: Unknown algorithm, negative `chunk_size` or a
              `shard_size` that is not positive (not checked with "blake3",
              which never shards, like the reference).
        """
        if hashing_algorithm == "blake3":
            return self.use_file_serialization(
                hashing_algorithm=hashing_algorithm,
                max_workers=max_workers,
                allow_symlinks=allow_symlinks,
                ignore_paths=ignore_paths,
            )
        # The reference's order of checks: algorithm, chunk size, shard size.
        _check_algorithm(hashing_algorithm)
        _check_chunk_size(chunk_size)
        if shard_size <= 0:
            raise ValueError(f"Shard size must be strictly positive, got {shard_size}.")
        return self._use("shards", hashing_algorithm, shard_size, max_workers, ignore_paths)

    def _use(self, method, algorithm, shard_size, max_workers, ignore_paths):
        self._method = method
        self._algorithm = algorithm
        self._shard_size = shard_size
        self._max_workers = max_workers
        self._serializer_ignores = frozenset(pathlib.Path(p) for p in ignore_paths)
        return self

    def set_ignored_paths(
        self: _Self, *, paths: Iterable[PathLike], ignore_git_paths: bool = True
    ) -> _Self:
        """Ignore these paths (relative to the model, or absolute inside it).

        A directory is ignored with everything below it.

        Args:
            paths: The paths to ignore.
            ignore_git_paths: Also ignore the top-level git files (default).

        Returns:
            This configuration.
        """
        self._ignored_paths = frozenset(pathlib.Path(_fspath(p)) for p in paths)
        self._ignore_git_paths = ignore_git_paths
        return self

    def add_ignored_paths(
        self, *, model_path: PathLike, paths: Iterable[PathLike]
    ) -> None:
        """Adds paths (relative to `model_path`) to the ignored ones."""
        model = pathlib.Path(_fspath(model_path))
        new = set(self._ignored_paths)
        for p in paths:
            candidate = pathlib.Path(_fspath(p))
            try:
                (model / candidate).relative_to(model)
            except ValueError:
                continue
            new.add(candidate)
        self._ignored_paths = frozenset(new)

    def set_allow_symlinks(self: _Self, allow_symlinks: bool) -> _Self:
        """Sets whether files behind symbolic links are hashed.

        Kept whatever `use_file_serialization`/`use_shard_serialization` are
        called after it, and it alone decides (their `allow_symlinks` is
        overridden), as in the reference.
        """
        self._allow_symlinks = allow_symlinks
        return self


def _check_algorithm(algorithm: str) -> None:
    if algorithm not in _ALGORITHMS:
        raise ValueError(f"Unsupported hashing method {algorithm}")


def _check_chunk_size(chunk_size: int) -> None:
    if chunk_size < 0:
        raise ValueError(f"Chunk size must be non-negative, got {chunk_size}.")


def _relative_ignores(model: str, paths) -> list:
    """Ignore paths as the reference resolves them: joined to the model path,
    kept only if they stay inside it (lexically), made relative again."""
    out = []
    model_p = pathlib.Path(model)
    for p in paths:
        full = model_p / p
        try:
            rel = full.relative_to(model_p)
        except ValueError:
            continue
        rel = os.path.normpath(rel.as_posix())
        if rel in (".", "") or rel.startswith("../") or rel == "..":
            continue
        out.append(rel)
    return sorted(set(out))


def _relative_name(model: str, path: str) -> str:
    """A file of `files_to_hash` as a resource name."""
    model_p = pathlib.Path(model)
    p = pathlib.Path(path)
    try:
        rel = p.relative_to(model_p)
    except ValueError:
        rel = p
    name = rel.as_posix()
    return "." if name in ("", ".") else name
