"""A scripted BlazeMeter API and a fake clock, for the wait's unit tests (no network,
no real sleeping)."""

from __future__ import annotations

from collections.abc import Sequence

from ci_gate.blazemeter.links import report_url
from ci_gate.domain.findings import AggregateReport, Criterion, LabelRow, MasterInfo, RunInfo
from ci_gate.domain.run import GRACEFUL_STOP_PROGRESS, Event, MasterStatus, Traffic
from ci_gate.errors import ApiError

Answer = MasterStatus | BaseException

#: The API the fake stands for (its report links are the product's, built from it).
API_URL = "https://a.example.test/api/v4"


def status(name: str, progress: int | None, *events: Event, master: str = "1") -> MasterStatus:
    return MasterStatus(master, name, progress, tuple(reversed(events)))


class FakeApi:
    """Serves scripted answers per master; the last one repeats."""

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
            answers.pop(0) if len(answers) > 1 else answers[0], test_id, created, ended
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
        return AggregateReport({label: (row,) for label, row in rows.items()})

    def runs_of_test(self, test_id: str, deadline: float | None = None) -> list[RunInfo]:
        self.reads.append((test_id, "runs"))
        return self.runs.get(test_id, [])

    def report_url(self, master_id: str, public_token: str | None = None) -> str:
        return report_url(API_URL, master_id, public_token)  # the product's links

    def traffic(self) -> Traffic:
        return Traffic(requests=len(self.polls))


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
