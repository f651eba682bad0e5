"""The reads about a master that has ended, issued together on the pool.

Once a master ends the gate wants its full event timeline, BlazeMeter's verdict (and, on
a fail, the failed criteria), the KPIs, a public link, and the aggregate reports of this
run and of its baseline. Only three of them wait for another: the criteria and the KPIs
for the verdict, the list of the test's runs for the master's test id, the baseline's
aggregate for the list. So the reads form a small graph: each `EndRead` goes out as soon
as what it needs has come back (it is built from that answer), and the exit comes about
three round trips after the end instead of one per read. The loop submits what `take()`
hands it and reports each result to `finished()`; nothing here judges (see
`judging.combine`).

Over 300 lines on purpose: each read stands beside what it brings and what it
unblocks, so the whole graph is read in one place.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from ci_gate.blazemeter.links import report_url
from ci_gate.blazemeter.status_api import WaitClient
from ci_gate.config.settings import WaitSettings
from ci_gate.domain.findings import (
    AggregateReport,
    CriteriaMode,
    Criterion,
    MasterInfo,
    RunInfo,
)
from ci_gate.domain.report_status import normalise_report_status
from ci_gate.domain.run import MasterStatus
from ci_gate.errors import ApiError, NotFoundError
from ci_gate.formatting import format_duration
from ci_gate.judging.baseline import LAST_PASSED, pick_last_passed
from ci_gate.judging.facts import BaselineFacts, EndFacts, TrendFacts
from ci_gate.judging.trend import pick_trend
from ci_gate.text import one_line
from ci_gate.wait.reads import ABANDON_AFTER, Read, SharedReads

#: How long BlazeMeter's verdict may stay unset after a master ended, and the pause
#: between reads meanwhile (never longer than --interval).
REPORT_STATUS_WAIT = 30.0
REPORT_STATUS_PAUSE = 3.0

T = TypeVar("T")

#: BlazeMeter's record of the ended master and the notes its reading left
_Verdict = tuple[MasterInfo, list[str]]
_Criteria = tuple[tuple[Criterion, ...], tuple[str, ...]]


class EndRead(Read[T, None]):
    """One read about an ended master: what its answer adds to the facts and which reads
    it unblocks (`on_result`), or what its failure leaves (`on_error`: a fact of its own,
    never raised). A read that needs another's answer is built from that answer, in the
    other's `on_result`, so it cannot go out before."""


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
        api: WaitClient,
        plan: WaitSettings,
        clock: Clock,
        shared: SharedReads,
        *,
        timeline_level: str | None,
    ) -> None:
        self.master_id = master_id
        self.api, self.plan, self.clock, self.shared = api, plan, clock, shared
        baseline = None
        if plan.baseline is not None:
            named = plan.baseline != LAST_PASSED
            baseline = BaselineFacts(
                "named" if named else LAST_PASSED, plan.baseline if named else None
            )
        #: what the reads brought so far: a frozen value, replaced with each answer
        self.facts = EndFacts(
            baseline=baseline,
            trend=None if plan.trend is None else TrendFacts(plan.trend),
        )
        self._ready: list[EndRead[Any]] = []
        self._in_flight = 0
        self._baseline_errors: dict[str, str] = {}
        if timeline_level is not None:
            self._add(
                EndRead(
                    "timeline",
                    functools.partial(self._timeline, timeline_level),
                    self._got_timeline,
                    self._timeline_failed,
                )
            )
        if plan.criteria is not CriteriaMode.OFF:
            self._add(EndRead("verdict", self._verdict, self._got_verdict, self._verdict_failed))
        else:
            self._add(self._kpis_read())
            if plan.baseline is not None or plan.trend is not None or plan.fail_on:
                # the master's record: the baseline's and trend's test id, the planned load
                self._add(
                    EndRead(
                        "master",
                        functools.partial(api.master_info, master_id, clock.read_deadline),
                        self._got_master,
                        functools.partial(self._test_read_failed, "which test this run belongs to"),
                    )
                )
        if plan.public_report:
            self._add(EndRead("public-token", self._public_link, self._got_link, self._link_failed))
        if plan.baseline is not None:
            self._add(
                EndRead(
                    "aggregate now",
                    functools.partial(self._aggregate, master_id),
                    self._got_aggregate_now,
                    self._aggregate_now_failed,
                )
            )
            if self.facts.baseline and self.facts.baseline.master_id is not None:
                self._add(self._aggregate_base_read(self.facts.baseline.master_id))

    @property
    def done(self) -> bool:
        return not self._ready and not self._in_flight

    def take(self) -> list[EndRead[Any]]:
        """The reads whose inputs are known, handed over once each."""
        ready, self._ready = self._ready, []
        self._in_flight += len(ready)
        return ready

    def finished(self, read: Read[Any, Any], future: Future[Any]) -> None:
        """Record what one read brought (in the loop's thread); queue what it unblocks."""
        if not isinstance(read, EndRead):
            raise TypeError(f"not an end read: {read.name}")  # the loop mixed its jobs up
        self._in_flight -= 1
        read.settle(future)
        if self.done:
            self._settle_baseline()

    def _add(self, read: EndRead[Any]) -> None:
        self._ready.append(read)

    # -- the reads built later, from what they need --------------------------------------

    def _kpis_read(self) -> EndRead[dict[str, float] | None]:
        return EndRead("kpis", self._kpis, self._got_kpis, self._kpis_failed)

    def _aggregate_base_read(self, baseline_id: str) -> EndRead[AggregateReport]:
        return EndRead(
            "aggregate base",
            functools.partial(self._aggregate, baseline_id),
            self._got_aggregate_base,
            self._aggregate_base_failed,
        )

    # -- the calls (in worker threads: they return, never touch the facts) ---------------

    def _timeline(self, level: str) -> MasterStatus:
        return self.api.status(
            self.master_id, level=level, events=True, deadline=self.clock.read_deadline
        )

    def _verdict(self) -> _Verdict | None:
        """reportStatus, re-read every few seconds while it is not set (up to 30 s);
        None when the deadline comes first."""
        clock, notes = self.clock, []
        pause = min(REPORT_STATUS_PAUSE, self.plan.interval)
        give_up = clock.now() + REPORT_STATUS_WAIT
        while True:
            try:
                info = self.api.master_info(self.master_id, clock.read_deadline)
            except ApiError:
                if clock.now() >= clock.deadline:
                    return None
                raise
            if info.report_status is not None:
                break
            if clock.now() + pause >= give_up:
                waited = f"BlazeMeter set no verdict within {format_duration(REPORT_STATUS_WAIT)}"
                if info.if_never_set is not None:  # an unreadable `passed`: never a pass
                    shown = one_line(info.if_never_set.removeprefix("passed "), 80)
                    notes.append(f"{waited}, and passed is {shown}: neither true nor false")
                    info = replace(info, report_status=info.if_never_set)
                else:
                    notes.append(f"{waited}: treated as unset")
                break
            if clock.now() + pause >= clock.deadline:
                return None
            clock.sleep(pause)
        if info.note:
            notes.append(info.note)
        return info, notes

    def _criteria(self) -> _Criteria:
        return self.api.criteria_with_notes(self.master_id, self.clock.read_deadline)

    def _kpis(self) -> dict[str, float] | None:
        return self.api.kpis(self.master_id, self.clock.read_deadline)

    def _public_link(self) -> str:
        token = self.api.public_token(self.master_id, self.clock.read_deadline)
        return report_url(self.api.api_url, self.master_id, token)

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

    def _run_kpis(self, run_id: str) -> dict[str, float] | None:
        """An earlier run's KPIs, for the trend."""
        deadline = self.clock.read_deadline
        return self.shared.once(
            ("kpis", run_id), lambda: self.api.kpis(run_id, deadline), self._shared_wait()
        )

    def _record(self, master_id: str) -> MasterInfo:
        """Another master's record (a named baseline's: ended? the same test?)."""
        deadline = self.clock.read_deadline
        return self.shared.once(
            ("master", master_id),
            lambda: self.api.master_info(master_id, deadline),
            self._shared_wait(),
        )

    # -- what each read brought (in the loop's thread): a new `facts` each time -----------

    def _note(self, *notes: str) -> None:
        self.facts = replace(self.facts, notes=(*self.facts.notes, *notes))

    def _warn(self, warning: str) -> None:
        self.facts = replace(self.facts, warnings=(*self.facts.warnings, warning))

    def _trend_note(self, note: str) -> None:
        trend = self.facts.trend
        if trend is not None:
            self.facts = replace(self.facts, trend=replace(trend, notes=(*trend.notes, note)))

    def _baseline_is(self, baseline: BaselineFacts) -> None:
        self.facts = replace(self.facts, baseline=baseline)

    def _got_timeline(self, status: MasterStatus) -> None:
        self.facts = replace(self.facts, timeline=status)

    def _timeline_failed(self, error: ApiError) -> None:
        self.facts = replace(self.facts, timeline_error=str(error))

    def _got_verdict(self, result: _Verdict | None) -> None:
        if result is None:
            self.facts = replace(self.facts, verdict_cut_by_deadline=True)
            self._without_verdict("the deadline came before BlazeMeter's verdict")
            return
        info, notes = result
        self.facts = replace(self.facts, info=info)
        self._note(*notes)
        status = normalise_report_status(info.report_status)
        if status == "fail":
            self._add(
                EndRead("criteria", self._criteria, self._got_criteria, self._criteria_failed)
            )
        if status != "noData":
            self._add(self._kpis_read())
        self._got_master(info)

    def _verdict_failed(self, error: ApiError) -> None:
        self.facts = replace(self.facts, info_error=str(error))
        self._without_verdict(f"could not read the baseline: {error}; nothing compared")

    def _got_master(self, info: MasterInfo) -> None:
        """The master's own record: what the baseline's choice and checks, and the
        trend, need. The list of the test's runs is read once for both."""
        self.facts = replace(self.facts, planned=info.planned)
        baseline, trend, test_id = self.facts.baseline, self.facts.trend, info.test_id
        wants_runs = trend is not None
        if trend is not None:
            trend = replace(trend, created=info.created, report_status=info.report_status)
            self.facts = replace(self.facts, trend=trend)
            if test_id is None:
                self._trend_note("BlazeMeter gave no test id: no trend")
        if baseline is not None and baseline.how_chosen == LAST_PASSED:
            wants_runs = True
            if test_id is None:
                self._baseline_is(replace(baseline, note="BlazeMeter gave no test id: no baseline"))
        if wants_runs and test_id is not None:
            self._add(
                EndRead(
                    "runs",
                    functools.partial(self._runs, test_id),
                    functools.partial(self._got_runs, info),
                    functools.partial(self._test_read_failed, "the test's runs"),
                )
            )
        if baseline is None or baseline.how_chosen == LAST_PASSED:
            return
        chosen = baseline.master_id
        if chosen == self.master_id:
            self._warn(f"the baseline {chosen} is this run itself: it can show no regression")
        elif chosen is not None:
            self._add(
                EndRead(
                    "doubts",
                    functools.partial(self._record, chosen),
                    functools.partial(self._got_baseline_record, info, chosen),
                    functools.partial(self._baseline_record_failed, chosen),
                )
            )

    def _test_read_failed(self, what: str, error: ApiError) -> None:
        """The master's record (under --criteria off) or the test's runs not read: no
        trend, and no baseline."""
        self._trend_note(f"could not read {what}: {error}; no trend")
        self._baseline_unread(error)

    def _got_criteria(self, result: _Criteria) -> None:
        criteria, value_notes = result
        self.facts = replace(self.facts, criteria=criteria)
        self._note(*value_notes)

    def _criteria_failed(self, error: ApiError) -> None:
        self._note(
            f"BlazeMeter failed the run, but its failure criteria could not be read: {error}"
        )

    def _got_kpis(self, kpis: dict[str, float] | None) -> None:
        self.facts = replace(self.facts, kpis=kpis)

    def _kpis_failed(self, error: ApiError) -> None:
        self._note(f"could not read the KPIs: {error}")

    def _got_link(self, url: str) -> None:
        self.facts = replace(self.facts, public_url=url)

    def _link_failed(self, error: ApiError) -> None:
        self._note(f"could not create a public report link: {error}; the link needs a login")

    def _got_runs(self, info: MasterInfo, runs: list[RunInfo]) -> None:
        trend = self.facts.trend
        if trend is not None:
            chosen_runs = pick_trend(self.master_id, runs, trend.asked, created=info.created)
            self.facts = replace(self.facts, trend=replace(trend, runs=tuple(chosen_runs)))
            if len(chosen_runs) < trend.asked:
                self._trend_note(
                    f"the trend asked for {trend.asked} earlier ended runs of test "
                    f"{info.test_id}; BlazeMeter lists {len(chosen_runs)}"
                )
            for run in chosen_runs:
                self._add(
                    EndRead(
                        "trend kpis",
                        functools.partial(self._run_kpis, run.master_id),
                        functools.partial(self._got_trend_kpis, run.master_id),
                        functools.partial(self._trend_kpis_failed, run.master_id),
                    )
                )
        baseline = self.facts.baseline
        if baseline is None or baseline.how_chosen != LAST_PASSED:
            return
        chosen = pick_last_passed(self.master_id, runs, created=info.created)
        if chosen is None:
            note = f"no earlier passed run of test {info.test_id}: nothing compared"
            self._baseline_is(replace(baseline, note=note))
            return
        self._baseline_is(replace(baseline, master_id=chosen))
        self._add(self._aggregate_base_read(chosen))

    def _got_trend_kpis(self, run_id: str, kpis: dict[str, float] | None) -> None:
        trend = self.facts.trend
        assert trend is not None
        self.facts = replace(self.facts, trend=replace(trend, kpis={**trend.kpis, run_id: kpis}))

    def _trend_kpis_failed(self, run_id: str, error: ApiError) -> None:
        """An earlier run's KPIs not read: a gap in the trend and a note, never an error."""
        self._got_trend_kpis(run_id, None)
        self._trend_note(f"trend: could not read the KPIs of run {run_id}: {error}; shown as a gap")

    def _got_baseline_record(self, info: MasterInfo, baseline_id: str, base: MasterInfo) -> None:
        """What makes a named baseline a poor one: not ended, another test."""
        if base.ended is None:
            self._warn(f"the baseline {baseline_id} has not ended: its numbers may change")
        if base.test_id is not None and info.test_id is not None and base.test_id != info.test_id:
            self._warn(
                f"the baseline {baseline_id} is a run of test {base.test_id}, this run of test "
                f"{info.test_id}"
            )

    def _baseline_record_failed(self, baseline_id: str, error: ApiError) -> None:
        if isinstance(error, NotFoundError):
            return  # said by the baseline's aggregate read, which fails the same way
        self._warn(f"could not check the baseline {baseline_id} (ended, same test): {error}")

    def _got_aggregate_now(self, report: AggregateReport) -> None:
        assert self.facts.baseline is not None
        self._baseline_is(replace(self.facts.baseline, now=report))

    def _aggregate_now_failed(self, error: ApiError) -> None:
        self._baseline_errors["now"] = f"could not read this run's aggregate report: {error}"

    def _got_aggregate_base(self, report: AggregateReport) -> None:
        assert self.facts.baseline is not None
        self._baseline_is(replace(self.facts.baseline, base=report))

    def _aggregate_base_failed(self, error: ApiError) -> None:
        baseline = self.facts.baseline
        assert baseline is not None
        if not isinstance(error, NotFoundError):
            self._baseline_unread(error)
        elif baseline.how_chosen == LAST_PASSED:
            self._baseline_errors["base"] = "the baseline run was not found"
        else:
            self._baseline_is(replace(baseline, not_found=str(error)))

    def _baseline_unread(self, error: ApiError) -> None:
        if self.facts.baseline is not None:
            self._baseline_errors["base"] = (
                f"could not read the baseline: {error}; nothing compared"
            )

    def _without_verdict(self, baseline_note: str) -> None:
        """The verdict read brought nothing: the KPIs are still read, and a baseline that
        had to be chosen from this run's record cannot be."""
        self._add(self._kpis_read())
        baseline = self.facts.baseline
        if baseline is not None and baseline.how_chosen == LAST_PASSED:
            self._baseline_errors["base"] = baseline_note
        self._trend_note("BlazeMeter's record of this run was not read: no trend")

    def _settle_baseline(self) -> None:
        """Once every read is back: a baseline that could not be read is one note."""
        baseline = self.facts.baseline
        if baseline is None or baseline.note is not None or baseline.not_found is not None:
            return
        why = self._baseline_errors.get("base") or self._baseline_errors.get("now")
        if why is not None:
            self._baseline_is(replace(baseline, note=why))
