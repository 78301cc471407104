"""Shared by the oracle scripts: apply a loader to every regular file of a directory.

`report(path) -> dict` is called for each file (sorted by name); the results are printed as
one JSON object keyed by file name. `error(e)` is the report of a loader that raised.
"""

import json
import os
import sys


def error(e):
    return {"error": f"{type(e).__name__}: {e}"[:200]}


def main(report):
    directory = sys.argv[1]
    out = {}
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            out[name] = report(path)
    json.dump(out, sys.stdout)
