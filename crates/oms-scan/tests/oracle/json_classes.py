#!/usr/bin/env python3
"""The loader as oracle: the Keras class names json.loads finds in each file of DIR.

Usage: json_classes.py DIR > classes.json

Prints {file name: {"classes": [every "class_name" value, depth first]}} or {"error": "..."}
when json.loads raises (Keras then fails to load the config). Standard library only.
"""

import json

import each_file


def classes(path):
    try:
        with open(path, "rb") as f:
            doc = json.loads(f.read())
    except Exception as e:  # noqa: BLE001 - any failure means: Keras does not read it
        return each_file.error(e)
    found = []

    def walk(v):
        if isinstance(v, dict):
            if "class_name" in v:
                found.append(v["class_name"])
            for child in v.values():
                walk(child)
        elif isinstance(v, list):
            for child in v:
                walk(child)

    walk(doc)
    return {"classes": found}


if __name__ == "__main__":
    each_file.main(classes)
