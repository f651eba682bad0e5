"""The live criteria of `--fail-on` (Taurus's passfail syntax) and what judging one gives.

A `LiveCriterion` is parsed once (`config.fail_on`) and is then only read: by the judges
(`judging.live`), the wait loop that acts on a breach, and the reports. Numbers are kept in
the subject's base unit (`ms`, `B`, `%` or `count`) so no reader converts again.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Subject(str, Enum):
    """What a criterion measures (the names Taurus uses; aliases are read by the parser)."""

    AVG_RT = "avg-rt"
    AVG_LT = "avg-lt"
    P50 = "p50"
    P90 = "p90"
    P95 = "p95"
    P99 = "p99"
    HITS = "hits"
    FAIL = "fail"
    SUCC = "succ"
    BYTES = "bytes"
    CONCURRENCY = "concurrency"

    @property
    def percentile(self) -> bool:
        """Fed by BlazeMeter's cumulative percentiles, not by the seconds' KPIs."""
        return self in (Subject.P50, Subject.P90, Subject.P95, Subject.P99)

    @property
    def time(self) -> bool:
        return self in (Subject.AVG_RT, Subject.AVG_LT) or self.percentile

    @property
    def counted(self) -> bool:
        """Counted per second, summed over a window (hits, failures, successes)."""
        return self in (Subject.HITS, Subject.FAIL, Subject.SUCC)


class Logic(str, Enum):
    """How a timeframe is judged (see the contract's "Your own criteria")."""

    #: every second of the timeframe breaches; a good or missing second resets it
    FOR = "for"
    #: the aggregate of the timeframe so far breaches (judged on a partial timeframe too)
    WITHIN = "within"
    #: the aggregate of a full timeframe breaches
    OVER = "over"


_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
}


class Condition(str, Enum):
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="
    EQ = "="  # `==` is read as `=`

    def holds(self, value: float, threshold: float) -> bool:
        """The criterion's condition: True means the value breaches."""
        return _COMPARE[self.value](value, threshold)


@dataclass(frozen=True)
class LiveCriterion:
    """One `--fail-on` criterion, parsed; `threshold` and `timeframe` in base units."""

    #: the criterion as written, without its message (the name reports show)
    text: str
    #: the MESSAGE part (or the key of a file's mapping), None when not given
    message: str | None
    subject: Subject
    #: a percentage (`fail>5%`): only for fail and succ
    percent: bool
    #: BlazeMeter's label name; None is the run as a whole (ALL)
    label: str | None
    condition: Condition
    #: in `unit` (ms for times, B for bytes, % or count)
    threshold: float
    #: None: no timeframe, judged once on the run's totals after the end
    logic: Logic | None
    #: whole seconds (None with logic None)
    timeframe: int | None
    #: stop the master as soon as it triggers (Taurus's `stop`), else record and go on
    stop: bool
    #: a breach fails the master (`failed`); False is `non-failed`: a warning only
    fail: bool

    @property
    def unit(self) -> str:
        """The base unit of `threshold` and of judged values: ms, B, % or count."""
        if self.percent:
            return "%"
        if self.subject.time:
            return "ms"
        return "B" if self.subject is Subject.BYTES else "count"

    @property
    def name(self) -> str:
        """How reports and lines name it: its message, else the criterion as written."""
        return self.message or self.text

    def rule(self) -> tuple[object, ...]:
        """What it judges and does, without how it was written (two equal rules are the
        same criterion given twice)."""
        return (
            self.subject,
            self.percent,
            self.label,
            self.condition,
            self.threshold,
            self.logic,
            self.timeframe,
            self.stop,
            self.fail,
        )


class JudgeState(str, Enum):
    OK = "ok"
    BREACHED = "breached"
    #: nothing to judge it on (its label never appeared, no data): never a pass
    NOT_JUDGED = "not judged"


@dataclass(frozen=True)
class LiveJudgement:
    """Where a criterion stands: its state, the value judged (the criterion's unit), the
    breach window's first and last second (Unix time), and when it was judged."""

    state: JudgeState
    value: float | None = None
    #: first and last second of the breach (or, for a judgement on totals, of the data)
    window: tuple[int, int] | None = None
    #: the second whose arrival made it trigger (None: not breached, or judged at the end)
    triggered_at: int | None = None
    #: "live" (from the run's seconds) or "at the end" (from the run's totals)
    judged: str = "live"
    note: str = ""


@dataclass(frozen=True)
class LabelTotals:
    """One label's totals from BlazeMeter's aggregate report (None: not given): what
    criteria without a timeframe are judged on after the end."""

    samples: float | None = None  # samples
    errors: float | None = None  # errorsCount
    errors_rate: float | None = None  # errorsRate, %
    avg_rt: float | None = None  # avgResponseTime, ms
    avg_lt: float | None = None  # avgLatency, ms
    avg_bytes: float | None = None  # avgBytes
    p50: float | None = None  # 50line, else medianResponseTime
    p90: float | None = None  # 90line
    p95: float | None = None  # 95line
    p99: float | None = None  # 99line
