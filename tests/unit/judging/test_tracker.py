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
