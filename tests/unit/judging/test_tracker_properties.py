"""The event diff against a naive reference, on generated answer sequences (issue 29 item 1).

The reference parses every answer item by item and takes the multiset difference with a
`Counter`; the tracker must find exactly the same new occurrences, in the same order,
whatever the answers do between polls: grow on top, get events inserted anywhere (a late
engine's events are sorted by their own time), reorder, shrink and regrow, repeat. The
answers go through the gate's own reading (decoded in one pass in their usual shape, item
by item otherwise), and both readings must give the same events.
"""

from __future__ import annotations

import json
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ci_gate.blazemeter.answers import decode_status, parse_event, parse_status
from ci_gate.domain.run import Event
from ci_gate.judging.tracker import EventTracker

#: few distinct values, so identical events are common (the case a shortcut gets wrong);
#: levels, times and texts in every type a server might send them in
VALUE: st.SearchStrategy[object] = st.sampled_from(
    [1, 2, 2.0, True, "1", " error ", None, 400, 10**10, -5, [1], {}]
)
RAW_EVENT: st.SearchStrategy[object] = st.fixed_dictionaries(
    {},
    optional={
        "t": st.sampled_from([1, 2, 2.0, True, "1", None, 10**20]),
        "level": st.sampled_from(["ERROR", "INFO", "error", 400, 400.0, True, 1, None, "700"]),
        "message": st.sampled_from(["E", "X", "heartbeat", 1, True, None]),
        "session_id": st.sampled_from(["s1", "s2", None, 3]),
        "source": VALUE,
        "from": st.sampled_from([-6, None, "x", 1.5]),
    },
) | st.sampled_from([None, 1, "text", []])


def _edit(previous: list[object], data: st.DataObject) -> list[object]:
    """The next answer: built from the previous one the way a server might."""
    answer = list(previous)
    for _ in range(data.draw(st.integers(0, 3))):
        kind = data.draw(st.sampled_from(["top", "insert", "drop", "swap", "dup"]))
        if kind == "top" or not answer:
            answer.insert(0, data.draw(RAW_EVENT))
        elif kind == "insert":
            answer.insert(data.draw(st.integers(0, len(answer))), data.draw(RAW_EVENT))
        elif kind == "drop":
            del answer[data.draw(st.integers(0, len(answer) - 1))]
        elif kind == "swap":
            i, j = (data.draw(st.integers(0, len(answer) - 1)) for _ in range(2))
            answer[i], answer[j] = answer[j], answer[i]
        else:
            answer.insert(0, answer[data.draw(st.integers(0, len(answer) - 1))])
    return answer


def _polled(answer: list[object]) -> list[Event]:
    """The answer's events as the gate reads a status answer off the wire."""
    body = json.dumps(
        {"api_version": 4, "error": None, "result": {"status": "X", "events": answer}}
    )
    result = decode_status(body.encode())
    if result is None:
        result = json.loads(body)["result"]
    return list(parse_status("1", result).events)


class NaiveTracker:
    """Every answer read item by item; an occurrence is new when its count in this answer
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


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), first=st.lists(RAW_EVENT, max_size=8))
def test_the_tracker_finds_exactly_what_the_naive_difference_finds(
    data: st.DataObject, first: list[object]
) -> None:
    tracker, reference = EventTracker(), NaiveTracker()
    answer: list[object] = first
    for _ in range(data.draw(st.integers(1, 6))):
        assert tracker.new_events(_polled(answer)) == reference.new_events(answer)
        answer = _edit(answer, data)
    assert Counter(tracker.seen) == reference.most


@settings(max_examples=200, deadline=None)
@given(raw=RAW_EVENT)
def test_an_event_reads_the_same_decoded_in_one_pass_or_item_by_item(raw: object) -> None:
    """The quick reading takes only the usual shape, and reads it as `parse_event` does."""
    body = json.dumps({"error": None, "result": {"status": "X", "events": [raw]}}).encode()
    decoded = decode_status(body)
    if decoded is not None:
        assert list(parse_status("1", decoded).events) == [parse_event(raw)]
    elif isinstance(raw, dict) and all(isinstance(raw.get(k), str) for k in ("level", "message")):
        typed = {"t": int, "session_id": str, "source": str, "from": int}
        assert any(
            raw.get(key) is not None and type(raw.get(key)) is not kind
            for key, kind in typed.items()
        ), f"the usual shape was not decoded in one pass: {raw!r}"
