"""safe_numbers: the one place a number becomes safe to compute with, draw or print."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate.safe_numbers import LIMIT, fits_json, in_range, json_int, show_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1.0),
        (-2.5, -2.5),
        (LIMIT, LIMIT),
        (10**300, 1e300),
        (10**301, None),
        (1.7e308, None),
        (-1.7e308, None),
        (math.nan, None),
        (math.inf, None),
        (10**400, None),
        (True, None),
        ("12", None),
        (None, None),
    ],
)
def test_in_range_is_a_float_a_chart_may_scale_or_none(value: object, expected: object) -> None:
    assert in_range(value) == expected


@pytest.mark.parametrize(
    ("value", "spec", "shown"),
    [
        (1830, "", "1830"),
        (1830.0, ",.0f", "1,830"),
        (12345, ",.0f", "12,345"),  # an integer keeps its exact digits
        (10**39, "", str(10**39)),
        (10**400, "", "1.000e+400 (out of range)"),
        # str() would raise (and so would pytest's id for it)
        pytest.param(-(10**5000), ",.0f", "-1.000e+5000 (out of range)", id="5001-digits"),
        (math.nan, ",.1f", "NaN"),
        (-math.inf, "", "-Infinity"),
        (1.7e308, ",.0f", "1.7e+308"),  # not 309 digits
        ("text", "", "text"),
    ],
)
def test_show_number_never_raises_and_marks_what_it_cannot_show_whole(
    value: object, spec: str, shown: str
) -> None:
    assert show_number(value, spec) == shown


@settings(deadline=None)  # a 5001-digit number's text: no 200 ms deadline on a loaded machine
@given(st.integers() | st.floats() | st.sampled_from([10**400, -(10**5000), 2**1024]))
def test_any_number_has_text_and_an_answer_for_json(value: float) -> None:
    assert show_number(value, ",.1f")
    if isinstance(value, float):
        assert fits_json(value) == math.isfinite(value)
    elif abs(value) < 2**1023 or abs(value) >= 2**1024:  # between: as the float rounds
        assert fits_json(value) == (abs(value) < 2**1023)
    number = in_range(value)
    assert number is None or (math.isfinite(number) and abs(number) <= LIMIT)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=-(10**60), max_value=10**60))
def test_json_int_reads_every_integer_of_an_ordinary_length_exactly(value: int) -> None:
    assert json.loads(str(value), parse_int=json_int) == value


@pytest.mark.parametrize("sign", ["", "-"])
def test_json_int_reads_an_integer_python_cannot_convert_as_out_of_range(sign: str) -> None:
    """Outside review of issue 29, F8: a 4,301-digit integer raised ValueError."""
    value = json.loads(f'{{"from": {sign}{"9" * 4301}, "t": 1}}', parse_int=json_int)
    assert value["t"] == 1
    assert value["from"] == (-math.inf if sign else math.inf)
    assert in_range(value["from"]) is None
