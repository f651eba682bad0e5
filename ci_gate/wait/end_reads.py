"""The reads about a master that has ended, issued together on the pool.

Once a master ends the gate wants its full event timeline, BlazeMeter's verdict (and, on
a fail, the failed criteria), the KPIs, a public link, and the aggregate reports of this
run and of its baseline. Only three of them wait for another: the criteria and the KPIs
for the verdict, the list of the test's runs for the master's test id, the baseline's
aggregate for the list. So the reads form a small graph: each goes out as soon as what it
needs has come back, and the exit comes about three round trips after the end instead of
one per read. The loop submits what `take()` hands it and reports each result to
`finished()`; nothing here judges (see `judging.combine`).

Over 300 lines on purpose: each read stands beside what it brings and what it
unblocks, so the whole graph is read in one place.
"""

from __future__ import annotations

import concurrent.futures
import functools
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from ci_gate.config.settings import WaitSettings
from ci_gate.domain.findings import (
    AggregateReport,
    CriteriaMode,
    Criterion,
    MasterInfo,
    RunInfo,
    normalise_report_status,
)
from ci_gate.domain.live import KpiPoint, Label
from ci_gate.domain.run import MasterStatus, Traffic
from ci_gate.errors import ApiError, NotFoundError, OutOfTimeError
from ci_gate.formatting import format_duration
from ci_gate.judging.baseline import LAST_PASSED, pick_last_passed
from ci_gate.judging.facts import BaselineFacts, EndFacts, TrendFacts
from ci_gate.judging.trend import pick_trend

#: How long BlazeMeter's verdict may stay unset after a master ended, and the pause
#: between reads meanwhile (never longer than --interval).
REPORT_STATUS_WAIT = 30.0
REPORT_STATUS_PAUSE = 3.0

T = TypeVar("T")


class StatusApi(Protocol):
    """What the wait needs of a client (`blazemeter.api.BlazeMeterClient` in production)."""

    def master_info(self, master_id: str, deadline: float | None = None) -> MasterInfo: ...

    def criteria_with_notes(
        self, master_id: str, deadline: float | None = None
    ) -> tuple[tuple[Criterion, ...], tuple[str, ...]]: ...

    def kpis(self, master_id: str, deadline: float | None = None) -> dict[str, float] | None: ...

    def public_token(self, master_id: str, deadline: float | None = None) -> str: ...

    def report_url(self, master_id: str, public_token: str | None = None) -> str: ...

    def aggregate(self, master_id: str, deadline: float | None = None) -> AggregateReport: ...

    def runs_of_test(self, test_id: str, deadline: float | None = None) -> list[RunInfo]: ...

    def status(
        self, master_id: str, *, level: str, events: bool = True, deadline: float | None = None
    ) -> MasterStatus: ...

    def stop(self, master_id: str, progress: int | None, deadline: float | None = None) -> str: ...

    def traffic(self) -> Traffic: ...

    def labels(self, master_id: str, deadline: float | None = None) -> list[Label]: ...

    def live_kpis(
        self,
        master_id: str,
        from_ts: int,
        label_ids: Sequence[str],
        deadline: float | None = None,
    ) -> dict[str, tuple[KpiPoint, ...]]: ...


#: Seconds past the reads' deadline (the deadline and its grace) after which a request
#: still in flight is abandoned: each has a wall-clock cap (bounded_http) that ended it
#: before, so only a bug could keep one, and the gate must still end with its reports.
ABANDON_AFTER = 3.0


class SharedReads:
    """One read per key per wait, shared by every master that needs it (the list of a
    test's runs, a baseline's aggregate): the first asker makes it, the others wait for
    it, at most `wait_at_most` seconds."""

    def __init__(self) -> None:
        self._slots: dict[tuple[str, str], Future[Any]] = {}
        self._lock = threading.Lock()

    def once(self, key: tuple[str, str], call: Callable[[], T], wait_at_most: float) -> T:
        with self._lock:
            slot = self._slots.get(key)
            mine = slot is None
            if slot is None:
                slot = self._slots[key] = Future()
        if mine:
            try:
                slot.set_result(call())
            except BaseException as error:
                slot.set_exception(error)
        try:
            result: T = slot.result(timeout=max(wait_at_most, 0.0))
        except concurrent.futures.TimeoutError:
            raise OutOfTimeError(
                f"the {key[0]} of {key[1]}, read for another master, did not come back in time"
            ) from None
        return result

    def put(self, key: tuple[str, str], value: Any) -> None:
        """A read already made (the named baseline's record, before the first poll)."""
        slot: Future[Any] = Future()
        slot.set_result(value)
        with self._lock:
            self._slots.setdefault(key, slot)


