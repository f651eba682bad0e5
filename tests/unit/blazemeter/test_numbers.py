"""Reading numbers out of BlazeMeter's answers: `numbers.py`, the one place it is done."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate.blazemeter.answers import parse_status
from ci_gate.blazemeter.numbers import integer_or_none, whole_or_none


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12, 12),
        (-3, -3),
        (2**80 + 1, 2**80 + 1),  # exact, beyond a float's precision
        (500.0, 500),
        (" 42 ", 42),
        ("-7", -7),
        (1.5, None),
        ("1.5", None),
        ("1e3", None),
        ("²", None),  # a digit to isdigit, none to int()
        ("٣", None),  # another script's digit
        ("", None),
        (True, None),
        (None, None),
        (float("nan"), None),
        (float("inf"), None),
        ([1], None),
        ("9" * 5000, None),  # past Python's digit limit for int(): no number, never a raise
    ],
)
def test_an_integer_is_read_exactly_or_not_at_all(raw: object, expected: int | None) -> None:
    assert integer_or_none(raw) == expected


@settings(max_examples=200)
@given(st.integers(min_value=-(10**300), max_value=10**300))
def test_any_integer_and_its_digits_read_back_as_itself(value: int) -> None:
    assert integer_or_none(value) == value
    assert integer_or_none(str(value)) == value
    assert integer_or_none(f"  {value}\n") == value


@pytest.mark.parametrize(("raw", "expected"), [(500.0, 500), ("7", 7), (7.5, None), (None, None)])
def test_a_count_is_a_number_with_no_fraction(raw: object, expected: int | None) -> None:
    assert whole_or_none(raw) == expected


def test_a_status_answer_with_a_progress_of_too_many_digits_is_read_without_it() -> None:
    """A server's 5,000-digit progress string (or event time) is no number, never a
    ValueError out of the parser (an internal error, exit 4)."""
    huge = "9" * 5000
    answer = {"status": "RUNNING", "progress": huge, "events": [{"t": huge, "level": "INFO"}]}
    status = parse_status("7", answer)
    assert status.status == "RUNNING" and status.progress is None
    assert [event.t for event in status.events] == [None]
