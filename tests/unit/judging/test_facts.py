"""judging/facts.py: what `combine` judges is a frozen snapshot (issue 30 item 4)."""

from __future__ import annotations

import dataclasses
import inspect
import typing
from dataclasses import FrozenInstanceError

import pytest

from ci_gate.domain.outcome import StopRequest
from ci_gate.judging import facts
from ci_gate.judging.facts import MasterFacts
from ci_gate.judging.live import JudgeSnapshot


def _snapshot_types() -> list[type]:
    found = [
        value
        for _, value in inspect.getmembers(facts, inspect.isclass)
        if dataclasses.is_dataclass(value) and value.__module__ == facts.__name__
    ]
    return [*found, JudgeSnapshot]


def test_every_fact_type_is_frozen_and_holds_tuples_not_lists() -> None:
    """No fact `judging` receives can be filled in after it is handed over: each type is
    a frozen dataclass, and a sequence in it is a tuple (a list or a set would be a
    mutable thing shared with whoever built it)."""
    types = _snapshot_types()
    assert {kind.__name__ for kind in types} >= {
        "MasterFacts",
        "EndFacts",
        "LiveFacts",
        "BaselineFacts",
        "TrendFacts",
        "JudgeSnapshot",
    }
    for kind in types:
        assert kind.__dataclass_params__.frozen, kind.__name__  # type: ignore[attr-defined]
        hints = typing.get_type_hints(kind)
        for field in dataclasses.fields(kind):
            shown = str(hints[field.name])
            assert "list[" not in shown and "set[" not in shown, (kind.__name__, field.name)


def test_a_fact_cannot_be_changed_after_it_is_taken() -> None:
    taken = MasterFacts("1", notes=("kept",))
    with pytest.raises(FrozenInstanceError):
        taken.status = "ENDED"  # type: ignore[misc]
    assert dataclasses.replace(taken, status="ENDED").notes == ("kept",)


def test_the_stop_action_is_the_last_stop_sent_read_from_the_requests() -> None:
    """Not a field kept beside the stop requests: a stop that could not be sent after one
    that was leaves the action sent."""
    assert MasterFacts("1").stop_action is None
    sent = StopRequest(1.0, "stop", "it failed (--stop-on-fail)")
    failed = StopRequest(2.0, None, "timed out (--stop-on-timeout)")
    assert MasterFacts("1", stop_requests=(failed,)).stop_action is None
    assert MasterFacts("1", stop_requests=(sent, failed)).stop_action == "stop"
    terminate = StopRequest(3.0, "terminate", "cancelled (--stop-on-cancel)")
    assert MasterFacts("1", stop_requests=(sent, terminate)).stop_action == "terminate"
