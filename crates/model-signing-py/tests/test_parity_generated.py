"""The parity invariants over generated inputs (seeded, so a failure replays):

- any sequence of `hashing.Config` calls hashes a model with symlinks as the
  reference does: same exception class, stage and message, or the same manifest;
- any tampering of a signed model (contents changed, or files added, removed,
  renamed) fails verification with the reference's message, word for word.
"""

import os
import random

import pytest

from parity import LIBS, assert_same, both

NAMES = ["a.bin", "b c.txt", "it's.json", "ünï.md", "x", "z-9.safetensors", "q\"d.txt"]
DIRS = ["", "sub", "sub/deeper", "ö dir"]


def make_model(rng: random.Random, root):
    root.mkdir()
    files = []
    for _ in range(rng.randint(1, 6)):
        rel = os.path.join(rng.choice(DIRS), rng.choice(NAMES))
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rng.randbytes(rng.choice([1, 10, 3000])))
        files.append(rel)
    return sorted(set(files))


def rows(manifest):
    return [(rd.identifier, rd.digest.algorithm, rd.digest.digest_hex)
            for rd in manifest.resource_descriptors()]


CALLS = [
    ("set_allow_symlinks", lambda rng: {"allow_symlinks": rng.random() < 0.6}),
    ("use_file_serialization", lambda rng: {
        "hashing_algorithm": rng.choice(["sha256", "blake2", "blake3"]),
        "allow_symlinks": rng.random() < 0.5,
        "chunk_size": rng.choice([0, 7, 1 << 20, -1]),
    }),
    ("use_shard_serialization", lambda rng: {
        "hashing_algorithm": rng.choice(["sha256", "blake2", "blake3"]),
        "shard_size": rng.choice([100, 1000, 0]),
        "allow_symlinks": rng.random() < 0.5,
    }),
]


def apply(lib, calls):
    cfg = lib.hashing.Config()
    for name, kwargs in calls:
        method = getattr(cfg, name)
        cfg = method(kwargs["allow_symlinks"]) if name == "set_allow_symlinks" else method(
            **kwargs)
    return cfg


@pytest.mark.parametrize("seed", range(40))
def test_any_order_of_hashing_calls_matches_the_reference(tmp_path, seed):
    rng = random.Random(seed)
    model = tmp_path / "model"
    files = make_model(rng, model)
    target = model / files[0]
    os.symlink(target.name, target.with_name("link-" + target.name))
    calls = []
    for _ in range(rng.randint(1, 4)):
        name, make = rng.choice(CALLS)
        calls.append((name, make(rng)))
    theirs, mine = both(lambda lib: apply(lib, calls), lambda cfg: cfg.hash(model))
    context = f"seed {seed}: {calls}"
    if theirs.exc is not None:
        assert mine.exc is not None, f"{context}: the reference raised {theirs.exc!r}"
        # The reference names the first symlink it meets; both name a link.
        assert_same(theirs, mine, message="symlink" not in str(theirs.exc))
        return
    assert mine.exc is None, f"{context}: ours raised {mine.exc!r}"
    assert rows(mine.value) == rows(theirs.value), context
    ours_params = dict(mine.value.serialization_type)
    theirs_params = dict(theirs.value.serialization_type)
    for p in (ours_params, theirs_params):
        p["ignore_paths"] = sorted(p.get("ignore_paths", []))
    assert ours_params == theirs_params, context


def tamper_contents(rng, model, files):
    for rel in rng.sample(files, rng.randint(1, len(files))):
        (model / rel).write_bytes(rng.randbytes(rng.choice([0, 5, 3000])))


def tamper_listing(rng, model, files):
    ops = rng.sample(["add", "remove", "rename"], rng.randint(1, 3))
    if "add" in ops:
        rel = os.path.join(rng.choice(DIRS), "added " + rng.choice(NAMES))
        (model / rel).parent.mkdir(parents=True, exist_ok=True)
        (model / rel).write_bytes(b"new")
    if "remove" in ops and len(files) > 1:
        (model / files[0]).unlink()
    if "rename" in ops and (model / files[-1]).exists():
        (model / files[-1]).rename(model / (files[-1] + ".moved"))


@pytest.mark.parametrize("seed", range(30))
def test_any_tampering_reads_as_the_reference(tmp_path, ec_keys, seed):
    rng = random.Random(1000 + seed)
    priv, pub = ec_keys
    model = tmp_path / rng.choice(["model", "my model", "modèle"])
    files = make_model(rng, model)
    sig = tmp_path / "model.sig"
    signer = LIBS[rng.choice(["ref", "ours"])]
    signer.signing.Config().use_elliptic_key_signer(private_key=priv).sign(model, sig)
    # Ours compares the file lists before reading anything, so a tampering changes either
    # contents or the listing (see README, Python section).
    rng.choice([tamper_contents, tamper_listing])(rng, model, files)
    theirs, mine = both(
        lambda lib: lib.verifying.Config().use_elliptic_key_verifier(public_key=pub),
        lambda cfg: cfg.verify(model, sig),
    )
    if theirs.exc is None:  # the random bytes happened to be the same
        assert mine.exc is None
        return
    assert_same(theirs, mine)
