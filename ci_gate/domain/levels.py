"""BlazeMeter's event levels, and the one reader of a level from a user or a server.

Names match in any case, with the common aliases (WARN, ERR, CRIT, FATAL, SEVERE, EMERG);
a number is taken at its value (700 offends at every threshold). Only ASCII digits count.
"""

from __future__ import annotations

import re

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


ALIASES: dict[str, str] = {
    "WARN": "WARNING",
    "ERR": "ERROR",
    "CRIT": "CRITICAL",
    "FATAL": "CRITICAL",
    "SEVERE": "CRITICAL",
    "EMERG": "EMERGENCY",
}


NAMES_BY_NUMBER: dict[int, str] = {number: name for name, number in LEVELS.items()}


_NUMBER = re.compile(r"[0-9]{1,9}")
_LARGEST_NUMBER = 999_999_999


def read_level(raw: object) -> int | None:
    """A level's number from a name, an alias or a number (text or int); None if unreadable."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        # the same range as a level written in digits: a level reads the same as a number
        # and as its text (an event keeps its level as text)
        return raw if 0 <= raw <= _LARGEST_NUMBER else None
    if not isinstance(raw, str):
        return None
    text = raw.strip().upper()
    name = ALIASES.get(text, text)
    if name in LEVELS:
        return LEVELS[name]
    if _NUMBER.fullmatch(text):
        return int(text)
    return None


def parse_threshold(text: str) -> int:
    """A user-given threshold: a level name or alias in any case, or one of the numbers."""
    number = read_level(text)
    if number is not None and number in NAMES_BY_NUMBER:
        return number
    choices = ", ".join(f"{name} ({number})" for name, number in LEVELS.items())
    raise UsageError(f"unknown level {text!r}: use one of {choices}")


def level_name(number: int) -> str:
    """The level's name, or its number as text when it has none."""
    return NAMES_BY_NUMBER.get(number, str(number))
