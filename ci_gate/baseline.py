"""The regression gate: each label of an ended master against the same label of a baseline.

Both sides come from `GET /masters/{id}/reports/aggregatereport/data` (one row per label:
`labelName`, `samples`, `avgResponseTime`, `90line`, `95line`, `99line`, `errorsRate`).
A `--regression` limit is `METRIC=+N%` (relative) or `METRIC=+N` (absolute, in the metric's
unit; percentage points for `errors`). Noise guards: a label with fewer than 100 samples on
either side, or on one side only, is listed and never fails.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ci_gate.criteria import normalise_report_status
from ci_gate.errors import MalformedResponseError, UsageError
from ci_gate.numbers import number_or_none, read_number, whole_or_none

#: METRIC -> (field of the aggregate report, unit)
METRICS: dict[str, tuple[str, str]] = {
    "avg": ("avgResponseTime", "ms"),
    "p90": ("90line", "ms"),
    "p95": ("95line", "ms"),
    "p99": ("99line", "ms"),
    "errors": ("errorsRate", "%"),
}
MIN_SAMPLES = 100
DEFAULT_LIMIT = "p90=+20%"
LAST_PASSED = "last-passed"
_LIMIT = re.compile(r"\s*([a-z0-9]+)\s*=\s*\+?\s*([0-9]+(?:\.[0-9]+)?)\s*(%?)\s*")


@dataclass(frozen=True)
class Limit:
    """How much worse a metric may get: relative (percent) or absolute (metric's unit)."""

    metric: str
    amount: float
    relative: bool

    def __str__(self) -> str:
        unit = "%" if self.relative else (" points" if self.metric == "errors" else " ms")
        return f"{self.metric}=+{self.amount:g}{unit}"

    def exceeded(self, baseline: float, now: float) -> bool:
        """Beyond the limit. A relative limit against a baseline of 0: any rise is an
        infinite change and exceeds it (an absolute limit gives slack there)."""
        change = now - baseline
        if self.relative:
            if baseline <= 0:
                return change > 0
            return change / baseline * 100 > self.amount
        return change > self.amount


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
    if value == LAST_PASSED or (value.isascii() and value.isdigit()):
        return value
    raise UsageError(f"{source} {raw!r}: use a master id or {LAST_PASSED}")


@dataclass(frozen=True)
class LabelRow:
    """One row of BlazeMeter's aggregate report."""

    samples: int
    values: dict[str, float]


@dataclass(frozen=True)
class AggregateReport:
    """Label -> its rows (BlazeMeter may list a label twice), and notes on unusable values."""

    rows: dict[str, tuple[LabelRow, ...]]
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.rows)


def parse_aggregate(master_id: str, result: object) -> AggregateReport:
    """Every row by label (duplicates kept: each is compared); rows that cannot be read are
    left out, a non-list is an error. Numbers may come as numeric strings or floats."""
    rows = result.get("data") if isinstance(result, Mapping) else result
    if not isinstance(rows, list):
        raise MalformedResponseError(f"master {master_id}: the aggregate report is not a list")
    table: dict[str, list[LabelRow]] = {}
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
    return AggregateReport(
        {label: tuple(found) for label, found in table.items()}, tuple(dict.fromkeys(notes))
    )


@dataclass(frozen=True)
class Comparison:
    """One label and metric: baseline, now, change, and what it means."""

    label: str
    metric: str
    samples_baseline: int
    samples_now: int
    baseline: float | None
    now: float | None
    limit: Limit | None
    verdict: str  # regression, fine, few samples, new label, label gone

    @property
    def change(self) -> str:
        if self.baseline is None or self.now is None:
            return "-"
        delta = self.now - self.baseline
        if self.metric == "errors":
            return f"{delta:+.2f} points" + (" (from 0)" if not self.baseline and delta else "")
        if self.baseline:
            percent = f" ({delta / abs(self.baseline) * 100:+.0f}%)"
        else:
            percent = " (from 0)" if delta else ""
        return f"{delta:+.0f} ms{percent}"

    @property
    def shown_baseline(self) -> str:
        return _shown(self.metric, self.baseline)

    @property
    def shown_now(self) -> str:
        return _shown(self.metric, self.now)

    def describe(self) -> str:
        """`label 'checkout': p90 1350 ms -> 1823 ms (+473 ms (+35%), limit p90=+20%)`."""
        limit = f", limit {self.limit}" if self.limit else ""
        return (
            f"label {self.label!r}: {self.metric} {self.shown_baseline} -> {self.shown_now} "
            f"({self.change}{limit})"
        )


def _shown(metric: str, value: float | None) -> str:
    """A metric's value with its unit (`1350 ms`, `0.5 %`), or `-` when a side has none."""
    if value is None:
        return "-"
    return f"{value:g}{' %' if metric == 'errors' else ' ms'}"


