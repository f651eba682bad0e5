"""BlazeMeter's event levels, and reading a level from a user or from the server."""

from __future__ import annotations

from ci_gate.errors import UsageError

LEVELS: dict[str, int] = {
    "DEBUG": 100,
    "INFO": 200,
    "NOTICE": 250,
    "WARNING": 300,
    "ERROR": 400,
    "CRITICAL": 500,
    "ALERT": 550,
    "EMERGENCY": 600,
}
NAMES_BY_NUMBER: dict[int, str] = {number: name for name, number in LEVELS.items()}

#: What an event level the gate cannot read counts as: the gate fails closed.
UNRECOGNISED_LEVEL = LEVELS["ERROR"]


def parse_threshold(text: str) -> int:
    """Read a user-given threshold: a level name in any case, or its number."""
    cleaned = text.strip()
    if cleaned.upper() in LEVELS:
        return LEVELS[cleaned.upper()]
    if cleaned.isdigit() and int(cleaned) in NAMES_BY_NUMBER:
        return int(cleaned)
    choices = ", ".join(f"{name} ({number})" for name, number in LEVELS.items())
    raise UsageError(f"unknown level {text!r}: use one of {choices}")


def level_name(number: int) -> str:
    """The level's name, or its number as text when it has none."""
    return NAMES_BY_NUMBER.get(number, str(number))


def event_level(raw: object) -> tuple[int, bool]:
    """Read an event's level from the server: (number, recognised).

    Names are matched in any case, numbers are accepted when they are one of the table's;
    anything else counts as ERROR and is flagged so the summary can say so.
    """
    if isinstance(raw, str):
        upper = raw.strip().upper()
        if upper in LEVELS:
            return LEVELS[upper], True
        if upper.isdigit() and int(upper) in NAMES_BY_NUMBER:
            return int(upper), True
    elif isinstance(raw, int) and not isinstance(raw, bool) and raw in NAMES_BY_NUMBER:
        return raw, True
    return UNRECOGNISED_LEVEL, False
