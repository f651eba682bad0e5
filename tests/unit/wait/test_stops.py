"""wait/stops.py: stops go out side by side; collecting never waits past the deadline and
its grace; every stop sent is handed back exactly once (the outside review of the stop
paths, item 1)."""

from __future__ import annotations

import threading
import time
from functools import partial

from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate.wait.stops import GRACE, Stops


def test_a_stop_that_never_answers_does_not_hold_the_others() -> None:
    release = threading.Event()
    started: list[str] = []

    def stop(name: str, hang: bool) -> str:
        started.append(name)
        if hang:
            release.wait()
        return f"stopped {name}"

    stops: Stops[str] = Stops(4)
    deadline = time.monotonic() + 0.2
    try:
        for name, hang in (("1", True), ("2", False), ("3", False)):
            stops.send(partial(stop, name, hang), name, deadline)
        begun = time.monotonic()
        collected = list(stops.collect())
        took = time.monotonic() - begun
    finally:
        release.set()
        stops.close()
    assert sorted(started) == ["1", "2", "3"]  # every request went out at once
    done = {name: answer.result() for name, answer in collected if answer.done()}
    assert done == {"2": "stopped 2", "3": "stopped 3"}
    assert [name for name, answer in collected if not answer.done()] == ["1"]
    assert collected[-1][0] == "1"  # the answered ones first, as they came
    # the deadline and its grace, never the hung stop (it would wait for ever); 1.5 s: the
    # threads' scheduling on a loaded 2-core machine
    assert took <= 0.2 + GRACE + 1.5, took


@settings(max_examples=40, deadline=None)
@given(outcomes=st.lists(st.sampled_from(["ok", "error"]), min_size=1, max_size=12))
def test_every_stop_sent_is_handed_back_once_with_its_own_answer(outcomes: list[str]) -> None:
    def stop(index: int, outcome: str) -> int:
        if outcome == "error":
            raise RuntimeError(f"failed {index}")
        return index

    stops: Stops[int] = Stops(3)  # fewer workers than stops: they queue, none is lost
    deadline = time.monotonic() + 5
    for index, outcome in enumerate(outcomes):
        stops.send(partial(stop, index, outcome), index, deadline)
    collected = list(stops.collect())
    stops.close()
    assert sorted(tag for tag, _ in collected) == list(range(len(outcomes)))
    for tag, answer in collected:
        assert answer.done()
        if outcomes[tag] == "ok":
            assert answer.result() == tag
        else:
            assert str(answer.exception()) == f"failed {tag}"
    assert list(stops.collect()) == [] and stops.in_flight() == []