@dataclass(frozen=True)
class BaselineOutcome:
    """What the comparison with the baseline found for one master."""

    master_id: str | None
    how_chosen: str
    rows: tuple[Comparison, ...] = ()
    note: str | None = None
    #: values that could not be used or were missing (listed, never failing)
    data_notes: tuple[str, ...] = ()

    @property
    def regressions(self) -> tuple[Comparison, ...]:
        return tuple(row for row in self.rows if row.verdict == "regression")

    @property
    def worst(self) -> Comparison | None:
        """The regression furthest beyond its baseline (relative change)."""
        return max(self.regressions, key=_size, default=None)


_RANK = {"regression": 5, "no data": 4, "fine": 3, "few samples": 2}


def _judge_rows(
    label: str, limit: Limit, current: tuple[LabelRow, ...], before: tuple[LabelRow, ...]
) -> Comparison:
    """One label under one limit: every row of this run against every row of the
    baseline (a label listed twice has two rows); the worst pair decides."""
    worst: Comparison | None = None
    for now_row in current:
        for base_row in before:
            value_now = now_row.values.get(limit.metric)
            value_before = base_row.values.get(limit.metric)
            if min(now_row.samples, base_row.samples) < MIN_SAMPLES:
                verdict = "few samples"
            elif value_now is None or value_before is None:
                verdict = "no data"
            elif limit.exceeded(value_before, value_now):
                verdict = "regression"
            else:
                verdict = "fine"
            row = Comparison(
                label,
                limit.metric,
                base_row.samples,
                now_row.samples,
                value_before,
                value_now,
                limit,
                verdict,
            )
            if worst is None or _worse(row, worst):
                worst = row
    assert worst is not None
    return worst


def _worse(row: Comparison, than: Comparison) -> bool:
    if _RANK[row.verdict] != _RANK[than.verdict]:
        return _RANK[row.verdict] > _RANK[than.verdict]
    return _size(row) > _size(than)


def _size(row: Comparison) -> float:
    """How far beyond its baseline a row is (relative; a rise from 0 is infinite)."""
    if row.baseline is None or row.now is None:
        return -math.inf
    if row.baseline:
        return (row.now - row.baseline) / abs(row.baseline)
    return math.inf if row.now > 0 else 0.0


def compare(
    now: AggregateReport, base: AggregateReport, limits: tuple[Limit, ...]
) -> tuple[Comparison, ...]:
    """Every label of either side, under every limit; only judged labels can fail."""
    rows: list[Comparison] = []
    for label in sorted(set(now.rows) | set(base.rows)):
        current, before = now.rows.get(label, ()), base.rows.get(label, ())
        for limit in limits:
            if current and before:
                rows.append(_judge_rows(label, limit, current, before))
                continue
            rows.append(
                Comparison(
                    label,
                    limit.metric,
                    max(r.samples for r in before) if before else 0,
                    max(r.samples for r in current) if current else 0,
                    before[0].values.get(limit.metric) if before else None,
                    current[0].values.get(limit.metric) if current else None,
                    limit,
                    "label gone" if not current else "new label",
                )
            )
    return tuple(rows)


def data_notes(rows: tuple[Comparison, ...], *reports: AggregateReport) -> tuple[str, ...]:
    """What was not compared for want of data, and what could not be read."""
    missing = [
        f"label {row.label!r}: no {row.metric} value on "
        + (
            "either side"
            if row.baseline is None and row.now is None
            else "the baseline"
            if row.baseline is None
            else "this run"
        )
        + ": not compared"
        for row in rows
        if row.verdict == "no data"
    ]
    read = [note for report in reports for note in report.notes]
    return tuple(dict.fromkeys([*read, *missing]))


@dataclass(frozen=True)
class RunInfo:
    """One run of a test, as `GET /masters?testId=` lists it."""

    master_id: str
    passed: bool
    created: float | None
    #: None: the run has not ended (or BlazeMeter did not say)
    ended: float | None = None


def _row_passed(row: Mapping[str, object]) -> bool:
    """BlazeMeter's reportStatus where it is given, else the `passed` flag."""
    status = normalise_report_status(row.get("reportStatus"))
    if status is not None:
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
            )
        )
    return runs


def pick_last_passed(
    master_id: str, runs: list[RunInfo], *, created: float | None = None
) -> str | None:
    """The newest ended run created before this master whose verdict was a pass: never
    this run, a run created after it, or one that has not ended. `created` is this run's
    creation time from `GET /masters/{id}` (the list may not hold this run)."""
    mine = created
    if mine is None:
        mine = next((run.created for run in runs if run.master_id == master_id), None)
    if mine is None:
        return None  # without this run's time, "earlier" cannot be told: no baseline
    candidates = [
        run
        for run in runs
        if run.master_id != master_id
        and run.passed
        and run.ended is not None
        and run.created is not None
        and run.created < mine
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda run: run.created or 0.0).master_id
