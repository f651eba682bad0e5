"""BlazeMeter's JSON, in every shape it has been seen in, turned into domain values.

Everything the server sends is untrusted: missing or wrongly typed optional fields are
tolerated, an event the gate cannot read still counts (flagged, offending at every
threshold), numbers are read by `blazemeter.numbers`, and a body of the wrong shape is a
`MalformedResponseError` (retried), never a traceback. This module is over 300 lines on
purpose: it is the one place that knows the API's answer shapes, endpoint by endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec

from ci_gate.blazemeter.numbers import integer_or_none, number_or_none, read_number, whole_or_none
from ci_gate.domain.findings import (
    METRICS,
    AggregateReport,
    Criterion,
    LabelRow,
    MasterInfo,
    RunInfo,
)
from ci_gate.domain.kpis import KNOWN_KPIS
from ci_gate.domain.live import KpiPoint, Label
from ci_gate.domain.live_criteria import LabelTotals
from ci_gate.domain.report_status import ASCII_SPACE, read_report_status, shown_json
from ci_gate.domain.run import (
    PROGRESS_BY_STATUS,
    STATUS_BY_PROGRESS,
    Event,
    MasterStatus,
)
from ci_gate.errors import MalformedResponseError
from ci_gate.text import one_line


class _WireStatus(msgspec.Struct, gc=False):
    """The status answer's `result` in its usual shape: events decoded straight into
    `Event`s (in C); `status` and `progress` read as any JSON, then as below."""

    status: Any = None
    progress: Any = None
    events: list[Event] | None = None


class _WireEnvelope(msgspec.Struct, gc=False):
    result: _WireStatus
    #: only a null error takes the quick way: anything else is read the usual way
    error: None = None


_STATUS_DECODER = msgspec.json.Decoder(_WireEnvelope)


def decode_status(content: bytes) -> object | None:
    """The `result` of a status answer in its usual shape, decoded in one pass; None when
    the answer is anything else (an event with a level that is a number, a null message,
    an error envelope...): it is then read by `json.loads` and `parse_status` item by
    item, which read every event the same way, only slower."""
    try:
        return _STATUS_DECODER.decode(content).result
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        return None


def _str_or_none(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def parse_event(raw: object) -> Event:
    """Read one event; whatever cannot be read counts as an unrecognised (ERROR) event.

    Reads every event that `decode_status` reads exactly as it does (a property test
    holds the two together), and everything else as well as it can."""
    if type(raw) is not dict and not isinstance(raw, Mapping):  # the cheap test first
        return Event(
            level=repr(type(raw).__name__),
            message=f"unreadable event: {str(raw)[:500]}",
        )
    raw_level, message = raw.get("level"), raw.get("message")
    t, session_id, source, offset = (
        raw.get("t"),
        raw.get("session_id"),
        raw.get("source"),
        raw.get("from"),
    )
    return Event(
        t if type(t) is int else integer_or_none(t),
        raw_level
        if type(raw_level) is str
        else ("(none)" if raw_level is None else _level_text(raw_level)),
        message if type(message) is str else ("" if message is None else str(message)),
        session_id if type(session_id) is str else _str_or_none(session_id),
        source if type(source) is str else _str_or_none(source),
        offset if type(offset) is int else integer_or_none(offset),
    )


def _level_text(raw: object) -> str:
    """A level that is not text, as text that reads as the same level (`400` -> "400")."""
    try:
        return str(raw)
    except ValueError:  # an integer too long to write out (Python's digit limit)
        return "(number too long)"


def parse_status(master_id: str, result: object) -> MasterStatus:
    """Turn the envelope's `result` into a `MasterStatus`, or raise `MalformedResponseError`.

    `result` is decoded JSON, or what `decode_status` made of the usual shape."""
    if isinstance(result, _WireStatus):
        raw_status, raw_progress, raw_events = result.status, result.progress, result.events
    elif isinstance(result, Mapping):
        raw_status, raw_progress = result.get("status"), result.get("progress")
        raw_events = result.get("events")
    else:
        kind = "null" if result is None else type(result).__name__
        raise MalformedResponseError(f"master {master_id}: status answer has a {kind} result")
    status = raw_status.strip().upper() if isinstance(raw_status, str) else None
    progress = integer_or_none(raw_progress)
    if not status and progress is None:
        raise MalformedResponseError(
            f"master {master_id}: status answer has neither 'status' nor 'progress'"
        )
    if not status:
        status = STATUS_BY_PROGRESS.get(progress or 0, f"PROGRESS_{progress}")
    if progress is None:
        progress = PROGRESS_BY_STATUS.get(status)
    events_listed = raw_events is not None
    if raw_events is None:
        raw_events = []
    if not isinstance(raw_events, list):
        raise MalformedResponseError(
            f"master {master_id}: 'events' is a {type(raw_events).__name__}, not a list"
        )
    return MasterStatus(
        master_id=master_id,
        status=status,
        progress=progress,
        events=tuple(raw_events)
        if isinstance(result, _WireStatus)
        else tuple(map(parse_event, raw_events)),
        events_listed=events_listed,
    )


_PASSED_WORDS = {"true": True, "false": False, "1": True, "0": False}


def _read_passed(raw: object) -> tuple[bool | None, str | None]:
    """`passed` as BlazeMeter means it: a boolean, or `"false"`/`0` and the like (noted)."""
    if isinstance(raw, bool):
        return raw, None
    word: str | None = None
    if isinstance(raw, (int, float)) and raw in (0, 1):
        word = str(int(raw))
    elif isinstance(raw, str) and raw.strip(ASCII_SPACE).lower() in _PASSED_WORDS:
        word = raw.strip(ASCII_SPACE).lower()
    if word is None:
        return None, None
    passed = _PASSED_WORDS[word]
    return passed, f"BlazeMeter gave passed as {word!r}, read as {str(passed).lower()}"


def parse_master_info(master_id: str, result: object) -> MasterInfo:
    """`result` of `GET /masters/{id}`: reportStatus, else what `passed` says."""
    if not isinstance(result, Mapping):
        raise MalformedResponseError(f"master {master_id}: the master answer has no result")
    status = read_report_status(result.get("reportStatus"))
    note = if_never_set = None
    if status is None:
        # a failed run is failed at once; a pass only counts where reportStatus is absent
        # (null means BlazeMeter is still working on its verdict: it is read again)
        raw_passed = result.get("passed")
        passed, note = _read_passed(raw_passed)
        if passed is False or (passed is True and "reportStatus" not in result):
            status = "pass" if passed else "fail"
        elif passed is None and raw_passed is not None:
            # neither true nor false: never a pass. The only verdict given when reportStatus
            # is absent; while it is null, what stands if BlazeMeter never sets it
            shown = shown_json(raw_passed)
            note = (
                f"BlazeMeter gave no reportStatus, and passed as {one_line(shown, 80)}: "
                "neither true nor false"
            )
            if "reportStatus" in result:
                if_never_set, note = f"passed {shown}", None
            else:
                status = f"passed {shown}"
        else:
            note = None
    test_id = result.get("testId")
    return MasterInfo(
        status,
        str(test_id) if isinstance(test_id, (int, str)) and not isinstance(test_id, bool) else None,
        created=number_or_none(result.get("created")),
        ended=number_or_none(result.get("ended")),
        note=note,
        planned=planned_seconds(result.get("executions")),
        if_never_set=if_never_set,
    )


#: A duration as Taurus writes one: `30m`, `1h30m`, `2m30s`, `500ms`, `90` (seconds).
#: (each part but the last ends in its unit: no two ways to split the digits, no backtracking)
_DURATION = re.compile(r"(?:[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h|d))*(?:[0-9]+(?:\.[0-9]+)?)?")
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)?")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "": 1.0}


def _duration(raw: object) -> float | None:
    """A Taurus duration (a number of seconds, or text such as `1h30m`) in seconds."""
    if isinstance(raw, str):
        text = raw.strip().lower()
        if not text or len(text) > 40 or not _DURATION.fullmatch(text):
            return None
        return sum(
            float(number) * _UNIT_SECONDS[unit] for number, unit in _DURATION_PART.findall(text)
        )
    value = number_or_none(raw)
    return value if value is not None and value >= 0 else None


def planned_seconds(executions: object) -> float | None:
    """The planned length of a run from its master's `executions`: the longest one's
    `rampUp` + `holdFor` (an execution without a readable `holdFor` tells nothing)."""
    if not isinstance(executions, list):
        return None
    lengths = []
    for execution in executions:
        if not isinstance(execution, Mapping):
            continue
        hold = _duration(execution.get("holdFor"))
        ramp = _duration(execution.get("rampUp")) if execution.get("rampUp") is not None else 0.0
        if hold is not None and ramp is not None and hold + ramp > 0:
            lengths.append(hold + ramp)
    return max(lengths) if lengths else None


def _criterion(item: Mapping[str, object], notes: list[str]) -> Criterion:
    """A criterion row (`threshold`, `value`) or an assertion (`failValue`, `actual`)."""
    success = item.get("success")
    label = item.get("labelName") or item.get("label") or item.get("labelId") or "ALL"
    field = str(item.get("field", "?"))

    def value(*keys: str) -> object:
        raw = next((item[key] for key in keys if key in item), None)
        if isinstance(raw, str) and not raw.strip():
            return None
        number = read_number(raw)
        if number.problem is not None and not isinstance(raw, str):
            notes.append(f"criterion {field}: {keys[0]} was {number.problem}; shown as none")
            return None
        if number.value is not None and not isinstance(raw, str):
            return number.value
        return raw  # text: shown as it came

    return Criterion(
        field=field,
        op=str(item.get("op", "?")),
        threshold=value("threshold", "failValue"),
        value=value("value", "actual"),
        success=success if isinstance(success, bool) else None,
        label=str(label),
    )


def parse_criteria_with_notes(
    master_id: str, result: object
) -> tuple[tuple[Criterion, ...], tuple[str, ...]]:
    """`result` of `GET /masters/{id}/reports/thresholds`, in each of its three shapes:
    `data[]` of criteria, `data` an object `{success, assertions[]}`, or `data[]` of such
    objects (and a bare list of any of them). Returns the criteria and notes on values
    that could not be used."""
    data = result.get("data") if isinstance(result, Mapping) else result
    if data is None:
        return (), ()
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list):
        raise MalformedResponseError(f"master {master_id}: the criteria answer has no list")
    criteria: list[Criterion] = []
    notes: list[str] = []
    for item in data:
        if not isinstance(item, Mapping):
            continue
        assertions = item.get("assertions")
        if isinstance(assertions, list):
            criteria += [_criterion(a, notes) for a in assertions if isinstance(a, Mapping)]
        elif "assertions" in item:
            raise MalformedResponseError(
                f"master {master_id}: the criteria answer's assertions are not a list"
            )
        else:
            criteria.append(_criterion(item, notes))
    return tuple(criteria), tuple(dict.fromkeys(notes))


#: The longest KPI name kept (it becomes a JSON key, a table cell and a metric's HELP).
_KPI_NAME_LENGTH = 100
#: The text fields of a summary row: a label's name or id is no KPI, even when it looks
#: like a number (`"name": "12"`); any other field's numeric string is (`"tp90": "1234.5"`).
_TEXT_FIELDS = frozenset({"lb", "label", "labelid", "labelname", "name", "id"})


def parse_kpis(master_id: str, result: object) -> dict[str, float] | None:
    """`result.summary[0]` (label ALL) of the default summary report; None when no data.

    Every finite number (numeric strings too) is kept under any name that is one plain
    line (nothing the sanitiser would change; metrics.txt makes its own metric names):
    whatever else the server puts there is left out.
    """
    if not isinstance(result, Mapping):
        raise MalformedResponseError(f"master {master_id}: the summary answer has no result")
    rows = result.get("summary")
    if not isinstance(rows, list) or not rows:
        return None
    row = next(
        (
            r
            for r in rows
            if isinstance(r, Mapping) and r.get("lb", r.get("label")) in (None, "ALL")
        ),
        rows[0],
    )
    if not isinstance(row, Mapping):
        return None
    kpis: dict[str, float] = {}
    for name, raw in row.items():
        if not isinstance(name, str) or not 0 < len(name) <= _KPI_NAME_LENGTH:
            continue
        if isinstance(raw, str) and name.lower() in _TEXT_FIELDS:
            continue  # a label's name or id, even when it looks like a number
        value = number_or_none(raw)  # an integer too large for a float is left out
        if value is not None and one_line(name) == name:  # nothing the sanitiser changes
            kpis[name] = value
    ordered = {name: kpis.pop(name) for name in KNOWN_KPIS if name in kpis}
    ordered.update(sorted(kpis.items()))
    return ordered or None


def parse_aggregate(master_id: str, result: object) -> AggregateReport:
    """Every row by label (duplicates kept: each is compared); rows that cannot be read are
    left out, a non-list is an error. Numbers may come as numeric strings or floats."""
    rows = result.get("data") if isinstance(result, Mapping) else result
    if not isinstance(rows, list):
        raise MalformedResponseError(f"master {master_id}: the aggregate report is not a list")
    table: dict[str, list[LabelRow]] = {}
    totals: dict[str, LabelTotals] = {}
    notes: list[str] = []
    for row in rows:
        if not isinstance(row, Mapping) or not isinstance(row.get("labelName"), str):
            continue
        label: str = row["labelName"]
        values: dict[str, float] = {}
        for metric, (field, _) in METRICS.items():
            number = read_number(row.get(field))
            if number.value is not None:
                values[metric] = number.value
            elif number.problem is not None:
                notes.append(f"master {master_id}, label {label!r}: {field} was {number.problem}")
        samples = whole_or_none(row.get("samples"))
        if samples is None and row.get("samples") is not None:
            notes.append(f"master {master_id}, label {label!r}: samples could not be read")
        table.setdefault(label, []).append(LabelRow(samples or 0, values))
        totals.setdefault(label, label_totals(row))
    return AggregateReport(
        {label: tuple(found) for label, found in table.items()},
        tuple(dict.fromkeys(notes)),
        totals,
    )


def label_totals(row: Mapping[str, object]) -> LabelTotals:
    """One row of the aggregate report as the totals a live criterion is judged on."""

    def read(*keys: str) -> float | None:
        for key in keys:
            value = number_or_none(row.get(key))
            if value is not None:
                return value
        return None

    samples, errors, rate = read("samples"), read("errorsCount"), read("errorsRate")
    if errors is None and samples is not None and rate is not None:
        errors = round(samples * rate / 100)  # the count the share was taken of
    return LabelTotals(
        samples=samples,
        errors=errors,
        errors_rate=rate,
        avg_rt=read("avgResponseTime"),
        avg_lt=read("avgLatency"),
        avg_bytes=read("avgBytes"),
        p50=read("50line", "medianResponseTime"),
        p90=read("90line"),
        p95=read("95line"),
        p99=read("99line"),
    )


def _row_passed(row: Mapping[str, object]) -> bool:
    """BlazeMeter's reportStatus where it is given, else the `passed` flag."""
    status = read_report_status(row.get("reportStatus"))
    if status is not None:  # a value that is not a known word is not a pass
        return status == "pass"
    return row.get("passed") is True


