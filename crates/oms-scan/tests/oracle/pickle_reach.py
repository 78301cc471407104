#!/usr/bin/env python3
"""The loader as oracle: which globals CPython's own unpickler reaches in each file.

Usage: pickle_reach.py DIR > reach.json

Every regular file in DIR is read the way pickle-based loaders read it: `pickle.Unpickler`
(the C implementation), pickle after pickle until the data ends or one raises (legacy
`torch.save` files hold several), with `encoding="utf-8"` and a `persistent_load` (as
`torch.load` has). `find_class` records the (module, name) it is asked for and returns an
inert stand-in class: nothing is ever imported, and the stand-ins accept any construction,
call, `__setstate__`, `append`/`extend`/`add`/`__setitem__`, recording the calls. A module
or name that is not a dotted Python identifier raises, as the real lookup does. An address
space limit keeps hostile memo keys or lengths from exhausting memory.

Each file is read twice: by the C unpickler (pickle.load, torch.load, np.load) and by the
pure-Python one (`pickle._Unpickler`, which joblib.load uses); they differ in places.

Prints one JSON object: {file name: {"globals": [[module, name, is_name], ...],
"calls": [...], "pickles": n, "error": str or null, "python_globals": [...],
"python_error": ...}} (the `python_` fields from the pure-Python reading), where `is_name`
says whether the module is a dotted Python identifier (no import finds anything else).
Standard library only.
"""

import io
import pickle
import resource

import each_file

MAX_PICKLES = 16
ADDRESS_SPACE = 2 << 30


def is_name(dotted):
    return dotted != "" and all(part.isidentifier() for part in dotted.split("."))


class Recorder:
    def __init__(self):
        self.globals = []
        self.calls = []

    def stand_in(self, label):
        calls = self.calls

        class StandIn:
            def __new__(cls, *args, **kwargs):
                calls.append(f"new {label}")
                return object.__new__(cls)

            def __init__(self, *args, **kwargs):
                pass

            def __call__(self, *args, **kwargs):
                calls.append(f"call result of {label}")
                return self

            def __setstate__(self, state):
                calls.append(f"setstate {label}")

            def __setitem__(self, key, value):
                calls.append(f"setitem {label}")

            def append(self, item):
                calls.append(f"append {label}")

            def extend(self, items):
                calls.append(f"extend {label}")

            def add(self, item):
                calls.append(f"add {label}")

        class Meta(type):
            def __call__(cls, *args, **kwargs):
                calls.append(f"call {label}")
                return super().__call__(*args, **kwargs)

        return Meta("StandIn", (StandIn,), {})


class Recording:
    """find_class and persistent_load that record and return stand-ins."""

    def find_class(self, module, name):
        # The real find_class imports the module, then looks the name up: a module that is
        # not a dotted Python name is found by no import; a name that is not one is no
        # attribute (the module was imported all the same). The load ends there.
        self.recorder.globals.append([module, name, is_name(module)])
        if not (is_name(module) and is_name(name)):
            raise ModuleNotFoundError(f"No module named {module!r} with {name!r}")
        return self.recorder.stand_in(f"{module}.{name}")

    def persistent_load(self, pid):
        self.recorder.calls.append("persistent_load")
        return self.recorder.stand_in("persistent")()


class RecordingUnpickler(Recording, pickle.Unpickler):
    """CPython's C unpickler (pickle.load, torch.load, np.load)."""

    def __init__(self, file, recorder):
        super().__init__(file, encoding="utf-8")
        self.recorder = recorder


class RecordingPyUnpickler(Recording, pickle._Unpickler):
    """The pure-Python unpickler, which joblib.load uses (it differs from the C one)."""

    def __init__(self, file, recorder):
        super().__init__(file, encoding="utf-8")
        self.recorder = recorder


def reach(data, unpickler):
    recorder = Recorder()
    stream = io.BytesIO(data)
    pickles = 0
    error = None
    while stream.tell() < len(data) and pickles < MAX_PICKLES:
        try:
            unpickler(stream, recorder).load()
        except BaseException as e:  # noqa: BLE001 - every failure ends the file, as in a loader
            error = f"{type(e).__name__}: {e}"[:200]
            break
        pickles += 1
    return {
        "globals": recorder.globals,
        "calls": recorder.calls[:1000],
        "pickles": pickles,
        "error": error,
    }


def both_readings(path):
    with open(path, "rb") as f:
        data = f.read()
    c = reach(data, RecordingUnpickler)
    py = reach(data, RecordingPyUnpickler)
    c["python_globals"] = py["globals"]
    c["python_error"] = py["error"]
    return c


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    each_file.main(both_readings)
