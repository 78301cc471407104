"""hashing.Config: ours and the reference give the same manifests."""

import os

import model_signing as ref
import model_signing_rs as ours
import pytest


def rows(manifest):
    return [
        (rd.identifier, rd.digest.algorithm, rd.digest.digest_hex)
        for rd in manifest.resource_descriptors()
    ]


def params(manifest):
    p = dict(manifest.serialization_type)
    if "ignore_paths" in p:
        p["ignore_paths"] = sorted(str(x) for x in p["ignore_paths"])
    return p


CONFIGS = [
    ("default", lambda lib: lib.hashing.Config()),
    ("files-blake2", lambda lib: lib.hashing.Config().use_file_serialization(hashing_algorithm="blake2")),
    ("files-blake3", lambda lib: lib.hashing.Config().use_file_serialization(hashing_algorithm="blake3")),
    ("shards-1000", lambda lib: lib.hashing.Config().use_shard_serialization(shard_size=1000)),
    ("shards-blake2-4096", lambda lib: lib.hashing.Config().use_shard_serialization(hashing_algorithm="blake2", shard_size=4096)),
    ("shards-blake3", lambda lib: lib.hashing.Config().use_shard_serialization(hashing_algorithm="blake3", shard_size=10)),
    ("ignore-readme-and-dir", lambda lib: lib.hashing.Config().set_ignored_paths(paths=["README.md", "sub/deeper"])),
    ("keep-git", lambda lib: lib.hashing.Config().set_ignored_paths(paths=[], ignore_git_paths=False)),
]


@pytest.mark.parametrize("name,make", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_manifest_equals_the_reference(model, name, make):
    theirs = make(ref).hash(model)
    mine = make(ours).hash(model)
    assert rows(mine) == rows(theirs)
    assert params(mine) == params(theirs)
    assert mine.model_name == theirs.model_name


def test_default_hash_function_and_single_file(model):
    assert rows(ours.hashing.hash(model)) == rows(ref.hashing.hash(model))
    f = model / "weights.bin"
    assert rows(ours.hashing.hash(f)) == rows(ref.hashing.hash(f))


def test_absolute_ignore_path_inside_the_model(model):
    theirs = ref.hashing.Config().set_ignored_paths(paths=[model / "config.json"]).hash(model)
    mine = ours.hashing.Config().set_ignored_paths(paths=[model / "config.json"]).hash(model)
    assert rows(mine) == rows(theirs)
    assert "config.json" not in [r[0] for r in rows(mine)]


def test_files_to_hash(model):
    files = [model / "config.json", model / "sub" / "a.txt"]
    theirs = ref.hashing.Config().hash(model, files_to_hash=files)
    mine = ours.hashing.Config().hash(model, files_to_hash=files)
    assert rows(mine) == rows(theirs)


def test_symlink_is_refused_like_the_reference(model):
    os.symlink(model / "config.json", model / "link.json")
    with pytest.raises(ValueError):
        ref.hashing.Config().hash(model)
    with pytest.raises(ValueError):
        ours.hashing.Config().hash(model)
    both = [
        lib.hashing.Config().set_allow_symlinks(True).hash(model) for lib in (ref, ours)
    ]
    assert rows(both[1]) == rows(both[0])


def test_manifest_equality_ignores_the_model_name(model, tmp_path):
    other = tmp_path / "renamed"
    os.rename(model, other)
    a = ours.hashing.hash(other)
    assert a == ours.hashing.hash(other)
    assert a.model_name == "renamed"


def test_unknown_algorithm_is_a_value_error():
    with pytest.raises(ValueError):
        ours.hashing.Config().use_file_serialization(hashing_algorithm="md5")


def test_progress_reports_every_byte(model):
    calls = []
    ours.hashing.Config().hash(model, progress=lambda done, total: calls.append((done, total)))
    total = sum(
        p.stat().st_size for p in model.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(model).parts[0:1]
        and p.name != ".gitattributes"
    )
    assert calls[0] == (0, total)
    assert calls[-1] == (total, total)
    dones = [c[0] for c in calls]
    assert dones == sorted(dones)


def test_progress_callback_exception_propagates(model):
    def boom(done, total):
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        ours.hashing.Config().hash(model, progress=boom)
