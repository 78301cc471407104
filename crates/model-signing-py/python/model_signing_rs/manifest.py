"""The manifest of a hashed model: every file (or shard) paired with its digest.

Mirrors `model_signing.manifest`: `Manifest` (`model_name`,
`serialization_type`, `resource_descriptors()`; two manifests are equal when
they pair the same resources with the same digests), the items it is built
from (`ManifestItem`, `FileManifestItem`, `ShardedFileManifestItem`) and
`SerializationType` (`from_args`, `serialization_parameters`, `new_item`).
A `Manifest` is built from items and a `SerializationType`, as the
reference's is, or from `ResourceDescriptor`s and a parameter dict.
"""

import abc
import pathlib
from typing import Any, Iterable, Iterator, Union

# Plain classes rather than dataclasses: `dataclasses` imports `inspect`, which
# alone costs several milliseconds of import time.


class Digest:
    """A digest: the algorithm name as the manifest records it, and the bytes."""

    __slots__ = ("algorithm", "digest_value")

    def __init__(self, algorithm: str, digest_value: bytes):
        self.algorithm = algorithm
        self.digest_value = digest_value

    def _key(self):
        return (self.algorithm, self.digest_value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Digest):
            return NotImplemented
        return self._key() == other._key()

    def __lt__(self, other: "Digest") -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Digest(algorithm={self.algorithm!r}, digest_value={self.digest_value!r})"

    @property
    def digest_hex(self) -> str:
        """The digest as lowercase hexadecimal."""
        return self.digest_value.hex()

    @property
    def digest_size(self) -> int:
        """The digest's length in bytes."""
        return len(self.digest_value)


class ResourceDescriptor:
    """One resource: its name (`path` or `path:start:end`) and digest."""

    __slots__ = ("identifier", "digest")

    def __init__(self, identifier: str, digest: Digest):
        self.identifier = identifier
        self.digest = digest

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ResourceDescriptor):
            return NotImplemented
        return (self.identifier, self.digest) == (other.identifier, other.digest)

    def __hash__(self) -> int:
        return hash((self.identifier, self.digest))

    def __repr__(self) -> str:
        return f"ResourceDescriptor(identifier={self.identifier!r}, digest={self.digest!r})"


