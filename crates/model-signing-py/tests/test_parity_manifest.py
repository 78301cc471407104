"""Group 4: `model_signing_rs.manifest` has the reference's public classes, and
they behave as the reference's do."""

import pathlib

import model_signing as ref
import model_signing_rs as ours
import pytest
from model_signing._hashing import hashing as ref_hashing

PUBLIC = ["Manifest", "ManifestItem", "FileManifestItem", "ShardedFileManifestItem",
          "SerializationType"]


def digest(lib, algorithm="sha256", value=b"\x01" * 32):
    if lib is ref:
        return ref_hashing.Digest(algorithm, value)
    return ours.manifest.Digest(algorithm, value)


@pytest.mark.parametrize("name", PUBLIC)
def test_the_reference_public_manifest_classes_exist(name):
    assert hasattr(ref.manifest, name)
    assert hasattr(ours.manifest, name), f"model_signing_rs.manifest.{name}"


def test_manifest_items_are_abstract_like_the_reference():
    for lib in (ref, ours):
        with pytest.raises(TypeError):
            lib.manifest.ManifestItem()
        with pytest.raises(TypeError):
            lib.manifest.SerializationType()
        assert issubclass(lib.manifest.FileManifestItem, lib.manifest.ManifestItem)
        assert issubclass(lib.manifest.ShardedFileManifestItem, lib.manifest.ManifestItem)


def items(lib):
    m = lib.manifest
    return [
        m.FileManifestItem(path=pathlib.PurePath("b/c.bin"), digest=digest(lib, value=b"\x02" * 32)),
        m.FileManifestItem(path=pathlib.PurePosixPath("a.txt"), digest=digest(lib)),
    ]


def shard_items(lib):
    m = lib.manifest
    return [
        m.ShardedFileManifestItem(path=pathlib.PurePath("w.bin"), start=10, end=20,
                                  digest=digest(lib, "sha256-sharded-10")),
        m.ShardedFileManifestItem(path=pathlib.PurePath("w.bin"), start=0, end=10,
                                  digest=digest(lib, "sha256-sharded-10")),
        m.ShardedFileManifestItem(path=pathlib.PurePath("v.bin"), start=0, end=3,
                                  digest=digest(lib, "sha256-sharded-10")),
    ]


def observed(lib, manifest):
    return {
        "rows": [(rd.identifier, rd.digest.algorithm, rd.digest.digest_hex)
                 for rd in manifest.resource_descriptors()],
        "name": manifest.model_name,
        "serialization": manifest.serialization_type,
    }


@pytest.mark.parametrize("kind", ["files", "shards"])
def test_a_manifest_built_from_items_and_a_serialization_type(kind):
    out = {}
    for name, lib in {"ref": ref, "ours": ours}.items():
        m = lib.manifest
        if kind == "files":
            st = m.SerializationType.from_args(
                {"method": "files", "hash_type": "sha256", "allow_symlinks": False,
                 "ignore_paths": ["x"]})
            its = items(lib)
        else:
            st = m.SerializationType.from_args(
                {"method": "shards", "hash_type": "sha256", "shard_size": 10,
                 "allow_symlinks": True})
            its = shard_items(lib)
        assert isinstance(st, m.SerializationType)
        out[name] = observed(lib, m.Manifest("model", its, st))
        assert [str(i.key) for i in its] == [str(i.key) for i in (items(lib) if kind == "files" else shard_items(lib))]
    assert out["ours"] == out["ref"]


def test_serialization_type_new_item_and_errors():
    for lib in (ref, ours):
        m = lib.manifest
        files = m.SerializationType.from_args(
            {"method": "files", "hash_type": "sha256", "allow_symlinks": False})
        shards = m.SerializationType.from_args(
            {"method": "shards", "hash_type": "sha256", "shard_size": 8,
             "allow_symlinks": False})
        f = files.new_item("dir/x.bin", digest(lib))
        s = shards.new_item("dir/x.bin:0:8", digest(lib))
        assert type(f) is m.FileManifestItem and str(f.key) == "dir/x.bin"
        assert type(s) is m.ShardedFileManifestItem and str(s.key) == "dir/x.bin:0:8"
        assert f.digest == digest(lib)
        assert files.serialization_parameters == {
            "method": "files", "hash_type": "sha256", "allow_symlinks": False}
    for make in (
        lambda lib: lib.manifest.SerializationType.from_args({"method": "tensors"}),
        lambda lib: lib.manifest.SerializationType.from_args(
            {"method": "shards", "hash_type": "sha256", "shard_size": 8,
             "allow_symlinks": False}).new_item("no-offsets", digest(lib)),
    ):
        errors = []
        for lib in (ref, ours):
            with pytest.raises(ValueError) as raised:
                make(lib)
            errors.append(str(raised.value))
        assert errors[1] == errors[0]


def test_keys_order_and_compare_like_the_reference():
    for lib in (ref, ours):
        keys = sorted(i.key for i in shard_items(lib))
        assert [str(k) for k in keys] == ["v.bin:0:3", "w.bin:0:10", "w.bin:10:20"]
        a, b = (lib.manifest.FileManifestItem(path=pathlib.PurePath("a"), digest=digest(lib))
                for _ in range(2))
        assert a.key == b.key and hash(a.key) == hash(b.key)


def test_hashed_manifests_compare_with_built_ones(model):
    """A manifest hashed by `hashing.Config` equals one built from the same items."""
    for lib in (ref, ours):
        hashed = lib.hashing.Config().hash(model)
        st = lib.manifest.SerializationType.from_args(hashed.serialization_type)
        built = lib.manifest.Manifest(
            "other-name",
            [st.new_item(rd.identifier, rd.digest) for rd in hashed.resource_descriptors()],
            st,
        )
        assert built == hashed
        assert built.serialization_type == hashed.serialization_type
