#!/usr/bin/env python3
"""Generates the three benchmark data sets of docs/PERFORMANCE.md, deterministically.

    gen_data.py OUT_DIR [llm-like|many-small|bert-like ...]

Each set goes to OUT_DIR/<name>/ and is skipped when its `.complete` stamp matches this
generator's version, so re-running reuses the data. The bytes come from a seeded PRNG; big files
repeat a 16 MiB block (content does not change hashing speed) behind a safetensors-style header.
"""

import json
import os
import random
import shutil
import struct
import sys

VERSION = "1"
GiB = 1 << 30
MiB = 1 << 20
KiB = 1 << 10
BLOCK = 16 * MiB


def block(seed):
    return random.Random(seed).randbytes(BLOCK)


def write_safetensors(path, size, seed):
    """A file of exactly `size` bytes: 8-byte header length, JSON header, then tensor data."""
    header = json.dumps(
        {"__metadata__": {"format": "pt"},
         "weight": {"dtype": "BF16", "shape": [(size - 4096) // 2], "data_offsets": [0, size - 4096]}}
    ).encode()
    header = header.ljust(4096 - 8, b" ")
    data = block(seed)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)))
        f.write(header)
        left = size - 4096
        while left > 0:
            n = min(left, BLOCK)
            f.write(data[:n])
            left -= n


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


def llm_like(root):
    for i in range(1, 5):
        write_safetensors(os.path.join(root, f"model-{i:05d}-of-00004.safetensors"), GiB, 100 + i)
    write_json(os.path.join(root, "config.json"),
               {"architectures": ["LlamaForCausalLM"], "hidden_size": 2048, "num_hidden_layers": 16})
    write_json(os.path.join(root, "generation_config.json"), {"do_sample": True, "temperature": 0.6})
    write_json(os.path.join(root, "model.safetensors.index.json"),
               {"metadata": {"total_size": 4 * GiB},
                "weight_map": {f"layers.{i}.weight": f"model-{i % 4 + 1:05d}-of-00004.safetensors"
                               for i in range(400)}})
    write_json(os.path.join(root, "tokenizer_config.json"), {"model_max_length": 131072})


def many_small(root):
    rng = random.Random(7)
    data = block(8)
    for d in range(10):
        for s in range(10):
            folder = os.path.join(root, f"d{d:02d}", f"s{s:02d}")
            os.makedirs(folder)
            for f in range(100):
                size = rng.randint(4 * KiB, 64 * KiB)
                start = rng.randrange(0, BLOCK - size)
                with open(os.path.join(folder, f"f{f:03d}.bin"), "wb") as out:
                    out.write(data[start:start + size])


def bert_like(root):
    write_safetensors(os.path.join(root, "model.safetensors"), 420 * MiB, 200)
    rng = random.Random(9)
    write_json(os.path.join(root, "config.json"),
               {"architectures": ["BertModel"], "hidden_size": 1024, "num_hidden_layers": 24})
    vocab = [f"tok{i}_{rng.randrange(1 << 30):x}" for i in range(30522)]
    with open(os.path.join(root, "vocab.txt"), "w") as f:
        f.write("\n".join(vocab) + "\n")
    write_json(os.path.join(root, "tokenizer.json"),
               {"model": {"type": "WordPiece", "vocab": {t: i for i, t in enumerate(vocab)}}})
    write_json(os.path.join(root, "tokenizer_config.json"), {"do_lower_case": True})
    write_json(os.path.join(root, "special_tokens_map.json"), {"cls_token": "[CLS]", "sep_token": "[SEP]"})


SETS = {"llm-like": llm_like, "many-small": many_small, "bert-like": bert_like}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    names = sys.argv[2:] or list(SETS)
    for name in names:
        if name not in SETS:
            sys.exit(f"unknown data set {name!r}; known: {', '.join(SETS)}")
        root = os.path.join(out, name)
        stamp = os.path.join(out, f".{name}.complete")
        if os.path.exists(stamp) and open(stamp).read() == VERSION:
            print(f"gen_data: {name} already present", file=sys.stderr)
            continue
        print(f"gen_data: generating {name} in {root}", file=sys.stderr)
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        SETS[name](root)
        with open(stamp, "w") as f:
            f.write(VERSION)


if __name__ == "__main__":
    main()
