"""`--fail-on-file`: the passfail criteria of a Taurus config (YAML or JSON).

The `criteria` of each `reporting` item with `module: passfail`, in Taurus's three forms: a
list of short forms, a mapping message -> short form, and full-form mappings (`subject`,
`label`, `condition`, `threshold`, `logic`, `timeframe`, `stop`, `fail`, `message`). A full
form is written as the short form it means and read by `fail_on.parse_fail_on`, so the two
forms cannot drift apart. PyYAML is imported only here, only when the option is used: the
gate's start-up does not pay for it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ci_gate.config.fail_on import parse_fail_on
from ci_gate.domain.live_criteria import LiveCriterion
from ci_gate.errors import UsageError
from ci_gate.files import read_small_file

#: A Taurus config larger than this is not a config.
MAX_FILE_BYTES = 4 * 1024 * 1024

_FULL_KEYS = (
    "subject",
    "label",
    "condition",
    "threshold",
    "logic",
    "timeframe",
    "stop",
    "fail",
    "message",
)
#: Taurus's own class for data criteria: naming it is the same as not naming one.
_DATA_CRITERION = "bzt.modules.passfail.DataCriterion"


def load_fail_on_file(path: Path, source: str = "--fail-on-file") -> tuple[LiveCriterion, ...]:
    """Every passfail criterion of the Taurus config at `path`, in the file's order."""
    where = f"{source} {str(path)!r}"
    try:
        data = read_small_file(path, MAX_FILE_BYTES)  # a FIFO or a device is refused, unread
    except OSError as error:
        raise UsageError(f"{where}: cannot be read ({error.strerror or error})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{where}: not UTF-8 text") from None
    try:
        document = _json(text, where) if path.suffix.lower() == ".json" else _yaml(text, where)
    except RecursionError:  # valid, but nested deeper than a reader can follow
        raise UsageError(f"{where}: nested too deeply to read") from None
    criteria: list[LiveCriterion] = []
    found = False
    items = document.get("reporting") if isinstance(document, Mapping) else None
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, Mapping) or item.get("module") != "passfail":
            continue
        found = True
        criteria.extend(_criteria(item.get("criteria"), f"{where}: reporting[{index}]"))
    if not found:
        raise UsageError(f"{where}: no 'reporting' item with 'module: passfail'")
    if not criteria:
        raise UsageError(f"{where}: the passfail item lists no criteria")
    return tuple(criteria)


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(
            f"{where}: not JSON ({error.msg} at line {error.lineno}, column {error.colno})"
        ) from None


def _yaml(text: str, where: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "unreadable"
        raise UsageError(f"{where}: not YAML ({problem}{place})") from None


def _criteria(raw: object, where: str) -> list[LiveCriterion]:
    if raw is None:
        return []
    if isinstance(raw, list):
        return [_one(entry, None, f"{where}.criteria[{n}]") for n, entry in enumerate(raw)]
    if isinstance(raw, Mapping):
        return [
            _one(entry, str(message), f"{where}.criteria[{str(message)!r}]")
            for message, entry in raw.items()
        ]
    raise UsageError(f"{where}.criteria: a list or a mapping of criteria, not {_kind(raw)}")


def _one(entry: object, message: str | None, where: str) -> LiveCriterion:
    if isinstance(entry, Mapping) and len(entry) == 1:
        ((key, value),) = entry.items()
        if key not in (*_FULL_KEYS, "class") and isinstance(value, str):
            # `- Message: short form` unquoted in a YAML list reads as a one-key mapping
            entry, message = value, str(key)
    if isinstance(entry, str):
        criterion = parse_fail_on(entry, where)
    elif isinstance(entry, Mapping):
        criterion = parse_fail_on(_short_form(entry, where), where)
        given = entry.get("message")
        if message is None and given is not None:
            message = str(given)
    else:
        raise UsageError(f"{where}: a criterion is text or a mapping, not {_kind(entry)}")
    if message is not None and message.strip():
        criterion = replace(criterion, message=message.strip())
    return criterion


def _short_form(entry: Mapping[Any, Any], where: str) -> str:
    """A full-form mapping as the short form it means (Taurus's defaults: condition `>`,
    logic `for`, stop and fail true; no timeframe, or 0, judges the run's totals)."""
    unknown = [str(key) for key in entry if key not in (*_FULL_KEYS, "class")]
    if unknown:
        raise UsageError(
            f"{where}: unknown key {unknown[0]!r}: a criterion takes {', '.join(_FULL_KEYS)}"
        )
    if entry.get("class", _DATA_CRITERION) != _DATA_CRITERION:
        raise UsageError(f"{where}: class {entry['class']!r}: only Taurus's data criteria")
    for key in ("subject", "threshold"):
        if entry.get(key) in (None, ""):
            raise UsageError(f"{where}: '{key}' is missing")
    text = _scalar(entry["subject"], "subject", where)
    label = entry.get("label")
    if label not in (None, ""):
        quoted = _scalar(label, "label", where).replace("\\", "\\\\").replace('"', '\\"')
        text += f' of "{quoted}"'
    text += _scalar(entry.get("condition", ">"), "condition", where)
    text += _scalar(entry["threshold"], "threshold", where)
    timeframe = entry.get("timeframe")
    if timeframe not in (None, 0, "0", ""):
        frame = _scalar(timeframe, "timeframe", where)
        if isinstance(timeframe, (int, float)):
            frame += "s"
        text += f" {_scalar(entry.get('logic', 'for'), 'logic', where)} {frame}"
    stop, fail = _flag(entry, "stop", where), _flag(entry, "fail", where)
    if not (stop and fail):
        text += f", {'stop' if stop else 'continue'} as {'failed' if fail else 'non-failed'}"
    return text


def _scalar(value: object, key: str, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise UsageError(f"{where}: '{key}' is {_kind(value)}, not text or a number")
    return str(value)


def _flag(entry: Mapping[Any, Any], key: str, where: str) -> bool:
    value = entry.get(key, True)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise UsageError(f"{where}: '{key}' is true or false, not {value!r}")


def _kind(value: object) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    return "a list" if isinstance(value, list) else type(value).__name__