class VerdictCutByDeadline(Exception):
    """The deadline came while BlazeMeter's verdict on an ended run was still unset."""


@dataclass(frozen=True)
class Read:
    """One request (or re-read loop) about an ended master, for a worker thread."""

    name: str
    call: Callable[[], Any]


@dataclass(frozen=True)
class Clock:
    """The wait's clock and sleep, and its deadlines: the wait's and the reads' (+grace)."""

    now: Callable[[], float]
    sleep: Callable[[float], None]
    deadline: float
    read_deadline: float


class EndReads:
    """The reads about one ended master: `take()` what is ready, `finished()` each."""

    def __init__(
        self,
        master_id: str,
        api: StatusApi,
        plan: WaitSettings,
        clock: Clock,
        shared: SharedReads,
        *,
        timeline_level: str | None,
    ) -> None:
        self.master_id = master_id
        self.api, self.plan, self.clock, self.shared = api, plan, clock, shared
        self.facts = EndFacts(report_url=api.report_url(master_id))
        self._ready: list[Read] = []
        self._in_flight = 0
        self._info: MasterInfo | None = None
        self._baseline_errors: dict[str, str] = {}
        if plan.baseline is not None:
            named = plan.baseline != LAST_PASSED
            self.facts.baseline = BaselineFacts(
                "named" if named else LAST_PASSED, plan.baseline if named else None
            )
        if plan.trend is not None:
            self.facts.trend = TrendFacts(plan.trend)
        if timeline_level is not None:
            self._add("timeline", lambda: self._timeline(timeline_level))
        if plan.criteria is not CriteriaMode.OFF:
            self._add("verdict", self._verdict)
        else:
            self._add("kpis", self._kpis)
            if plan.baseline is not None or plan.trend is not None or plan.fail_on:
                # the master's record: the baseline's and trend's test id, the planned load
                self._add("master", lambda: api.master_info(master_id, clock.read_deadline))
        if plan.public_report:
            self._add("public-token", self._public_link)
        if plan.baseline is not None:
            self._add("aggregate now", lambda: self._aggregate(master_id))
            if self.facts.baseline and self.facts.baseline.master_id is not None:
                self._add("aggregate base", lambda: self._aggregate(plan.baseline or ""))

    @property
    def done(self) -> bool:
        return not self._ready and not self._in_flight

    def take(self) -> list[Read]:
        """The reads whose inputs are known, handed over once each."""
        ready, self._ready = self._ready, []
        self._in_flight += len(ready)
        return ready

    def finished(self, read: Read, future: Future[Any]) -> None:
        """Record what one read brought (in the loop's thread); queue what it unblocks."""
        self._in_flight -= 1
        try:
            result = future.result()
        except VerdictCutByDeadline:
            self.facts.verdict_cut_by_deadline = True
            self._without_verdict("the deadline came before BlazeMeter's verdict")
        except ApiError as error:
            self._failed(read.name, error)
        else:
            getattr(self, "_got_" + read.name.replace(" ", "_").replace("-", "_"))(result)
        if self.done:
            self._settle_baseline()

    def _add(self, name: str, call: Callable[[], Any]) -> None:
        self._ready.append(Read(name, call))

    # -- the reads (in worker threads: they return, never touch the facts) ----------------

    def _timeline(self, level: str) -> MasterStatus:
        return self.api.status(
            self.master_id, level=level, events=True, deadline=self.clock.read_deadline
        )

    def _verdict(self) -> tuple[MasterInfo, list[str]]:
        """reportStatus, re-read every few seconds while it is not set (up to 30 s);
        `VerdictCutByDeadline` when the deadline comes first."""
        clock, notes = self.clock, []
        pause = min(REPORT_STATUS_PAUSE, self.plan.interval)
        give_up = clock.now() + REPORT_STATUS_WAIT
        while True:
            try:
                info = self.api.master_info(self.master_id, clock.read_deadline)
            except ApiError:
                if clock.now() >= clock.deadline:
                    raise VerdictCutByDeadline() from None
                raise
            if info.report_status is not None:
                break
            if clock.now() + pause >= give_up:
                notes.append(
                    f"BlazeMeter set no verdict within {format_duration(REPORT_STATUS_WAIT)}: "
                    "treated as unset"
                )
                break
            if clock.now() + pause >= clock.deadline:
                raise VerdictCutByDeadline()
            clock.sleep(pause)
        if info.note:
            notes.append(info.note)
        return info, notes

    def _criteria(self) -> tuple[tuple[Criterion, ...], tuple[str, ...]]:
        return self.api.criteria_with_notes(self.master_id, self.clock.read_deadline)

    def _kpis(self) -> dict[str, float] | None:
        return self.api.kpis(self.master_id, self.clock.read_deadline)

    def _public_link(self) -> str:
        token = self.api.public_token(self.master_id, self.clock.read_deadline)
        return self.api.report_url(self.master_id, token)

    def _shared_wait(self) -> float:
        """Seconds to wait for a read another master makes: until it must be back."""
        return self.clock.read_deadline + ABANDON_AFTER - self.clock.now()

    def _aggregate(self, master_id: str) -> AggregateReport:
        deadline = self.clock.read_deadline
        return self.shared.once(
            ("aggregate", master_id),
            lambda: self.api.aggregate(master_id, deadline),
            self._shared_wait(),
        )

    def _runs(self, test_id: str) -> list[RunInfo]:
        deadline = self.clock.read_deadline
        return self.shared.once(
            ("runs", test_id), lambda: self.api.runs_of_test(test_id, deadline), self._shared_wait()
        )

    def _trend_kpis(self, run_id: str) -> tuple[str, dict[str, float] | None, str | None]:
        """An earlier run's KPIs for the trend; a failure is kept with it, never raised."""
        deadline = self.clock.read_deadline
        try:
            kpis = self.shared.once(
                ("kpis", run_id), lambda: self.api.kpis(run_id, deadline), self._shared_wait()
            )
        except ApiError as error:
            return run_id, None, str(error)
        return run_id, kpis, None

    def _doubts(self, info: MasterInfo, baseline_id: str) -> list[str]:
        """What makes a named baseline a poor one: the run itself, not ended, another test."""
        if baseline_id == self.master_id:
            return [f"the baseline {baseline_id} is this run itself: it can show no regression"]
        deadline = self.clock.read_deadline
        try:
            base = self.shared.once(
                ("master", baseline_id),
                lambda: self.api.master_info(baseline_id, deadline),
                self._shared_wait(),
            )
        except NotFoundError:
            return []  # said by the baseline's aggregate read, which fails the same way
        except ApiError as error:
            return [f"could not check the baseline {baseline_id} (ended, same test): {error}"]
        doubts = []
        if base.ended is None:
            doubts.append(f"the baseline {baseline_id} has not ended: its numbers may change")
        if base.test_id is not None and info.test_id is not None and base.test_id != info.test_id:
            doubts.append(
                f"the baseline {baseline_id} is a run of test {base.test_id}, this run of test "
                f"{info.test_id}"
            )
        return doubts

    # -- what each read brought (in the loop's thread) ------------------------------------

    def _got_timeline(self, status: MasterStatus) -> None:
        self.facts.timeline = status

    def _got_verdict(self, result: tuple[MasterInfo, list[str]]) -> None:
        info, notes = result
        self.facts.info = info
        self.facts.notes.extend(notes)
        status = normalise_report_status(info.report_status)
        if status == "fail":
            self._add("criteria", self._criteria)
        if status != "noData":
            self._add("kpis", self._kpis)
        self._got_master(info)

    def _got_master(self, info: MasterInfo) -> None:
        """The master's own record: what the baseline's choice and checks, and the
        trend, need. The list of the test's runs is read once for both."""
        self._info = info
        self.facts.planned = info.planned
        baseline, trend, test_id = self.facts.baseline, self.facts.trend, info.test_id
        wants_runs = trend is not None
        if trend is not None:
            trend.created, trend.report_status = info.created, info.report_status
            if test_id is None:
                trend.notes.append("BlazeMeter gave no test id: no trend")
        if baseline is not None and baseline.how_chosen == LAST_PASSED:
            wants_runs = True
            if test_id is None:
                baseline.note = "BlazeMeter gave no test id: no baseline"
        if wants_runs and test_id is not None:
            self._add("runs", lambda: self._runs(test_id))
        if baseline is None or baseline.how_chosen == LAST_PASSED:
            return
        if baseline.master_id is not None:
            chosen = baseline.master_id
            self._add("doubts", lambda: self._doubts(info, chosen))

    def _got_criteria(self, result: tuple[tuple[Criterion, ...], tuple[str, ...]]) -> None:
        self.facts.criteria, value_notes = result
        self.facts.notes.extend(value_notes)

    def _got_kpis(self, kpis: dict[str, float] | None) -> None:
        self.facts.kpis = kpis

    def _got_public_token(self, url: str) -> None:
        self.facts.report_url = url

    def _got_runs(self, runs: list[RunInfo]) -> None:
        assert self._info is not None
        trend = self.facts.trend
        if trend is not None:
            trend.runs = pick_trend(self.master_id, runs, trend.asked, created=self._info.created)
            if len(trend.runs) < trend.asked:
                trend.notes.append(
                    f"the trend asked for {trend.asked} earlier ended runs of test "
                    f"{self._info.test_id}; BlazeMeter lists {len(trend.runs)}"
                )
            for run in trend.runs:
                self._add("trend kpis", functools.partial(self._trend_kpis, run.master_id))
        baseline = self.facts.baseline
        if baseline is None or baseline.how_chosen != LAST_PASSED:
            return
        chosen = pick_last_passed(self.master_id, runs, created=self._info.created)
        if chosen is None:
            baseline.note = f"no earlier passed run of test {self._info.test_id}: nothing compared"
            return
        baseline.master_id = chosen
        self._add("aggregate base", lambda: self._aggregate(chosen))

    def _got_trend_kpis(self, result: tuple[str, dict[str, float] | None, str | None]) -> None:
        run_id, kpis, error = result
        assert self.facts.trend is not None
        self.facts.trend.kpis[run_id] = kpis
        if error is not None:
            self.facts.trend.notes.append(
                f"trend: could not read the KPIs of run {run_id}: {error}; shown as a gap"
            )

    def _got_doubts(self, doubts: list[str]) -> None:
        self.facts.warnings.extend(doubts)

    def _got_aggregate_now(self, report: AggregateReport) -> None:
        assert self.facts.baseline is not None
        self.facts.baseline.now = report

    def _got_aggregate_base(self, report: AggregateReport) -> None:
        assert self.facts.baseline is not None
        self.facts.baseline.base = report

    def _failed(self, name: str, error: ApiError) -> None:
        """A read that failed after its retries: a fact of its own, never raised."""
        facts = self.facts
        if name == "timeline":
            facts.timeline_error = str(error)
        elif name == "verdict":
            facts.info_error = str(error)
            self._without_verdict(f"could not read the baseline: {error}; nothing compared")
        elif name == "criteria":
            facts.notes.append(
                f"BlazeMeter failed the run, but its failure criteria could not be read: {error}"
            )
        elif name == "kpis":
            facts.notes.append(f"could not read the KPIs: {error}")
        elif name == "public-token":
            facts.notes.append(
                f"could not create a public report link: {error}; the link needs a login"
            )
        elif name == "aggregate base" and isinstance(error, NotFoundError):
            baseline = facts.baseline
            assert baseline is not None
            if baseline.how_chosen == LAST_PASSED:
                self._baseline_errors["base"] = "the baseline run was not found"
            else:
                baseline.not_found = str(error)
        elif name in ("master", "runs", "aggregate base"):
            if name != "aggregate base" and facts.trend is not None:
                what = "which test this run belongs to" if name == "master" else "the test's runs"
                facts.trend.notes.append(f"could not read {what}: {error}; no trend")
            if facts.baseline is not None:
                self._baseline_errors["base"] = (
                    f"could not read the baseline: {error}; nothing compared"
                )
        elif name == "aggregate now":
            why = f"could not read this run's aggregate report: {error}"
            self._baseline_errors["now"] = why

    def _without_verdict(self, baseline_note: str) -> None:
        """The verdict read brought nothing: the KPIs are still read, and a baseline that
        had to be chosen from this run's record cannot be."""
        self._add("kpis", self._kpis)
        baseline = self.facts.baseline
        if baseline is not None and baseline.how_chosen == LAST_PASSED:
            self._baseline_errors["base"] = baseline_note
        if self.facts.trend is not None:
            self.facts.trend.notes.append("BlazeMeter's record of this run was not read: no trend")

    def _settle_baseline(self) -> None:
        """Once every read is back: a baseline that could not be read is one note."""
        baseline = self.facts.baseline
        if baseline is None or baseline.note is not None or baseline.not_found is not None:
            return
        why = self._baseline_errors.get("base") or self._baseline_errors.get("now")
        if why is not None:
            baseline.note = why
