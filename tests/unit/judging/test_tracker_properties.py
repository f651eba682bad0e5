"""The event diff against a naive reference, on generated answer sequences (issue 29 item 1).

The reference parses every answer in full and takes the multiset difference with a
`Counter`; the tracker must find exactly the same new occurrences, in the same order,
whatever the answers do between polls: grow on top, get events inserted anywhere (a late
engine's events are sorted by their own time), reorder, shrink and regrow, repeat.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ci_gate.blazemeter.answers import parse_event, parse_status
from ci_gate.domain.run import Event
from ci_gate.judging.tracker import EventTracker

#: few distinct values, so identical events are common (the case the shortcut got wrong);
#: levels and times in every type a server might send them in
RAW_EVENT = st.fixed_dictionaries(
    {
        "t": st.sampled_from([1, 2, 2.0, True, "1", None]),
        "level": st.sampled_from(["ERROR", "INFO", "error", 400, 400.0, True, 1, None]),
        "message": st.sampled_from(["E", "X", "heartbeat", 1, True]),
    },
    optional={"session_id": st.sampled_from(["s1", "s2", None]), "from": st.just(-6)},
)


def _edit(previous: list[object], data: st.DataObject) -> list[object]:
    """The next answer: built from the previous one the way a server might."""
    answer = list(previous)
    for _ in range(data.draw(st.integers(0, 3))):
        kind = data.draw(st.sampled_from(["top", "insert", "drop", "swap", "dup", "retype"]))
        if kind == "top" or not answer:
            answer.insert(0, data.draw(RAW_EVENT))
        elif kind == "insert":
            answer.insert(data.draw(st.integers(0, len(answer))), data.draw(RAW_EVENT))
        elif kind == "drop":
            del answer[data.draw(st.integers(0, len(answer) - 1))]
        elif kind == "swap":
            i, j = (data.draw(st.integers(0, len(answer) - 1)) for _ in range(2))
            answer[i], answer[j] = answer[j], answer[i]
        elif kind == "dup":
            answer.insert(0, answer[data.draw(st.integers(0, len(answer) - 1))])
        else:  # the same event, one value of another type (1 == True == 1.0 in Python)
            index = data.draw(st.integers(0, len(answer) - 1))
            retyped = dict(answer[index])  # type: ignore[call-overload]
            retyped["level"] = data.draw(st.sampled_from([400, 400.0, True, "400"]))
            answer[index] = retyped
    return answer


class NaiveTracker:
    """Every answer parsed in full; an occurrence is new when its count in this answer
    exceeds the most ever seen of it."""

    def __init__(self) -> None:
        self.most: Counter[Event] = Counter()

    def new_events(self, raw: list[object]) -> list[Event]:
        counts: Counter[Event] = Counter()
        fresh = []
        for event in map(parse_event, reversed(raw)):  # newest first on the wire
            counts[event] += 1
            if counts[event] > self.most[event]:
                fresh.append(event)
        self.most |= counts
        return fresh


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), first=st.lists(RAW_EVENT, max_size=8))
def test_the_tracker_finds_exactly_what_the_naive_difference_finds(
    data: st.DataObject, first: list[object]
) -> None:
    tracker, reference = EventTracker(), NaiveTracker()
    answer: list[object] = first
    for _ in range(data.draw(st.integers(1, 6))):
        events = parse_status("1", {"status": "DATA_RECEIVED", "events": list(answer)}).events
        assert tracker.new_events(events) == reference.new_events(answer)
        answer = _edit(answer, data)
    assert Counter(tracker.seen) == reference.most


@settings(max_examples=60, deadline=None)
@given(data=st.data(), first=st.lists(RAW_EVENT, max_size=8))
def test_the_same_on_plain_lists_of_events(data: st.DataObject, first: list[object]) -> None:
    """A sequence that is not a parsed answer (no verbatim items) takes the full path."""
    tracker, reference = EventTracker(), NaiveTracker()
    answer: list[object] = first
    for _ in range(data.draw(st.integers(1, 4))):
        assert tracker.new_events([parse_event(raw) for raw in answer]) == (
            reference.new_events(answer)
        )
        answer = _edit(answer, data)
