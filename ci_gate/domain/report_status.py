"""BlazeMeter's reportStatus (its verdict on a run) read as the gate judges it: the known
words in any case and spacing, anything else kept so that it can be named and never pass.
"""

from __future__ import annotations

import json

#: reportStatus values that mean the run produced no usable result: verdict `broken`.
BROKEN_REPORT_STATUSES = frozenset({"error", "abort", "noData"})

#: reportStatus as the gate names it, by its lower-cased, trimmed spelling.
_REPORT_STATUSES = {
    name.lower(): name for name in ("pass", "fail", "unset", *BROKEN_REPORT_STATUSES)
}


#: What is trimmed from BlazeMeter's words: ASCII white space only. It writes plain
#: lowercase words; a no-break space or a line separator around one is not its spelling.
ASCII_SPACE = " \t\n\r\f\v"


def normalise_report_status(raw: object) -> str | None:
    """`" FAIL "` -> `fail`, `"NODATA"` -> `noData`; an unknown word is kept as it came
    (trimmed of ASCII white space, so the verdict can name it: `"\u00a0pass"` is not
    `pass`); empty or not text is None."""
    if not isinstance(raw, str) or not raw.strip(ASCII_SPACE):
        return None
    text = raw.strip(ASCII_SPACE)
    return _REPORT_STATUSES.get(text.lower(), text)


def read_report_status(raw: object) -> str | None:
    """reportStatus as the gate judges it: None only when BlazeMeter sent null or nothing
    (its verdict may still come). Any other value that is not a known word stays itself:
    unknown text as given, and a value that is not text (`{"status": "fail"}`, `0`,
    `true`, `""`) as its JSON spelling, which no known word matches: never a pass."""
    if raw is None:
        return None
    return normalise_report_status(raw) or shown_json(raw)


def shown_json(raw: object) -> str:
    """A value BlazeMeter sent where text was expected, spelt as JSON so it can be named."""
    try:
        return json.dumps(raw, ensure_ascii=False, default=str, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        return f"a JSON {type(raw).__name__}"
