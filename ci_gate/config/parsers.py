"""The value parsers: raw text and where it came from in, a value or a `UsageError` out.

Each names its source (`--timeout`, `CI_GATE_TIMEOUT`) so one line can say what to fix.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ci_gate.domain.findings import METRICS, CriteriaMode, Limit
from ci_gate.domain.levels import parse_threshold
from ci_gate.errors import UsageError
from ci_gate.judging.baseline import DEFAULT_LIMIT, LAST_PASSED
from ci_gate.text import ascii_digits

if TYPE_CHECKING:
    import regex

_LIMIT = re.compile(r"\s*([a-z0-9]+)\s*=\s*\+?\s*([0-9]+(?:\.[0-9]+)?)\s*(%?)\s*")


def parse_limit(raw: str, source: str) -> Limit:
    """`p90=+20%`, `avg=+150` (ms) or `errors=+0.5` (percentage points)."""
    match = _LIMIT.fullmatch(raw.lower())
    if not match or match.group(1) not in METRICS:
        raise UsageError(
            f"{source} {raw!r}: use METRIC=+N% or METRIC=+N with METRIC one of "
            f"{', '.join(METRICS)} (e.g. {DEFAULT_LIMIT})"
        )
    return Limit(match.group(1), float(match.group(2)), match.group(3) == "%")


def parse_baseline(raw: str, source: str) -> str:
    value = raw.strip().lower()
    if value == LAST_PASSED or ascii_digits(value):
        return value
    raise UsageError(f"{source} {raw!r}: use a master id or {LAST_PASSED}")


#: The words an on/off environment variable reads as on (any case, trimmed).
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


_FALSE = {"", "0", "false", "no", "off"}


_MASTER_ID = re.compile(r"[0-9]{1,20}")


_DURATION = re.compile(
    r"(?:(?P<h>[0-9]+(?:\.[0-9]+)?)h)?(?:(?P<m>[0-9]+(?:\.[0-9]+)?)m)?"
    r"(?:(?P<s>[0-9]+(?:\.[0-9]+)?)s)?"
)


#: The longest duration the gate keeps: a year, far past any CI job, and far below
#: `threading.TIMEOUT_MAX` (9.2e9 s on Linux), past which a wait raises OverflowError.
#: A longer `--timeout` (or `--interval`, ...) means no practical limit and becomes this.
LONGEST_SECONDS = 366 * 24 * 3600.0


def parse_seconds(raw: str, source: str) -> float:
    """A positive, finite duration (the one duration parser): seconds as a number (`90`,
    `0.1`), or as the gate prints durations: `90s`, `5m`, `1h30m`, `1h02m03s`; at most
    `LONGEST_SECONDS` (a larger value is taken as that: no practical limit)."""
    text = raw.strip().lower()
    try:
        value = float(text)
    except ValueError:
        match = _DURATION.fullmatch(text)
        if not text or not match or not any(match.groupdict().values()):
            raise UsageError(
                f"{source} {raw!r} is not a duration: give seconds (90) or 90s, 5m, 1h30m"
            ) from None
        parts = {unit: float(amount or 0) for unit, amount in match.groupdict().items()}
        value = parts["h"] * 3600 + parts["m"] * 60 + parts["s"]
    if not math.isfinite(value) or value <= 0:
        raise UsageError(f"{source} must be a number of seconds above 0, not {raw!r}")
    return min(value, LONGEST_SECONDS)


def parse_megabytes(raw: str, source: str) -> int:
    """A size in MiB (a whole number >= 1), as bytes."""
    text = raw.strip()
    if not re.fullmatch(r"[0-9]{1,6}", text) or int(text) < 1:
        raise UsageError(f"{source} {raw!r}: use a whole number of MiB >= 1")
    return int(text) * 1024 * 1024


def parse_level(raw: str, source: str) -> int:
    """`--level`: a level name (any case) or its number."""
    try:
        return parse_threshold(raw)
    except UsageError as error:
        raise UsageError(f"{source}: {error}") from None


def parse_ignore(raw: str, source: str) -> regex.Pattern[str]:
    """An `--ignore` regex (Python's syntax, compiled by `regex`, whose searches can be
    given a time limit: `judging.policy`); one that would waive every event is refused
    (fail closed)."""
    if not raw.strip():
        raise UsageError(f"{source} {raw!r} is empty: it would waive every event")
    import regex  # a C extension, loaded only when a pattern is given

    try:
        re.compile(raw)  # Python's own syntax, as the README promises
        pattern = regex.compile(raw)
    except (re.error, regex.error) as error:
        raise UsageError(f"{source} {raw!r} is not a valid regex: {error}") from None
    try:
        empty = pattern.search("", timeout=1.0)
    except TimeoutError:
        empty = None
    if empty is not None:
        raise UsageError(f"{source} {raw!r} matches an empty message: it would waive every event")
    return pattern


def parse_count(raw: str, source: str, low: int, high: int) -> int:
    """A whole number from `low` to `high` (`--trend`, `CI_GATE_CONCURRENCY`)."""
    value = raw.strip()
    if not ascii_digits(value) or not low <= int(value) <= high:
        raise UsageError(f"{source} must be a whole number from {low} to {high}, not {raw!r}")
    return int(value)


def parse_criteria_mode(raw: str, source: str) -> CriteriaMode:
    """`--criteria`: off, on or required."""
    try:
        return CriteriaMode(raw.strip().lower())
    except ValueError:
        modes = ", ".join(mode.value for mode in CriteriaMode)
        raise UsageError(f"{source} {raw!r}: use one of {modes}") from None


def parse_path(raw: str, source: str) -> Path:
    """A path the user names (not read here: `files` reads what it names)."""
    if not raw.strip():
        raise UsageError(f"{source} is empty: name a folder")
    return Path(raw)


def parse_text(raw: str, source: str) -> str:
    """Any text, trimmed (URLs and paths checked where they are used)."""
    return raw.strip()


def parse_master_ids(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Master ids from arguments; each may hold several, split by commas or white space.

    Ids are integers: `01001` is master 1001, and a master named twice is one."""
    ids: list[str] = []
    for value in values:
        for part in re.split(r"[\s,]+", value.strip()):
            if not part:
                continue
            if not _MASTER_ID.fullmatch(part.lstrip("0") or "0") or int(part) == 0:
                raise UsageError(
                    f"master id {part!r} is not a positive whole number (BlazeMeter's masterId)"
                )
            master_id = str(int(part))
            if master_id not in ids:
                ids.append(master_id)
    if not ids:
        raise UsageError("give at least one master id")
    return tuple(ids)


def env_flag(raw: str, source: str) -> bool:
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in _FALSE:
        return False
    raise UsageError(f"{source}={raw!r}: use true or false")


def parse_test_id(raw: str) -> str:
    """A BlazeMeter test id, read as master ids are: ASCII digits only, an integer above 0
    (`007` is test 7; test 0 is refused, not sent)."""
    value = raw.strip()
    if not ascii_digits(value) or len(value.lstrip("0")) > 20 or int(value) == 0:
        raise UsageError(f"test id {raw!r} is not a positive whole number (BlazeMeter's test id)")
    return str(int(value))
