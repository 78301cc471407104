"""The manifest of a hashed model: every file (or shard) paired with its digest.

Mirrors the parts of `model_signing.manifest.Manifest` that users read:
`model_name`, `serialization_type` and `resource_descriptors()`; two
manifests are equal when they pair the same resources with the same digests.
"""

from typing import Any, Iterable, Iterator

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


class Manifest:
    """A model's resources and digests, and how they were computed."""

    def __init__(
        self,
        model_name: str,
        items: Iterable[ResourceDescriptor],
        serialization_type: dict[str, Any],
    ):
        self._name = model_name
        self._item_to_digest = {rd.identifier: rd.digest for rd in items}
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