class _File:
    """The key of a `FileManifestItem`: its path (POSIX, relative to the model)."""

    __slots__ = ("path",)

    def __init__(self, path: pathlib.PurePath):
        self.path = pathlib.PurePosixPath(path)

    def _key(self):
        return (self.path,)

    def __str__(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:
        return f"_File(path={self.path!r})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()

    def __lt__(self, other: "_File") -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    @classmethod
    def from_str(cls, s: str) -> "_File":
        return cls(pathlib.PurePosixPath(s))


class _Shard(_File):
    """The key of a `ShardedFileManifestItem`: path, start and end offsets."""

    __slots__ = ("start", "end")

    def __init__(self, path: pathlib.PurePath, start: int, end: int):
        super().__init__(path)
        self.start = start
        self.end = end

    def _key(self):
        return (self.path, self.start, self.end)

    def __str__(self) -> str:
        return f"{self.path}:{self.start}:{self.end}"

    def __repr__(self) -> str:
        return f"_Shard(path={self.path!r}, start={self.start}, end={self.end})"

    @classmethod
    def from_str(cls, s: str) -> "_Shard":
        parts = s.split(":")
        if len(parts) != 3:
            raise ValueError(f"Expected 3 components separated by `:`, got {s}")
        return cls(pathlib.PurePosixPath(parts[0]), int(parts[1]), int(parts[2]))


class ManifestItem(metaclass=abc.ABCMeta):
    """One object of a model (a file, or a shard of one) with its digest.

    Attributes:
        digest: The item's digest. `key` names the item uniquely.
    """

    digest: Digest

    @property
    @abc.abstractmethod
    def key(self) -> _File:
        """A unique, ordered representation of the item; `str(key)` is the
        resource name the manifest records."""


class FileManifestItem(ManifestItem):
    """A file (path relative to the model, made POSIX) and its digest."""

    def __init__(self, *, path: pathlib.PurePath, digest: Digest):
        self._path = pathlib.PurePosixPath(path)
        self.digest = digest

    @property
    def key(self) -> _File:
        return _File(self._path)


class ShardedFileManifestItem(ManifestItem):
    """A shard `[start, end)` of a file (path relative to the model) and its digest."""

    def __init__(self, *, path: pathlib.PurePath, start: int, end: int, digest: Digest):
        self._path = pathlib.PurePosixPath(path)
        self._start = start
        self._end = end
        self.digest = digest

    @property
    def key(self) -> _Shard:
        return _Shard(self._path, self._start, self._end)


class SerializationType(metaclass=abc.ABCMeta):
    """How a manifest was made: the parameters a verifier needs to hash the
    model the same way (the `serialization` of the signed statement)."""

    @property
    @abc.abstractmethod
    def serialization_parameters(self) -> dict[str, Any]:
        """The parameters as the signed statement records them."""

    @classmethod
    def from_args(cls, args: dict[str, Any]) -> "SerializationType":
        """The serialization type these parameters describe (the reverse of
        `serialization_parameters`).

        Raises:
            ValueError: The method is neither "files" nor "shards".
        """
        method = args["method"]
        for subclass in (_FileSerialization, _ShardSerialization):
            if method == subclass.method:
                return subclass._from_args(args)
        raise ValueError(f"Unknown serialization type {method}")

    @classmethod
    @abc.abstractmethod
    def _from_args(cls, args: dict[str, Any]) -> "SerializationType":
        """Builds the subclass's instance for `from_args`."""

    @abc.abstractmethod
    def new_item(self, name: str, digest: Digest) -> ManifestItem:
        """The manifest item of this type for a resource name and digest."""


class _Recorded(SerializationType):
    """The parameters both methods record, in the reference's key order."""

    method = ""

    def __init__(self, hash_type: str, allow_symlinks: bool,
                 ignore_paths: Iterable[pathlib.Path], **extra: Any):
        self._hash_type = hash_type
        self._extra = extra
        self._allow_symlinks = allow_symlinks
        self._ignore_paths = [str(p) for p in ignore_paths]

    @property
    def serialization_parameters(self) -> dict[str, Any]:
        res = {"method": self.method, "hash_type": self._hash_type, **self._extra,
               "allow_symlinks": self._allow_symlinks}
        if self._ignore_paths:
            res["ignore_paths"] = self._ignore_paths
        return res


class _FileSerialization(_Recorded):
    method = "files"

    def __init__(self, hash_type: str, allow_symlinks: bool = False,
                 ignore_paths: Iterable[pathlib.Path] = frozenset()):
        super().__init__(hash_type, allow_symlinks, ignore_paths)

    @classmethod
    def _from_args(cls, args: dict[str, Any]) -> "_FileSerialization":
        return cls(args["hash_type"], args["allow_symlinks"],
                   args.get("ignore_paths", frozenset()))

    def new_item(self, name: str, digest: Digest) -> ManifestItem:
        return FileManifestItem(path=pathlib.PurePosixPath(name), digest=digest)


class _ShardSerialization(_Recorded):
    method = "shards"

    def __init__(self, hash_type: str, shard_size: int, allow_symlinks: bool = False,
                 ignore_paths: Iterable[pathlib.Path] = frozenset()):
        super().__init__(hash_type, allow_symlinks, ignore_paths, shard_size=shard_size)

    @classmethod
    def _from_args(cls, args: dict[str, Any]) -> "_ShardSerialization":
        return cls(args["hash_type"], args["shard_size"], args["allow_symlinks"],
                   args.get("ignore_paths", frozenset()))

    def new_item(self, name: str, digest: Digest) -> ManifestItem:
        # Like the reference, a name is `path:start:end` with no other `:`. (Signing
        # refuses a file whose name has a `:` in shards, so this always holds for ours.)
        parts = name.split(":")
        if len(parts) != 3:
            raise ValueError(
                "Invalid resource name: expected 3 components separated by "
                f"`:`, got {name}"
            )
        return ShardedFileManifestItem(path=pathlib.PurePosixPath(parts[0]),
                                       start=int(parts[1]), end=int(parts[2]),
                                       digest=digest)


class Manifest:
    """A model's resources and digests, and how they were computed."""

    def __init__(
        self,
        model_name: str,
        items: Iterable[Union[ManifestItem, ResourceDescriptor]],
        serialization_type: Union[SerializationType, dict[str, Any]],
    ):
        """Args:
            model_name: The model's name (informative only).
            items: `ManifestItem`s (as the reference takes them) or
              `ResourceDescriptor`s.
            serialization_type: A `SerializationType` (as the reference takes
              it) or its parameters.
        """
        self._name = model_name
        self._item_to_digest = {
            (str(i.key) if isinstance(i, ManifestItem) else i.identifier): i.digest
            for i in items
        }
        if isinstance(serialization_type, SerializationType):
            serialization_type = serialization_type.serialization_parameters
        self._serialization_type = dict(serialization_type)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Manifest):
            return NotImplemented
        return self._item_to_digest == other._item_to_digest

    def __repr__(self) -> str:
        return (
            f"Manifest(model_name={self._name!r}, "
            f"resources={len(self._item_to_digest)}, "
            f"serialization_type={self._serialization_type!r})"
        )

    def resource_descriptors(self) -> Iterator[ResourceDescriptor]:
        """Yields each resource in the reference's order: by path components,
        then (for shards) by numeric start and end offsets."""
        shards = self._serialization_type.get("method") == "shards"
        for identifier in sorted(self._item_to_digest, key=lambda i: _sort_key(i, shards)):
            yield ResourceDescriptor(identifier=identifier, digest=self._item_to_digest[identifier])

    @property
    def model_name(self) -> str:
        """The model's name (last component of its path); informative only."""
        return self._name

    @property
    def serialization_type(self) -> dict[str, Any]:
        """How the manifest was made: method, hash type, shard size, symlinks, ignores."""
        return dict(self._serialization_type)


def _sort_key(identifier: str, shards: bool):
    if shards:
        path, _, rest = identifier.partition(":")
        start, _, end = rest.partition(":")
        try:
            return (tuple(path.split("/")), int(start), int(end))
        except ValueError:
            return (tuple(identifier.split("/")), 0, 0)
    return (tuple(identifier.split("/")), 0, 0)