def parse_runs(test_id: str, result: object) -> list[RunInfo]:
    rows = (
        result
        if isinstance(result, list)
        else (result.get("masters") if isinstance(result, Mapping) else None)
    )
    if not isinstance(rows, list):
        raise MalformedResponseError(f"test {test_id}: the list of its runs is not a list")
    runs = []
    for row in rows:
        if not isinstance(row, Mapping) or isinstance(row.get("id"), bool):
            continue
        if not isinstance(row.get("id"), (int, str)):
            continue
        runs.append(
            RunInfo(
                str(row["id"]),
                _row_passed(row),
                number_or_none(row.get("created")),
                number_or_none(row.get("ended")),
                read_report_status(row.get("reportStatus")),
            )
        )
    return runs


def _label_key(raw: object) -> str | None:
    """A label id as BlazeMeter gives one (a hash, "ALL", or a number): text, or None."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    return None


def parse_labels(master_id: str, result: object) -> list[Label]:
    """`result` of `GET /data/labels?master_id=ID`: every `{id, name}` row; a row without
    both is left out (a label the gate cannot name is one no criterion can ask for)."""
    if not isinstance(result, list):
        raise MalformedResponseError(f"master {master_id}: the labels answer is not a list")
    labels = []
    for row in result:
        if not isinstance(row, Mapping):
            continue
        label_id, name = _label_key(row.get("id")), row.get("name")
        if label_id is not None and isinstance(name, str) and name:
            labels.append(Label(label_id, name))
    return labels


def _count(raw: object) -> int | None:
    """A count of a second (`n`, `ec`, `na`): a whole number >= 0, else no value."""
    value = whole_or_none(raw)
    return value if value is not None and value >= 0 else None


def _average(raw: object) -> float | None:
    """An average of a second (`t_avg`, `lt_avg`, `by_avg`): a finite number >= 0."""
    value = number_or_none(raw)
    return value if value is not None and value >= 0 else None


def _kpi_point(master_id: str, label: str, raw: object) -> KpiPoint:
    """One second of a label; a point whose second cannot be read is malformed (fail
    closed: a point the gate cannot place in time could be the one that breaches)."""
    if not isinstance(raw, Mapping):
        raise MalformedResponseError(
            f"master {master_id}: a KPI point of label {label!r} is not an object"
        )
    ts = whole_or_none(raw.get("ts"))
    if ts is None or ts < 0:
        raise MalformedResponseError(
            f"master {master_id}: a KPI point of label {label!r} has no second (ts)"
        )
    return KpiPoint(
        ts=ts,
        hits=_count(raw.get("n")),
        errors=_count(raw.get("ec")),
        users=_count(raw.get("na")),
        avg_rt=_average(raw.get("t_avg")),
        avg_lt=_average(raw.get("lt_avg")),
        avg_bytes=_average(raw.get("by_avg")),
    )


def parse_live_kpis(master_id: str, result: object) -> dict[str, tuple[KpiPoint, ...]]:
    """`result` of `GET /data/kpis`: per label id, its points in order of their second.

    BlazeMeter repeats points: a second given twice in one answer counts once, with the
    values that come last. A label row without `kpis` (or with null) is a label without
    data (an empty tuple); a row with no label id or name is left out; anything else the
    gate cannot read is a `MalformedResponseError`, never a partial answer.
    """
    if not isinstance(result, list):
        raise MalformedResponseError(f"master {master_id}: the KPI answer is not a list")
    series: dict[str, tuple[KpiPoint, ...]] = {}
    for row in result:
        if not isinstance(row, Mapping):
            continue
        label = _label_key(row.get("labelId")) or _label_key(row.get("labelName"))
        if label is None:
            continue
        raw_points = row.get("kpis")
        if raw_points is None:
            series.setdefault(label, ())
            continue
        if not isinstance(raw_points, list):
            raise MalformedResponseError(
                f"master {master_id}: the KPIs of label {label!r} are not a list"
            )
        by_second = {point.ts: point for point in series.get(label, ())}
        for raw in raw_points:
            point = _kpi_point(master_id, label, raw)
            by_second[point.ts] = point
        series[label] = tuple(by_second[ts] for ts in sorted(by_second))
    return series
