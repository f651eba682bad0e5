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

from ci_gate.errors import MalformedResponseError, UsageError

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
        change = now - baseline
        if self.relative:
            return baseline > 0 and change / baseline * 100 > self.amount
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


def parse_aggregate(master_id: str, result: object) -> dict[str, LabelRow]:
    """Label -> its row; rows that cannot be read are left out, a non-list is an error."""
    rows = result.get("data") if isinstance(result, Mapping) else result
    if not isinstance(rows, list):
        raise MalformedResponseError(f"master {master_id}: the aggregate report is not a list")
    table: dict[str, LabelRow] = {}
    for row in rows:
        if not isinstance(row, Mapping) or not isinstance(row.get("labelName"), str):
            continue
        samples = row.get("samples")
        values = {
            metric: float(row[field])
            for metric, (field, _) in METRICS.items()
            if isinstance(row.get(field), (int, float))
            and not isinstance(row.get(field), bool)
            and math.isfinite(row[field])
        }
        count = samples if isinstance(samples, int) and not isinstance(samples, bool) else 0
        table[row["labelName"]] = LabelRow(count, values)
    return table


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
            return f"{delta:+.2f} points"
        percent = f" ({delta / self.baseline * 100:+.0f}%)" if self.baseline else ""
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

    @property
    def regressions(self) -> tuple[Comparison, ...]:
        return tuple(row for row in self.rows if row.verdict == "regression")

    @property
    def worst(self) -> Comparison | None:
        """The regression furthest beyond its baseline (relative change)."""

        def size(row: Comparison) -> float:
            if row.baseline is None or row.now is None:
                return 0.0
            return (row.now - row.baseline) / row.baseline if row.baseline else math.inf

        return max(self.regressions, key=size, default=None)


def compare(
    now: Mapping[str, LabelRow], base: Mapping[str, LabelRow], limits: tuple[Limit, ...]
) -> tuple[Comparison, ...]:
    """Every label of either side, under every limit; only judged labels can fail."""
    rows: list[Comparison] = []
    for label in sorted(set(now) | set(base)):
        current, before = now.get(label), base.get(label)
        for limit in limits:
            value_now = current.values.get(limit.metric) if current else None
            value_before = before.values.get(limit.metric) if before else None
            samples_now = current.samples if current else 0
            samples_before = before.samples if before else 0
            if current is None:
                verdict = "label gone"
            elif before is None:
                verdict = "new label"
            elif min(samples_now, samples_before) < MIN_SAMPLES:
                verdict = "few samples"
            elif value_now is None or value_before is None:
                verdict = "no data"
            elif limit.exceeded(value_before, value_now):
                verdict = "regression"
            else:
                verdict = "fine"
            rows.append(
                Comparison(
                    label,
                    limit.metric,
                    samples_before,
                    samples_now,
                    value_before,
                    value_now,
                    limit,
                    verdict,
                )
            )
    return tuple(rows)


@dataclass(frozen=True)
class RunInfo:
    """One run of a test, as `GET /masters?testId=` lists it."""

    master_id: str
    passed: bool
    created: float | None


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
        created = row.get("created")
        runs.append(
            RunInfo(
                str(row["id"]),
                row.get("passed") is True,
                float(created) if isinstance(created, (int, float)) else None,
            )
        )
    return runs


def pick_last_passed(master_id: str, runs: list[RunInfo]) -> str | None:
    """The newest run created before this master whose `passed` is true (newer failed
    runs, and runs after this one, are skipped)."""
    mine = next((run.created for run in runs if run.master_id == master_id), None)
    candidates = [
        run
        for run in runs
        if run.master_id != master_id
        and run.passed
        and run.created is not None
        and (mine is None or run.created < mine)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda run: run.created or 0.0).master_id
