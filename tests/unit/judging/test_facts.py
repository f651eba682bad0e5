"""judging/facts.py: what `combine` judges is a frozen snapshot (issue 30 item 4)."""

from __future__ import annotations

import dataclasses
import inspect
import typing
from dataclasses import FrozenInstanceError
from datetime import datetime, timezone

import pytest

from ci_gate.domain.findings import CriteriaMode
from ci_gate.domain.outcome import MasterOutcome, Seen, StatusChange, StopRequest
from ci_gate.judging import facts
from ci_gate.judging.combine import Rules, combine
from ci_gate.judging.facts import Ending, MasterFacts
from ci_gate.judging.live import JudgeSnapshot
from tests.support.helpers import event


def _snapshot_types() -> list[type]:
    found = [
        value
        for _, value in inspect.getmembers(facts, inspect.isclass)
        if dataclasses.is_dataclass(value) and value.__module__ == facts.__name__
    ]
    return [*found, JudgeSnapshot, Seen]


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
        "Seen",
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
        taken.notes = ()  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        taken.seen.status = "ENDED"  # type: ignore[misc]
    assert dataclasses.replace(taken, seen=Seen(status="ENDED")).notes == ("kept",)


def test_what_the_watch_saw_is_stored_once_and_handed_over_whole() -> None:
    """Issue 30 item 4: the status, the events and the stop requests live in one `Seen`
    value, which `combine` hands to the outcome as it is, never copied field by field;
    neither the facts nor the outcome keeps a field of the same name beside it."""
    seen_fields = {field.name for field in dataclasses.fields(Seen)}
    for kind in (MasterFacts, MasterOutcome):
        kept = {field.name for field in dataclasses.fields(kind)}
        assert not kept & seen_fields, kind.__name__
    for derived in ("event_counts", "unrecognised_levels", "stop_action"):
        assert not hasattr(MasterOutcome, derived), derived  # read as `seen.X`, once
    when = StatusChange(datetime(2026, 1, 2, tzinfo=timezone.utc), 0.0, "ENDED", 140)
    seen = Seen(status="ENDED", progress=140, events=(event(),), timeline=(when,))
    rules = Rules(level=400, criteria=CriteriaMode.OFF, limits=(), timeout=60)
    outcome = combine(MasterFacts("1", seen=seen, ending=Ending.CRASHED), rules, now=0.0)
    assert outcome.seen is seen
    assert (outcome.status, outcome.progress, outcome.timeline) == ("ENDED", 140, (when,))


def test_the_counts_are_read_from_the_events() -> None:
    """Not kept beside the events: each level's count, unknown levels as UNRECOGNISED."""
    assert (Seen().event_counts, Seen().unrecognised_levels) == ({}, 0)
    events = (event("WARNING"), event("error"), event("ERROR"), event("loud"), event("INFO"))
    seen = Seen(events=events)
    assert seen.event_counts == {"ERROR": 2, "INFO": 1, "UNRECOGNISED": 1, "WARNING": 1}
    assert list(seen.event_counts) == ["ERROR", "INFO", "UNRECOGNISED", "WARNING"]
    assert seen.unrecognised_levels == 1


def test_the_stop_action_is_the_last_stop_sent_read_from_the_requests() -> None:
    """Not a field kept beside the stop requests: a stop that could not be sent after one
    that was leaves the action sent."""
    assert Seen().stop_action is None
    sent = StopRequest(1.0, "stop", "it failed (--stop-on-fail)")
    failed = StopRequest(2.0, None, "timed out (--stop-on-timeout)")
    assert Seen(stop_requests=(failed,)).stop_action is None
    assert Seen(stop_requests=(sent, failed)).stop_action == "stop"
    terminate = StopRequest(3.0, "terminate", "cancelled (--stop-on-cancel)")
    assert Seen(stop_requests=(sent, terminate)).stop_action == "terminate"
