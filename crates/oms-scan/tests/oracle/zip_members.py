#!/usr/bin/env python3
"""The loader as oracle: the members Python's zipfile lists in each file of DIR.

Usage: zip_members.py DIR > members.json

Prints {file name: {"members": [[name, header_offset, compress_size, compress_type], ...]}}
or {file name: {"error": "..."}} when zipfile.ZipFile raises. header_offset is the local
header's offset in the file (after zipfile's shift for prepended data). Standard library
only; nothing is extracted.
"""

import each_file
import zipfile


def members(path):
    try:
        with zipfile.ZipFile(path) as z:
            return {
                "members": [
                    [i.filename, i.header_offset, i.compress_size, i.compress_type]
                    for i in z.infolist()
                ]
            }
    except Exception as e:  # noqa: BLE001 - any failure means: zipfile does not read it
        return each_file.error(e)


if __name__ == "__main__":
    each_file.main(members)
