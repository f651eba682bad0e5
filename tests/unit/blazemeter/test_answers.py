from typing import Any

import pytest

from ci_gate.blazemeter.answers import parse_event, parse_status
from ci_gate.errors import MalformedResponseError


def test_seed_parses(seed_body: dict[str, Any]) -> None:
    status = parse_status("12345678", seed_body["result"])
    assert (status.status, status.progress, status.terminal) == ("ENDED", 140, True)
    assert len(status.events) == 77
    assert [e.level for e in status.events].count("WARNING") == 2
    # one seed event has "from": null; it must not break parsing
    assert any(e.offset is None for e in status.events)


@pytest.mark.parametrize(
    "result", [None, [], "ENDED", 140, {"events": []}, {"status": None, "progress": "x"}]
)
def test_wrong_shapes_are_malformed_not_crashes(result: Any) -> None:
    with pytest.raises(MalformedResponseError, match="master 7"):
        parse_status("7", result)


def test_events_must_be_a_list() -> None:
    with pytest.raises(MalformedResponseError, match="'events' is a dict"):
        parse_status("7", {"status": "ENDED", "events": {}})


def test_missing_optional_fields_are_tolerated() -> None:
    status = parse_status("7", {"progress": 100})
    assert (status.status, status.progress, status.events) == ("DATA_RECEIVED", 100, ())
    status = parse_status("7", {"status": "ended", "progress": "oops", "sessions": "x"})
    assert (status.status, status.progress, status.terminal) == ("ENDED", 140, True)


def test_unknown_status_is_not_terminal() -> None:
    status = parse_status("7", {"status": "WARP_DRIVE", "progress": 140})
    assert not status.terminal and not status.known_status


def test_unreadable_events_count_at_error_flagged() -> None:
    assert parse_event("junk").level_number == 400
    event = parse_event({"message": 42, "t": "soon", "level": ["ERROR"]})
    assert (event.level_number, event.level_recognised, event.message, event.t) == (
        400,
        False,
        "42",
        None,
    )


@pytest.mark.parametrize(
    ("progress", "read"),
    [("140", 140), (" 100 ", 100), ("-1", -1), ("²", None), ("--5", None), ("٣", None)],
)
def test_a_progress_string_is_read_as_ascii_digits_or_not_at_all(
    progress: str, read: int | None
) -> None:
    """ "²" and "--5" pass `isdigit` after `lstrip("-")` but not `int()`: a server sending
    them must not crash the gate; other scripts' digits are not BlazeMeter's either."""
    status = parse_status("7", {"status": "RUNNING", "progress": progress})
    assert status.progress == read
    event = parse_event({"message": "x", "level": "INFO", "t": progress, "from": progress})
    assert (event.t, event.offset) == (read, read)
