"""Every duration the gate parses can be waited on (outside review of issue 29, F5): a
value past `threading.TIMEOUT_MAX` raised OverflowError deep in a wait; the one duration
parser takes any larger value as no practical limit (`LONGEST_SECONDS`)."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate.config.parsers import LONGEST_SECONDS, parse_seconds
from ci_gate.errors import UsageError


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1e-6, allow_nan=False, allow_infinity=False))
def test_any_positive_number_of_seconds_is_one_a_wait_can_take(value: float) -> None:
    seconds = parse_seconds(repr(value), "--timeout")
    assert 0 < seconds <= LONGEST_SECONDS
    assert seconds == min(value, LONGEST_SECONDS)
    # a deadline this far away, plus a long-running machine's clock, is still waitable
    assert seconds + 1e9 < threading.TIMEOUT_MAX


@pytest.mark.parametrize("raw", ["100000000000", "9999999999", "1e300", "99999999h"])
def test_a_huge_value_is_no_practical_limit(raw: str) -> None:
    assert parse_seconds(raw, "--timeout") == LONGEST_SECONDS


@pytest.mark.parametrize("raw", ["0", "-5", "nan", "inf", "1e400"])
def test_what_is_no_number_of_seconds_is_still_refused(raw: str) -> None:
    with pytest.raises(UsageError):
        parse_seconds(raw, "--timeout")
