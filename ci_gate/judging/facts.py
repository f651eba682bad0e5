"""What the wait gathered about one master, as frozen snapshots `combine` judges.

The loop, the end reads and the live reads (`wait/`) gather privately (statuses,
events, answers, how the watch ended) and hand over a frozen value when a verdict is
needed: tuples, not lists, and nothing `judging` receives changes after. None of it is a
verdict: `judging.combine` is the one place that judges it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from ci_gate.domain.findings import AggregateReport, Criterion, MasterInfo, RunInfo
from ci_gate.domain.live import KpiPoint, Label
from ci_gate.domain.live_criteria import LabelTotals, LiveCriterion
from ci_gate.domain.outcome import Seen
from ci_gate.domain.run import MasterStatus
from ci_gate.judging.live import JudgeSnapshot


class Ending(str, Enum):
    """How the watch of one master ended (what happened, not what it means)."""

    ENDED = "ended"  # a terminal status, and the end reads came back
    OUT_OF_TIME = "out of time"  # the last look at the deadline found it still running
    API_ERROR = "api error"  # the API could not be used (after retries)
    FAILED_FAST = "failed fast"  # --fail-fast: an offending event while it ran
    NOT_JUDGED = "not judged"  # --fail-fast ended the wait on another master
    CANCELLED = "cancelled"  # a signal
    CRASHED = "crashed"  # a bug inside the wait


@dataclass(frozen=True)
class BaselineFacts:
    """What the reads for the baseline comparison brought."""

    how_chosen: str
    master_id: str | None = None
    #: no comparison, and why (no test id, no earlier passed run, a read that failed)
    note: str | None = None
    now: AggregateReport | None = None
    base: AggregateReport | None = None
    #: a baseline named by id that does not exist: the run cannot be judged as asked
    not_found: str | None = None


@dataclass(frozen=True)
class TrendFacts:
    """What the reads for `--trend N` brought: the runs chosen and each one's KPIs."""

    asked: int
    #: the earlier runs chosen, oldest first (empty until the list of runs is read)
    runs: tuple[RunInfo, ...] = ()
    #: master id -> its KPIs (None: no data or not read)
    kpis: Mapping[str, dict[str, float] | None] = field(default_factory=dict)
    #: this run's creation time and BlazeMeter's verdict on it, from its own record
    created: float | None = None
    report_status: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class EndFacts:
    """What the reads about an ended master brought; failures are kept, never raised.
    The end reads (`wait.end_reads`) replace it with each answer: a value handed over
    never changes."""

    #: the public report link (--public-report; None: not asked for, or not read)
    public_url: str | None = None
    timeline: MasterStatus | None = None
    timeline_error: str | None = None
    #: BlazeMeter's verdict (`GET /masters/{id}`), None under --criteria off
    info: MasterInfo | None = None
    info_error: str | None = None
    #: the deadline came while the verdict was still being read
    verdict_cut_by_deadline: bool = False
    criteria: tuple[Criterion, ...] = ()
    kpis: dict[str, float] | None = None
    #: the planned load in seconds (`executions[]`), from the master's record
    planned: float | None = None
    baseline: BaselineFacts | None = None
    trend: TrendFacts | None = None
    notes: tuple[str, ...] = ()
    #: said on the console as warnings, and kept as notes
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class LiveFacts:
    """What the live data of one master brought, as it stood when handed over: its
    `--fail-on` judges, the seconds read (for the report's charts), and what could not be
    read. The live reads (`wait.live_reads`) go on gathering; this never changes."""

    #: one per criterion, in the order given (none without --fail-on)
    judges: tuple[JudgeSnapshot, ...] = ()
    #: the run's labels as `/data/labels` listed them (None: never read)
    labels: tuple[Label, ...] | None = None
    #: label name -> its complete seconds, in order (ALL and the labels criteria name)
    points: Mapping[str, tuple[KpiPoint, ...]] = field(default_factory=dict)
    #: the criterion whose breach sent the stop, and the run second it triggered on
    stopped_by: LiveCriterion | None = None
    stopped_at: int | None = None
    #: the criterion whose stop was sent but never confirmed (then `stopped_by` is None)
    unconfirmed_by: LiveCriterion | None = None
    #: the live data could not be read to the end: why (windowed criteria are then
    #: judged on the totals)
    lost: str | None = None
    #: the run's totals per label (the aggregate report read after the end; None: not read)
    totals: Mapping[str, LabelTotals] | None = None
    notes: tuple[str, ...] = ()

    @property
    def first_second(self) -> int | None:
        """The run's first KPI second (ALL's): where the run's own time starts."""
        seconds = self.points.get("ALL")
        return seconds[0].ts if seconds else None


@dataclass(frozen=True)
class MasterFacts:
    """Everything the wait saw of one master, gathered while it ran and once it ended, as
    it stood when the loop took this snapshot (`combine` judges it; the loop goes on
    gathering into a new value, never into this one)."""

    master_id: str
    #: what the polls and the stops saw (the status, the events, the stop requests), the
    #: very value the master's outcome carries
    seen: Seen = field(default_factory=Seen)
    notes: tuple[str, ...] = ()
    #: BlazeMeter's page for the run, built from the API URL and the id (the end reads'
    #: public link replaces it under --public-report)
    report_url: str | None = None
    #: BlazeMeter's KPIs of the run so far, read when --fail-fast left it running
    kpis: dict[str, float] | None = None
    #: the last answers carried no event list: the end reads must bring it
    events_unread: bool = False
    #: clock of the last usable answer, since when every answer was trouble, and its words
    last_usable: float | None = None
    trouble_since: float | None = None
    last_error: str | None = None
    ending: Ending | None = None
    #: the words of an ending that is a failure of its own (an API error, a signal, a bug)
    error: str | None = None
    end: EndFacts | None = None
    #: the live data (`--fail-on`, and the KPI charts); None when not read
    live: LiveFacts | None = None
