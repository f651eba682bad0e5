"""A scripted BlazeMeter API and a fake clock, for the wait's unit tests (no network,
no real sleeping)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone

from ci_gate.clock import Clock
from ci_gate.domain.findings import AggregateReport, Criterion, LabelRow, MasterInfo, RunInfo
from ci_gate.domain.live import KpiPoint, Label
from ci_gate.domain.live_criteria import LabelTotals
from ci_gate.domain.run import GRACEFUL_STOP_PROGRESS, Event, MasterStatus, Traffic
from ci_gate.errors import ApiError

Answer = MasterStatus | BaseException

#: The API the fake stands for (its report links are the product's, built from it).
API_URL = "https://a.example.test/api/v4"


def status(name: str, progress: int | None, *events: Event, master: str = "1") -> MasterStatus:
    return MasterStatus(master, name, progress, tuple(reversed(events)))


class FakeApi:
    """Serves scripted answers per master; the last one repeats."""

    api_url = API_URL  # the wait builds the report links from it (`blazemeter.links`)

    def __init__(
        self,
        clock: FakeClock,
        script: dict[str, Sequence[Answer]],
        timeline: dict[str, MasterStatus] | None = None,
    ) -> None:
        self.clock = clock
        self.script = {key: list(value) for key, value in script.items()}
        self.timeline = timeline or {}
        self.polls: list[tuple[str, str]] = []
        self.stops: list[tuple[str, int | None]] = []
        #: reportStatus answers per master (the last repeats); default "pass"
        self.report_statuses: dict[str, list[str | None]] = {}
        self.failed_criteria: tuple[Criterion, ...] = ()
        self.criteria_error: ApiError | None = None
        #: GET /masters/{id} beyond reportStatus: (test id, created, ended) per master
        self.masters: dict[str, tuple[str | None, float | None, float | None]] = {}
        self.kpis_answer: dict[str, float] | None = {"hits": 10.0, "tp90": 480.0}
        self.reads: list[tuple[str, str]] = []
        self.aggregates: dict[str, dict[str, LabelRow]] = {}
        self.runs: dict[str, list[RunInfo]] = {}
        #: the live data: labels, and per label id its seconds (served from `from`)
        self.live_labels: list[Label] = [Label("ALL", "ALL")]
        self.live_points: dict[str, list[KpiPoint]] = {}
        #: what `/data/kpis` serves now: seconds up to this one (None: all of them)
        self.live_upto: int | None = None
        #: or: the run second served at each moment of the fake clock
        self.live_served: Callable[[], int] | None = None
        #: label name -> the totals the aggregate report gives (criteria on totals)
        self.totals: dict[str, LabelTotals] = {}
        #: the master's planned load (seconds), as `executions[]` would list it
        self.planned: float | None = None
        #: raised by the live reads instead of answering (a read failing after retries)
        self.live_error: ApiError | None = None
        #: (master, what, from) of each live read: labels and kpis
        self.live_reads: list[tuple[str, str, int]] = []

    def status(
        self, master_id: str, *, level: str, events: bool = True, deadline: float | None = None
    ) -> MasterStatus:
        self.polls.append((master_id, level))
        if level == "INFO" and master_id in self.timeline:
            return self.timeline[master_id]
        answers = self.script[master_id]
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def stop(self, master_id: str, progress: int | None, deadline: float | None = None) -> str:
        self.stops.append((master_id, progress))
        return "stop" if (progress or 0) >= GRACEFUL_STOP_PROGRESS else "terminate"

    def master_info(self, master_id: str, deadline: float | None = None) -> MasterInfo:
        self.reads.append((master_id, "master"))
        answers = self.report_statuses.get(master_id, ["pass"])
        test_id, created, ended = self.masters.get(master_id, (None, None, 1.0))
        return MasterInfo(
            answers.pop(0) if len(answers) > 1 else answers[0],
            test_id,
            created,
            ended,
            planned=self.planned,
        )

    def criteria_with_notes(
        self, master_id: str, deadline: float | None = None
    ) -> tuple[tuple[Criterion, ...], tuple[str, ...]]:
        self.reads.append((master_id, "criteria"))
        if self.criteria_error is not None:
            raise self.criteria_error
        return self.failed_criteria, ()

    def kpis(self, master_id: str, deadline: float | None = None) -> dict[str, float] | None:
        self.reads.append((master_id, "kpis"))
        return self.kpis_answer

    def public_token(self, master_id: str, deadline: float | None = None) -> str:
        self.reads.append((master_id, "public-token"))
        return "tok"

    def aggregate(self, master_id: str, deadline: float | None = None) -> AggregateReport:
        self.reads.append((master_id, "aggregate"))
        rows = self.aggregates.get(master_id, {})
        return AggregateReport({label: (row,) for label, row in rows.items()}, (), self.totals)

    def runs_of_test(self, test_id: str, deadline: float | None = None) -> list[RunInfo]:
        self.reads.append((test_id, "runs"))
        return self.runs.get(test_id, [])

    def labels(self, master_id: str, deadline: float | None = None) -> list[Label]:
        self.live_reads.append((master_id, "labels", 0))
        if self.live_error is not None:
            raise self.live_error
        return list(self.live_labels)

    def live_kpis(
        self,
        master_id: str,
        from_ts: int,
        label_ids: Sequence[str],
        deadline: float | None = None,
    ) -> dict[str, tuple[KpiPoint, ...]]:
        self.live_reads.append((master_id, "kpis", from_ts))
        if self.live_error is not None:
            raise self.live_error
        upto = self.live_served() if self.live_served is not None else self.live_upto
        return {
            label: tuple(
                p
                for p in self.live_points.get(label, [])
                if p.ts >= from_ts and (upto is None or p.ts <= upto)
            )
            for label in label_ids
        }

    def traffic(self) -> Traffic:
        return Traffic(requests=len(self.polls))


class FakeClock:
    #: the wall clock's moment when the monotonic one reads 1000.0
    EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def utc_now(self) -> datetime:
        """The wall clock, moving with the monotonic one."""
        return self.EPOCH + timedelta(seconds=self.now - 1000.0)

    def clock(self) -> Clock:
        """This fake as the `Clock` a context carries."""
        return Clock(monotonic=self, now=self.utc_now, sleep=self.sleep)
