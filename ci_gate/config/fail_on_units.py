"""The numbers of a `--fail-on` criterion: thresholds in their subject's base unit
(ms, B, % or a count) and timeframes in whole seconds; a unit that does not fit is a
`Problem` naming where it stands."""

from __future__ import annotations

import math
import re

from ci_gate.domain.live_criteria import Subject
from ci_gate.errors import UsageError

#: a number as Taurus reads one (Python's float: `2`, `2.5`, `.5`)
_NUMBER = r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
#: time units as Taurus's dehumanize_time reads them: any case, up to days
_TIME_PART = re.compile(rf"({_NUMBER})(ms|s|m|h|d)", re.IGNORECASE)
_SIZE = re.compile(rf"({_NUMBER})(B|kB|KB|MB)?")
_PLAIN = re.compile(rf"({_NUMBER})(%?)")
_TIMEFRAME_PART = re.compile(rf"({_NUMBER})(d|h|m|s)", re.IGNORECASE)
_BYTES = {None: 1, "B": 1, "kB": 1000, "KB": 1000, "MB": 1000_000}
_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Problem(Exception):
    """Where reading stopped (0-based, in the text read) and why."""

    def __init__(self, at: int, why: str) -> None:
        super().__init__(why)
        self.at = at
        self.why = why


def read_threshold(subject: Subject, written: str, token: str, at: int) -> tuple[float, bool]:
    """The threshold in the subject's base unit, and whether it is a percentage."""
    if subject.time:
        if token.endswith("%"):
            raise Problem(at, f"a % threshold fits only fail and succ, not {written}")
        return _time_ms(token, written, at), False
    if subject is Subject.BYTES:
        size = _SIZE.fullmatch(token)
        if not size:
            raise Problem(at, f"threshold {token!r} does not fit bytes: use B, kB or MB")
        return _finite(float(size.group(1)) * _BYTES[size.group(2)], at), False
    plain = _PLAIN.fullmatch(token)
    if not plain:
        raise Problem(at, f"threshold {token!r} does not fit {written}: give a number")
    percent = plain.group(2) == "%"
    if percent and subject not in (Subject.FAIL, Subject.SUCC):
        raise Problem(at, f"a % threshold fits only fail and succ, not {written}")
    value = _finite(float(plain.group(1)), at)
    if percent and value > 100:
        raise Problem(at, f"{token} is over 100%: it could never be reached")
    return value, percent


def _time_ms(token: str, written: str, at: int) -> float:
    """`1500`, `1500ms`, `2s`, `1m`, `2s500ms` -> milliseconds (a bare number is ms; the
    units in any case, `h` and `d` too, and `.5s`: as Taurus reads them)."""
    if re.fullmatch(_NUMBER, token):
        return _finite(float(token), at)
    total = 0.0
    seen: set[str] = set()
    index = 0
    while index < len(token):
        part = _TIME_PART.match(token, index)
        unit = part.group(2).lower() if part else ""
        if not part or unit in seen:
            raise Problem(
                at + index,
                f"threshold {token!r} does not fit {written}: use ms, s or m "
                "(1500ms, 2s, 2s500ms; a bare number is ms)",
            )
        seen.add(unit)
        total += float(part.group(1)) * _MS[unit]
        index = part.end()
    return _finite(total, at)


def _finite(value: float, at: int) -> float:
    if not math.isfinite(value):
        raise Problem(at, "the threshold is too large")
    return value


def timeframe_seconds(token: str, at: int) -> int:
    """`90`, `90s`, `2m`, `1h`, `1d`, `1m30s` -> whole seconds above 0 (a bare number is
    s; units in any case, as Taurus reads them)."""
    total = 0.0
    if re.fullmatch(_NUMBER, token):
        total = float(token)
    else:
        seen: set[str] = set()
        index = 0
        while index < len(token):
            part = _TIMEFRAME_PART.match(token, index)
            unit = part.group(2).lower() if part else ""
            after = token[part.end() : part.end() + 1].lower() if part else ""
            if not part or unit in seen or after == "s":  # 1ms is no timeframe
                raise Problem(at + index, f"timeframe {token!r}: use whole seconds: 90s, 2m, 1h")
            seen.add(unit)
            total += float(part.group(1)) * _SECONDS[unit]
            index = part.end()
    if total != int(total) or not math.isfinite(total):
        raise Problem(at, f"timeframe {token!r} is not a whole number of seconds")
    if total <= 0:
        raise Problem(at, f"timeframe {token!r} is 0: give at least 1s")
    return int(total)


def parse_warmup(raw: str, source: str) -> int:
    """`--warmup`: whole seconds, 0 or more (`0`, `90`, `90s`, `2m`)."""
    token = raw.strip().lower()
    if token in ("0", "0s"):
        return 0
    try:
        return timeframe_seconds(token, 0)
    except Problem:
        raise UsageError(
            f"{source} {raw!r}: give whole seconds, 0 or more (90, 90s, 2m, 1h)"
        ) from None
