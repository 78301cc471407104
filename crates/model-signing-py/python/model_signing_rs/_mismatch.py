"""`ValueError("Signature mismatch: [...]")` worded as the reference words it,
with our report kept as data on the exception.

The message is the reference's list of strings: ``Extra files found in model
'<name>': a, b``, ``Missing files in model '<name>': c`` and one ``Hash
mismatch for '<resource>': Expected '<digest>', Actual '<digest>'`` per changed
resource. The exception also carries:

- ``added``: resources found in the model but not signed;
- ``missing``: resources signed but not found (signed files now left out by
  an ignore rule are listed here too, as the reference would, and in
  ``ignored``);
- ``changed``: ``(resource, expected Digest, actual Digest)`` tuples;
- ``ignored``: signed resources an ignore rule left out;
- ``listing_only``: the file lists differed, so no content was compared;
- ``detail``: our summary of the same report.

One difference stays: the file lists are compared before any file is read, so
when they differ no content is hashed and ``changed`` is empty (the reference
hashes everything first and reports all three kinds at once).
"""

import os
import pathlib

from model_signing_rs import manifest


def model_name(model_path: str) -> str:
    """The model's name as the reference's manifests record it."""
    p = pathlib.Path(model_path)
    name = p.name
    if not name or name == "..":
        name = os.path.basename(p.resolve())
    return name


def signature_mismatch(details: dict, model_path: str = "") -> ValueError:
    name = model_name(model_path) if model_path else ""
    added = list(details.get("added", ()))
    ignored = list(details.get("ignored", ()))
    missing = sorted(set(details.get("missing", ())) | set(ignored))
    changed = [
        (
            resource,
            manifest.Digest(exp_alg, bytes.fromhex(exp_hex)),
            manifest.Digest(act_alg, bytes.fromhex(act_hex)),
        )
        for resource, exp_alg, exp_hex, act_alg, act_hex in details.get("changed", ())
    ]
    diffs = []
    if added:
        diffs.append(f"Extra files found in model '{name}': {', '.join(sorted(added))}")
    if missing:
        diffs.append(f"Missing files in model '{name}': {', '.join(missing)}")
    for resource, expected, actual in sorted(changed, key=lambda c: c[0]):
        diffs.append(f"Hash mismatch for '{resource}': Expected '{expected}', Actual '{actual}'")
    exc = ValueError(f"Signature mismatch: {diffs}")
    exc.added = added
    exc.missing = missing
    exc.changed = changed
    exc.ignored = ignored
    exc.listing_only = bool(details.get("listing_only", False))
    exc.detail = details.get("note", "")
    if exc.detail and hasattr(exc, "add_note"):
        exc.add_note(exc.detail)
    return exc
