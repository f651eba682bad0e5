"""What BlazeMeter says about an ended run, as values: its verdict (reportStatus and
criteria), the regression limits and the label-by-label comparison with a baseline.

No I/O and no judging here: `blazemeter.answers` builds these from the API's answers and
`judging` turns them into verdicts.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import Enum

from ci_gate.domain.kpis import BY_CRITERION, BY_NAME, TABLE
from ci_gate.domain.live_criteria import LabelTotals
from ci_gate.domain.verdict import Verdict
from ci_gate.safe_numbers import OUT_OF_RANGE, in_range, show_amount, show_number

_OPERATORS = {
    "gt": ">",
    "lt": "<",
    "ge": ">=",
    "gte": ">=",
    "le": "<=",
    "lte": "<=",
    "eq": "=",
    "ne": "!=",
}


class CriteriaMode(str, Enum):
    """`--criteria`: off (events only), on (BlazeMeter's verdict counts), required."""

    OFF = "off"
    ON = "on"
    REQUIRED = "required"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class MasterInfo:
    """What `GET /masters/{id}` says about a run (text fields untrusted)."""

    report_status: str | None
    test_id: str | None = None
    #: epoch seconds, when BlazeMeter gave them (None: not given or unusable)
    created: float | None = None
    ended: float | None = None
    #: how the verdict was read when it needed reading (a `passed` given as text, ...)
    note: str | None = None
    #: the run's planned length in seconds, the longest of its `executions` (`rampUp` +
    #: `holdFor`); None when the master lists none the gate can read
    planned: float | None = None
    #: the verdict that stands if reportStatus stays null past the re-reads: a `passed`
    #: that is neither true nor false (`passed {}`) is never read as `unset`
    if_never_set: str | None = None


@dataclass(frozen=True)
class Criterion:
    """One failure criterion as BlazeMeter evaluated it."""

    field: str
    op: str
    threshold: object
    value: object
    success: bool | None
    label: str

    def describe(self) -> str:
        """`p90 1,830 ms > 1,500 ms` (on label ALL): the field, the value, the limit."""
        metric = BY_CRITERION.get(self.field)
        name = self.field if metric is None else metric.label
        line = f"{name} {self.shown_value()} {self.shown_limit()}"
        return line if self.label in ("", "ALL") else f"{line} (label {self.label})"

    def shown_value(self) -> str:
        """The value as the headline says it: `1,830 ms`."""
        return f"{_number(self.value)}{self._unit()}"

    def shown_limit(self) -> str:
        """The limit as the headline says it: `> 1,500 ms`."""
        return f"{_OPERATORS.get(self.op, self.op)} {_number(self.threshold)}{self._unit()}"

    def _unit(self) -> str:
        """` ms` after a number of a known field (the metrics table's unit), else nothing."""
        metric = BY_CRITERION.get(self.field)
        return f" {metric.unit}" if metric is not None and metric.unit else ""


@dataclass(frozen=True)
class CriteriaOutcome:
    """BlazeMeter's verdict on one master, as `--criteria` makes of it."""

    mode: CriteriaMode
    report_status: str | None
    verdict: Verdict
    failed: tuple[Criterion, ...] = ()
    note: str | None = None

    @property
    def reason(self) -> str:
        """One line for the run's reason: which criteria failed, or why it is broken."""
        if self.verdict is Verdict.BROKEN:
            if self.note:
                return self.note
            return f"BlazeMeter reports no usable result (reportStatus {self.report_status})"
        if self.failed:
            shown = "; ".join(criterion.describe() for criterion in self.failed[:3])
            more = len(self.failed) - 3
            return f"failure criteria failed: {shown}" + (f"; and {more} more" if more > 0 else "")
        return self.note or f"BlazeMeter's verdict: {self.report_status}"


def _number(value: object) -> str:
    """As the KPI table spells it (`1,830`), else as given: `1.5`, `1e+20`, text."""
    number = in_range(value)
    if number is not None and number.is_integer() and abs(number) < 1e15:
        return show_amount(value)
    return show_number(value, "g" if isinstance(value, float) else "")


#: `--regression`'s METRIC -> (field of the aggregate report, unit): the metrics the
#: aggregate report gives per label (the metrics table's).
METRICS: dict[str, tuple[str, str]] = {m.name: (m.aggregate, m.unit) for m in TABLE if m.aggregate}


def compared_unit(metric: str) -> str:
    """A compared metric's unit (`ms` for a name the table does not know, as before)."""
    known = BY_NAME.get(metric)
    return known.unit if known is not None and known.aggregate else "ms"


@dataclass(frozen=True)
class Limit:
    """How much worse a metric may get: relative (percent) or absolute (metric's unit)."""

    metric: str
    amount: float
    relative: bool

    def __str__(self) -> str:
        unit = "%" if self.relative else _change_unit(self.metric)
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
    #: label -> the totals live criteria without a timeframe are judged on (the first
    #: row of a label listed twice)
    totals: dict[str, LabelTotals] = dataclasses.field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)


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
        before, now = in_range(self.baseline), in_range(self.now)
        if before is None or now is None:
            return OUT_OF_RANGE
        delta, unit = now - before, _change_unit(self.metric)
        if compared_unit(self.metric) == "%":
            return f"{delta:+.2f}{unit}" + (" (from 0)" if not before and delta else "")
        if before:
            percent = f" ({delta / abs(before) * 100:+.0f}%)"
        else:
            percent = " (from 0)" if delta else ""
        return f"{delta:+,.0f}{unit}{percent}"

    @property
    def shown_baseline(self) -> str:
        return _shown(self.metric, self.baseline)

    @property
    def shown_now(self) -> str:
        return _shown(self.metric, self.now)

    def describe(self) -> str:
        """`label 'checkout': p90 1,350 ms -> 1,823 ms, +473 ms (+35%), limit p90=+20%` (no
        brackets in brackets)."""
        limit = f", limit {self.limit}" if self.limit else ""
        return (
            f"label {self.label!r}: {self.metric} {self.shown_baseline} -> {self.shown_now}, "
            f"{self.change}{limit}"
        )


def _change_unit(metric: str) -> str:
    """A change's unit: ` ms`, or ` points` for a rate in % (a change of a percentage)."""
    unit = compared_unit(metric)
    return " points" if unit == "%" else f" {unit}"


def _shown(metric: str, value: float | None) -> str:
    """With its unit, as the KPI table spells it (`1,350 ms`, `0.5 %`); `-`: none."""
    if value is None:
        return "-"
    unit = compared_unit(metric)
    return f"{show_number(value, 'g')} %" if unit == "%" else show_amount(value, unit)


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
        return max(self.regressions, key=relative_change, default=None)


def relative_change(row: Comparison) -> float:
    """How far beyond its baseline a row is (relative; a rise from 0 is infinite)."""
    before, now = in_range(row.baseline), in_range(row.now)
    if before is None or now is None:
        return -math.inf
    if before:
        return (now - before) / abs(before)
    return math.inf if now > 0 else 0.0


@dataclass(frozen=True)
class RunInfo:
    """One run of a test, as `GET /masters?testId=` lists it."""

    master_id: str
    passed: bool
    created: float | None
    #: None: the run has not ended (or BlazeMeter did not say)
    ended: float | None = None
    #: BlazeMeter's verdict as listed (normalised: pass, fail, noData, ...), None: unset
    report_status: str | None = None
