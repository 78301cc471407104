#!/usr/bin/env python3
"""The loader as oracle: what numpy's own header reader makes of each .npy file in DIR.

Usage: npy_header.py DIR > headers.json

Prints {file name: {"object": dtype.hasobject, "offset": where the data starts}} or
{"error": "..."} when numpy.lib.format raises (np.load then fails too). Reads headers as
np.load(allow_pickle=True) does (no header size limit); never reads the data. Needs numpy.
"""

import each_file

try:  # numpy 2: the implementation (with version 3.0 headers) moved
    from numpy.lib import _format_impl as npformat
except ImportError:
    from numpy.lib import format as npformat


def header(path):
    try:
        with open(path, "rb") as f:
            version = npformat.read_magic(f)
            _, _, dtype = npformat._read_array_header(f, version, max_header_size=2**64)
            return {"object": bool(dtype.hasobject), "offset": f.tell()}
    except Exception as e:  # noqa: BLE001 - any failure means: np.load does not read it
        return each_file.error(e)


if __name__ == "__main__":
    each_file.main(header)
