"""Runs one scenario with both libraries and compares what a caller observes.

A scenario is split where the reference splits it: `configure(lib)` builds the
configuration object (the `use_*`/`set_*` calls), `use(config)` does the work
(`hash`, `sign`, `verify`). The outcome records at which of the two stages an
exception surfaced, so a test compares the timing as well as the exception's
class, message and attributes.
"""

import model_signing as ref
import model_signing_rs as ours

LIBS = {"ref": ref, "ours": ours}

OS_ATTRIBUTES = ("errno", "strerror", "filename", "filename2")


class Outcome:
    def __init__(self, stage, exc, value=None):
        self.stage = stage  # "configure", "call" or None (success)
        self.exc = exc
        self.value = value

    def __repr__(self):
        return f"Outcome(stage={self.stage!r}, exc={self.exc!r})"


def run(lib, configure, use=None) -> Outcome:
    try:
        config = configure(lib)
    except Exception as e:  # noqa: BLE001 - the exception is the observation
        return Outcome("configure", e)
    if use is None:
        return Outcome(None, None, config)
    try:
        value = use(config)
    except Exception as e:  # noqa: BLE001
        return Outcome("call", e)
    return Outcome(None, None, value)


def both(configure, use=None) -> tuple[Outcome, Outcome]:
    return run(ref, configure, use), run(ours, configure, use)


def assert_same(theirs: Outcome, mine: Outcome, *, message: bool = True):
    """Same stage, our exception an instance of the reference's class, and
    (unless `message=False`) the same message and OS error attributes."""
    assert theirs.exc is not None, f"the reference accepted it: {theirs!r}"
    assert mine.stage == theirs.stage, (
        f"raised at {mine.stage!r}, the reference at {theirs.stage!r}: "
        f"ours {mine.exc!r}, theirs {theirs.exc!r}"
    )
    assert isinstance(mine.exc, type(theirs.exc)), (
        f"ours {type(mine.exc).__mro__}, theirs {type(theirs.exc)}: {mine.exc!r}"
    )
    if isinstance(theirs.exc, OSError):
        for attr in OS_ATTRIBUTES:
            assert getattr(mine.exc, attr) == getattr(theirs.exc, attr), (
                f"{attr}: ours {getattr(mine.exc, attr)!r}, theirs {getattr(theirs.exc, attr)!r}"
            )
    if message:
        assert str(mine.exc) == str(theirs.exc), (
            f"message:\n  ours   {str(mine.exc)!r}\n  theirs {str(theirs.exc)!r}"
        )
