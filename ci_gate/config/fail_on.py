"""`--fail-on`: Taurus's passfail short form read into a `LiveCriterion`, once.

`[MESSAGE: ]SUBJECT[ of LABEL]CONDITION THRESHOLD[ LOGIC TIMEFRAME][, ACTION[ as STATUS]]`,
read left to right by a small scanner rather than Taurus's one regex, so that every
mistake is a `UsageError` quoting the criterion and naming the column where reading
stopped. The full form of a Taurus file is written back into a short form and read by
the same scanner (`fail_on_file.py`), so both forms mean exactly the same.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ci_gate.config.fail_on_units import Problem, read_threshold, timeframe_seconds
from ci_gate.domain.live import ALL_LABEL
from ci_gate.domain.live_criteria import Condition, LiveCriterion, Logic, Subject
from ci_gate.errors import UsageError

#: Every subject name read, with its meaning (Taurus's aliases included).
SUBJECTS: dict[str, Subject] = {
    "avg-rt": Subject.AVG_RT,
    "avg-lt": Subject.AVG_LT,
    "p50": Subject.P50,
    "p90": Subject.P90,
    "p95": Subject.P95,
    "p99": Subject.P99,
    "hits": Subject.HITS,
    "fail": Subject.FAIL,
    "failures": Subject.FAIL,
    "succ": Subject.SUCC,
    "success": Subject.SUCC,
    "bytes": Subject.BYTES,
    "concurrency": Subject.CONCURRENCY,
}

_SUPPORTED = ", ".join(SUBJECTS)
#: what Taurus reads as a subject by its start alone (`concurr`, `failed`, `successful`)
_PREFIXES = (("concurr", Subject.CONCURRENCY), ("succ", Subject.SUCC), ("fail", Subject.FAIL))
_LEVEL = re.compile(r"p([0-9]+(?:\.[0-9]+)?)")

_SUBJECT = re.compile(r"[A-Za-z0-9?._-]*")
_OF = re.compile(r"\s+of\s+", re.IGNORECASE)
_CONDITION = re.compile(r">=|<=|==|>|<|=")
_TOKEN = re.compile(r"[^\s,]*")
_WORD = re.compile(r"[A-Za-z-]*")
_AS = re.compile(r"\s+as\s+", re.IGNORECASE)


@dataclass(frozen=True)
class _Read:
    subject_text: str
    subject: Subject
    label: str | None
    condition: Condition
    threshold: float
    percent: bool
    logic: Logic | None
    timeframe: int | None
    stop: bool
    fail: bool


def parse_fail_on(raw: str, source: str) -> LiveCriterion:
    """One short-form criterion; a mistake is a `UsageError` that quotes it and names the
    column. A MESSAGE is what comes before the first `:` outside quotes when the rest
    reads as a criterion (a label such as `http://host/` keeps its colon)."""
    text = raw.strip()
    lead = len(raw) - len(raw.lstrip())
    if not text:
        raise UsageError(f"{source} is empty: give a criterion such as 'avg-rt>1500ms for 60s'")
    whole: _Read | Problem
    try:
        whole = _read_rule(text)
    except Problem as problem:
        whole = problem
    colon = _colon_outside_quotes(text)
    if colon is not None:
        rest = text[colon + 1 :]
        skip = len(rest) - len(rest.lstrip())
        try:
            read = _read_rule(rest.strip())
        except Problem as problem:
            shifted = Problem(problem.at + colon + 1 + skip, problem.why)
            if isinstance(whole, Problem) and shifted.at >= whole.at:
                whole = shifted
        else:
            message = text[:colon].strip() or None
            return _criterion(rest.strip(), message, read)
    if isinstance(whole, Problem):
        column = lead + whole.at + 1
        raise UsageError(f"{source} {raw.strip()!r}, at column {column}: {whole.why}")
    return _criterion(text, None, whole)


def _criterion(text: str, message: str | None, read: _Read) -> LiveCriterion:
    return LiveCriterion(
        text=text,
        message=message,
        subject=read.subject,
        percent=read.percent,
        label=read.label,
        condition=read.condition,
        threshold=read.threshold,
        logic=read.logic,
        timeframe=read.timeframe,
        stop=read.stop,
        fail=read.fail,
    )


def _colon_outside_quotes(text: str) -> int | None:
    quoted = False
    escaped = False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return index
    return None


def _read_rule(text: str) -> _Read:
    """The criterion part (no message), or the `Problem` where it stops making sense."""
    at = 0
    word = _SUBJECT.match(text, at)
    assert word is not None  # matches the empty text too
    subject_text = word.group()
    subject = _subject(subject_text, at)
    at = word.end()
    label: str | None = None
    of = _OF.match(text, at)
    if of:
        label, at = _label(text, of.end())
    elif at < len(text) and text[at].isspace():
        _space_before_condition(text, at)
    condition = _CONDITION.match(text, at)
    if not condition:
        raise Problem(at, "expected ' of LABEL' or a condition (>, >=, <, <=, =) after the subject")
    if condition.end() < len(text) and text[condition.end()] in "<>=!":
        raise Problem(
            at, f"unknown condition {text[at : condition.end() + 1]!r}: use >, >=, <, <=, ="
        )
    at = condition.end()
    if at < len(text) and text[at].isspace():
        raise Problem(at, "no spaces around the condition (write avg-rt>1500ms)")
    token = _TOKEN.match(text, at)
    assert token is not None
    if not token.group():
        raise Problem(at, "a threshold is missing after the condition")
    threshold, percent = read_threshold(subject, subject_text, token.group(), at)
    at = token.end()
    logic: Logic | None = None
    timeframe: int | None = None
    gap = _skip_spaces(text, at)
    if gap < len(text) and text[gap] != ",":
        if gap == at:
            raise Problem(at, "expected a space, then for, within or over and a timeframe")
        logic, timeframe, at = _window(text, gap)
        gap = _skip_spaces(text, at)
    stop, fail = True, True
    if gap < len(text) and text[gap] != ",":
        raise Problem(gap, f"unexpected {text[gap:]!r} after the timeframe")
    if gap < len(text):
        stop, fail = _action(text, gap + 1)
    return _Read(
        subject_text,
        subject,
        None if label == ALL_LABEL else label,
        Condition("=" if condition.group() == "==" else condition.group()),
        threshold,
        percent,
        logic,
        timeframe,
        stop,
        fail,
    )


def _skip_spaces(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def _space_before_condition(text: str, at: int) -> None:
    after = _skip_spaces(text, at)
    if after < len(text) and text[after] in "<>=":
        raise Problem(at, "no spaces around the condition (write avg-rt>1500ms)")


def _subject(name: str, at: int) -> Subject:
    known = SUBJECTS.get(name.lower())
    if known is not None:
        return known
    if not name:
        raise Problem(at, f"expected a subject: one of {_SUPPORTED}")
    lowered = name.lower()
    # Taurus reads a subject by its start (passfail.py: concurr…, succ…, fail…) and a
    # percentile by its level (p90.0)
    for start, subject in _PREFIXES:
        if lowered.startswith(start):
            return subject
    level = _LEVEL.fullmatch(lowered)
    if level is not None and f"p{float(level.group(1)):g}" in SUBJECTS:
        return SUBJECTS[f"p{float(level.group(1)):g}"]
    if lowered in ("avg-ct", "stdev-rt") or lowered.startswith(("rc", "p")):
        raise Problem(
            at,
            f"subject {name!r} is not one BlazeMeter's live data can feed: use one of {_SUPPORTED}",
        )
    near = difflib.get_close_matches(lowered, SUBJECTS, n=1)
    hint = f" (did you mean {near[0]}?)" if near else ""
    raise Problem(at, f"unknown subject {name!r}{hint}: use one of {_SUPPORTED}")


def _label(text: str, at: int) -> tuple[str, int]:
    """A label after ` of `: double-quoted (with \\" and \\\\), or up to the condition."""
    if at < len(text) and text[at] == '"':
        chars: list[str] = []
        index = at + 1
        while index < len(text):
            char = text[index]
            if char == "\\" and index + 1 < len(text) and text[index + 1] in '"\\':
                chars.append(text[index + 1])
                index += 2
                continue
            if char == '"':
                if not chars:
                    raise Problem(at, "the label is empty")
                if index + 1 < len(text) and text[index + 1].isspace():
                    raise Problem(index + 1, "no spaces around the condition")
                return "".join(chars), index + 1
            chars.append(char)
            index += 1
        raise Problem(at, "the label's double quote is not closed")
    end = at
    while end < len(text) and text[end] not in "<>=,":
        end += 1
    label = text[at:end]
    if end == len(text) or text[end] == ",":
        raise Problem(
            end,
            "no condition after the label (a label holding >, <, = or , goes in double quotes)",
        )
    if not label.strip():
        raise Problem(at, "the label is missing after 'of'")
    if label != label.rstrip():
        raise Problem(
            len(label.rstrip()) + at,
            "no spaces around the condition (a label ending in a space goes in double quotes)",
        )
    return label, end


def _window(text: str, at: int) -> tuple[Logic, int, int]:
    word = _WORD.match(text, at)
    assert word is not None
    try:
        logic = Logic(word.group().lower())
    except ValueError:
        raise Problem(
            at, "expected for, within or over and a timeframe, or ', stop' / ', continue'"
        ) from None
    gap = _skip_spaces(text, word.end())
    token = _TOKEN.match(text, gap)
    assert token is not None
    if gap == word.end() or not token.group():
        raise Problem(gap, f"a timeframe is missing after {word.group()!r} (90s, 2m, 1h)")
    return logic, timeframe_seconds(token.group(), gap), token.end()


def _action(text: str, at: int) -> tuple[bool, bool]:
    """`stop` or `continue`, then optionally `as failed` / `as non-failed`."""
    at = _skip_spaces(text, at)
    word = _WORD.match(text, at)
    assert word is not None
    action = word.group().lower()
    if action not in ("stop", "continue"):
        what = f"{word.group()!r} is not an action" if word.group() else "no action"
        raise Problem(at, f"{what} after ',': use stop or continue")
    at = word.end()
    fail = True
    status = _AS.match(text, at)
    if status:
        word = _WORD.match(text, status.end())
        assert word is not None
        if word.group().lower() not in ("failed", "non-failed"):
            raise Problem(status.end(), "a status after 'as': use failed or non-failed")
        fail = word.group().lower() == "failed"
        at = word.end()
    at = _skip_spaces(text, at)
    if at < len(text):
        raise Problem(at, f"unexpected {text[at:]!r} after the action")
    return action == "stop", fail
