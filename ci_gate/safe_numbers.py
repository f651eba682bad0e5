"""The one place a number becomes safe for a report to compute with, draw or print.

A server can put any number where a number goes: an integer of 400 digits, ±1.7e308,
NaN, an infinity, and a bug can put one in a computed field. Python raises on several of
them (`float(10**400)`, `int(math.inf)`, `str(10**5000)`, `1.7e308 - -1.7e308` is
infinite), and a renderer that raises costs the whole report set. So every renderer asks
here instead of converting itself: `in_range` gives a float it may scale, subtract and
bucket (or None: the value is marked, never drawn), `show_number` gives text that never
raises and says "out of range" where the number cannot be shown whole.
"""

from __future__ import annotations

import math
import re

#: The largest magnitude computed with: a sum, difference or small multiple of two such
#: numbers is still a finite float (1.7e308 - -1.7e308 is not).
LIMIT = 1e300
#: Integers longer than this are abbreviated in text (str() of 4,301+ digits even raises).
MAX_DIGITS = 40
OUT_OF_RANGE = "out of range"
#: The longest integer a JSON answer may hold and still be read as one: Python refuses to
#: convert more than 4,300 digits (ValueError), which made the whole answer unreadable.
MAX_JSON_DIGITS = 4000


def json_int(text: str) -> int | float:
    """`json.loads`'s `parse_int`: an integer, or ±infinity for one longer than
    MAX_JSON_DIGITS (valid JSON, but out of range: every reader of numbers says so), so
    one such number never costs the rest of the answer."""
    if len(text) > MAX_JSON_DIGITS:
        return -math.inf if text.startswith("-") else math.inf
    return int(text)


def is_number(value: object) -> bool:
    """An int or float that is not a bool (True is not a number a server meant)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def in_range(value: object) -> float | None:
    """`value` as a float a report may compute with: finite and within ±LIMIT. None for
    anything else (None, NaN, an infinity, a number too large, not a number)."""
    if not is_number(value):
        return None
    assert isinstance(value, (int, float))
    if isinstance(value, int) and not -LIMIT <= value <= LIMIT:  # compared exactly
        return None
    number = float(value)
    return number if math.isfinite(number) and abs(number) <= LIMIT else None


def as_float(value: object) -> float | None:
    """`value` as the float it rounds to (an integer beyond the float range is an
    infinity, as `float("1e400")` is); None when it is not a number."""
    if not is_number(value):
        return None
    assert isinstance(value, (int, float))
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    return value


def fits_json(value: object) -> bool:
    """A number every JSON reader can take: finite, and an integer a double can hold."""
    number = as_float(value)
    return number is not None and math.isfinite(number)


def show_number(value: object, spec: str = "") -> str:
    """Any number as text, never raising: in range, formatted with `spec` (`,.0f`, `g`,
    ...; none: integers in full, floats as Python writes them); NaN and infinities as
    `NaN`, `Infinity`, `-Infinity`; an integer too long as its sign, first digits and
    length, marked out of range. Anything else: its `str`."""
    if not is_number(value):
        return str(value)
    assert isinstance(value, (int, float))
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float) and math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, int) and abs(value) >= 10**MAX_DIGITS:
        exponent = math.floor(math.log10(abs(value)))  # log10 takes any int; str() may not
        mantissa = 10 ** (math.log10(abs(value)) - exponent)
        sign = "-" if value < 0 else ""
        return f"{sign}{mantissa:.3f}e+{exponent} ({OUT_OF_RANGE})"
    if not spec:
        return str(value) if isinstance(value, int) else repr(value)
    if isinstance(value, int):  # exact digits: a float spec would round through a float
        return format(value, _FRACTION.sub("", spec))
    if in_range(value) is None:  # a float beyond LIMIT: a fixed-point spec would be long
        return f"{value:g}"
    return format(value, spec)


def show_amount(value: object, unit: str = "", decimals: int = 1) -> str:
    """A measured number as every report table and headline spells it: a whole number as
    an integer with thousands separators, any other with `decimals` decimals (`14,310`,
    `1,830 ms`, `212.4 ms`), then its unit. The one spelling of the KPI table, the
    criteria, the baseline table and the headline (never raising, as `show_number`)."""
    number = in_range(value)
    whole = number is not None and number.is_integer()
    shown = show_number(value, ",.0f" if whole else f",.{decimals}f")
    return f"{shown} {unit}" if unit else shown


def whole_as_int(value: object) -> object:
    """A number as summary.json writes it: a whole float as an integer (`12000`, not
    `12000.0`: counts are counts); anything else as it is."""
    if isinstance(value, float) and in_range(value) is not None and value.is_integer():
        return int(value)
    return value


#: The precision and float type of a format spec (`.2f`, `e`), which an integer drops.
_FRACTION = re.compile(r"(\.\d+)?[eEfFgG%]?$")
