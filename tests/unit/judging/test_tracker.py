from typing import Any

from ci_gate.blazemeter.answers import parse_status
from ci_gate.judging.tracker import EventTracker
from tests.support.helpers import event


def test_three_identical_then_a_fourth_are_four_new_events() -> None:
    tracker = EventTracker()
    same = event()
    assert len(tracker.new_events([same, same, same])) == 3
    assert tracker.new_events([same, same, same]) == []
    assert len(tracker.new_events([same, same, same, same])) == 1
    assert len(tracker.seen) == 4


def test_order_newest_first_is_returned_oldest_first() -> None:
    tracker = EventTracker()
    older, newer = event(message="older", t=1), event(message="newer", t=2)
    assert [e.message for e in tracker.new_events([newer, older])] == ["older", "newer"]


def test_seed_keeps_its_repeated_events(seed_body: dict[str, Any]) -> None:
    events = parse_status("1", seed_body["result"]).events
    tracker = EventTracker()
    fresh = tracker.new_events(events)
    assert len(fresh) == 77
    assert sum(e.message == "Prepare: file path created" for e in fresh) == 5
    assert tracker.new_events(events) == []


def test_an_event_that_disappears_and_returns_is_not_new() -> None:
    tracker = EventTracker()
    a = event(message="a")
    tracker.new_events([a])
    assert tracker.new_events([]) == []
    assert tracker.new_events([a]) == []


def _answer(*messages: str) -> list[dict[str, object]]:
    """A status answer's event list as BlazeMeter sends it (newest first), one dict each."""
    return [
        {"t": 1_700_000_000, "level": "ERROR", "message": m, "session_id": "r-v4-1"}
        for m in messages
    ]


def _new_messages(tracker: EventTracker, raw: list[dict[str, object]]) -> list[str]:
    events = parse_status("1", {"status": "DATA_RECEIVED", "events": raw}).events
    return [e.message for e in tracker.new_events(events)]


def test_an_event_inserted_among_older_identical_ones_is_new_and_no_phantom_is_counted() -> None:
    """Issue 29 item 1: a late engine's event lands among older ones (BlazeMeter sorts by
    its own time). Three sampled anchors matched, so the old shortcut skipped X and
    counted a sixth E that never came."""
    tracker = EventTracker()
    flaky, down = "known flaky", "Payment service down"
    assert _new_messages(tracker, _answer(*[flaky] * 5)) == [flaky] * 5
    assert _new_messages(tracker, _answer(flaky, flaky, down, flaky, flaky, flaky)) == [down]
    assert sum(e.message == flaky for e in tracker.seen) == 5


def test_identical_heartbeats_with_one_inserted_below_the_newest() -> None:
    tracker = EventTracker()
    beat = "heartbeat"
    _new_messages(tracker, _answer(*[beat] * 9))
    assert _new_messages(tracker, _answer(beat, beat, beat, "late", *[beat] * 6)) == ["late"]


def test_an_older_event_whose_level_changed_type_is_judged_anew() -> None:
    """`1 == True` in Python, not in the gate: an older part that differs only in a value's
    type is not the previous answer (level `true` is unreadable and offends)."""
    tracker = EventTracker()
    old = [{"t": 1, "level": 1, "message": "m"}, {"t": 0, "level": "INFO", "message": "o"}]
    _new_messages(tracker, old)
    flipped = [{"t": 2, "level": "INFO", "message": "n"}, {"t": 1, "level": True, "message": "m"}]
    flipped.append(old[1])
    events = parse_status("1", {"status": "X", "events": flipped}).events
    fresh = tracker.new_events(events)
    assert [(e.message, e.level_recognised) for e in fresh] == [("m", False), ("n", True)]
