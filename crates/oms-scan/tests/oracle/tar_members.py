#!/usr/bin/env python3
"""The loader as oracle: what Python's tarfile reads from each file of DIR (NeMo archives).

Usage: tar_members.py DIR > members.json

Prints {file name: {"members": [[name, type, data as latin-1 text], ...]}} with the data of
every regular file (tarfile.extractfile), or {"error": "..."}. Standard library only;
nothing is written to disk.
"""

import each_file
import tarfile


def members(path):
    try:
        with tarfile.open(path) as t:
            out = []
            for m in t.getmembers():
                f = t.extractfile(m) if m.isfile() else None
                data = f.read().decode("latin-1") if f else ""
                out.append([m.name, m.type.decode("latin-1"), data])
            return {"members": out}
    except Exception as e:  # noqa: BLE001 - any failure means: tarfile does not read it
        return each_file.error(e)


if __name__ == "__main__":
    each_file.main(members)
