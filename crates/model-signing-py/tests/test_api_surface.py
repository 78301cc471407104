"""Switching is a one-line import change: every public function and method of
the reference's hashing/signing/verifying modules exists in ours with the same
parameter names, kinds and defaults."""

import inspect

import model_signing as ref
import model_signing_rs as ours
import pytest

# Keyword-only additions of ours (the reference has no progress reporting).
OUR_EXTRAS = {"progress"}


def public_callables(module):
    out = {}
    for name, obj in vars(module).items():
        if name.startswith("_"):
            continue
        if inspect.isfunction(obj) and obj.__module__ == module.__name__:
            out[name] = obj
        if inspect.isclass(obj) and obj.__module__ == module.__name__ and name == "Config":
            for mname, m in vars(obj).items():
                if not mname.startswith("_") or mname == "__init__":
                    out[f"Config.{mname}"] = m
    return out


def params(fn):
    sig = inspect.signature(fn)
    return [
        (p.name, p.kind, p.default)
        for p in sig.parameters.values()
        if p.name not in OUR_EXTRAS
    ]


@pytest.mark.parametrize("module", ["hashing", "signing", "verifying"])
def test_same_functions_and_signatures(module):
    theirs = public_callables(getattr(ref, module))
    mine = public_callables(getattr(ours, module))
    assert theirs, "nothing to compare"
    missing = sorted(set(theirs) - set(mine))
    assert not missing, f"missing in model_signing_rs.{module}: {missing}"
    for name, fn in theirs.items():
        assert params(mine[name]) == params(fn), f"{module}.{name}"


def test_top_level_modules():
    for name in ref.__all__:
        assert hasattr(ours, name), name
