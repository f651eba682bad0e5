"""Reading a number out of a BlazeMeter answer, the one way every parser does it.

BlazeMeter (and the proxies in front of it) send numbers as JSON integers, floats, numeric
strings (`"1234.5"`) or floats where integers are meant (`samples: 500.0`). A value the
gate cannot use (NaN, Infinity, an integer too large for a float, text that is no number)
is not silently zero: the caller gets `None` and a reason it can note.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: An integer as BlazeMeter writes one in a string; `isdigit` would also take "²", which
#: `int()` then refuses, and other scripts' digits.
_ASCII_INTEGER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class Number:
    """A value read from an answer: the number, or why there is none."""

    value: float | None
    #: None when the value is fine or simply absent (null, missing); else why it is unusable
    problem: str | None = None


def read_number(raw: object) -> Number:
    """`raw` as a finite float: ints, floats and numeric strings are numbers; bools are not."""
    if raw is None:
        return Number(None)
    if isinstance(raw, bool):
        return Number(None, "a true/false value, not a number")
    if isinstance(raw, int):
        try:
            return Number(float(raw))
        except OverflowError:
            return Number(None, "an integer too large to use")
    if isinstance(raw, float):
        return Number(raw) if math.isfinite(raw) else Number(None, f"{raw!r}, not a number")
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            return Number(None)
        try:
            value = float(text)
        except (ValueError, OverflowError):
            return Number(None, "text that is not a number")
        if not math.isfinite(value):
            return Number(None, "a number too large to use or not finite")
        return Number(value)
    return Number(None, f"a {type(raw).__name__}, not a number")


def number_or_none(raw: object) -> float | None:
    """The number, or None when it is absent or unusable (the caller need not say why)."""
    return read_number(raw).value


def whole_or_none(raw: object) -> int | None:
    """A count (`samples`, `progress`): a number with no fraction, as an int; else None."""
    value = read_number(raw).value
    if value is None or not value.is_integer():
        return None
    return int(value)


def integer_or_none(raw: object) -> int | None:
    """An integer read exactly (an event's time, a progress code): a JSON integer of any
    size, a float with no fraction, or a string of ASCII digits; else None (bools, text
    such as "1.5" or "1e3", NaN, infinities)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and _ASCII_INTEGER.fullmatch(raw.strip()):
        try:
            return int(raw)
        except ValueError:  # more digits than Python reads (4,300): no usable integer
            return None
    return None
