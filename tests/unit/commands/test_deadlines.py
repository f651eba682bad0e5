"""`run`, `start` and `stop` against their `--timeout` on a fake clock (issue 30 item 5):
the context's clock is the only one they read, so a fake client that takes the seconds it
is told drives every deadline, and nothing sleeps or reaches a server."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ci_gate.blazemeter.api import BlazeMeterClient
from ci_gate.ci.comment import COMMENT_BUDGET
from ci_gate.clock import REAL_CLOCK, Clock
from ci_gate.commands import run as run_command
from ci_gate.commands.run import NOTE_BUDGET, run_run
from ci_gate.commands.start import run_start
from ci_gate.commands.stop import run_stop
from ci_gate.config.context import Context
from ci_gate.config.settings import (
    ApiSettings,
    RunSettings,
    StartCommandSettings,
    StartSettings,
    StopSettings,
    WaitSettings,
)
from ci_gate.domain.outcome import Outcome
from ci_gate.domain.run import MasterStatus
from ci_gate.domain.verdict import Verdict
from ci_gate.errors import ApiError, DeadlineError
from ci_gate.formatting import format_duration
from ci_gate.signals import SignalGuard
from ci_gate.wait.loop import STOP_BUDGET
from ci_gate.wait.stops import GRACE
from tests.support.fakes import FakeClock, status


@dataclass
class FakeClient:
    """What the commands ask of `BlazeMeterClient`: each call takes the seconds `takes`
    gives it on the fake clock, records the deadline it was given, and fails as `fails`
    says; `blocks`: calls that never answer (until the test releases them)."""

    clock: FakeClock
    takes: dict[str, float] = field(default_factory=dict)
    fails: dict[str, ApiError] = field(default_factory=dict)
    blocks: threading.Event | None = None
    deadlines: dict[str, float | None] = field(default_factory=dict)
    #: the clocks the commands built a client on
    built_on: list[Clock] = field(default_factory=list)

    def _call(self, name: str, deadline: float | None) -> None:
        self.deadlines[name] = deadline
        if self.blocks is not None:
            self.blocks.wait()
        self.clock.now += self.takes.get(name, 0.0)
        if name in self.fails:
            raise self.fails[name]

    def start(self, test_id: str, *, multi: bool, deadline: float | None, **_: Any) -> str:
        self._call("start", deadline)
        return "m1"

    def set_note(self, master_id: str, note: str, *, deadline: float | None) -> None:
        self._call("set_note", deadline)

    def status(self, master_id: str, *, deadline: float | None, **_: Any) -> MasterStatus:
        self._call("status", deadline)
        return status("DATA_RECEIVED", 40, master=master_id)

    def stop(self, master_id: str, progress: int | None, *, deadline: float | None) -> str:
        self._call("stop", deadline)
        return "terminate"

    def close(self) -> None:
        pass


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def context(clock: FakeClock) -> Context:
    return Context(clock=clock.clock())


@pytest.fixture
def client(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClient]:
    fake = FakeClient(clock)

    def from_settings(
        api: ApiSettings, on_retry: object = None, pool_size: int = 1, clock: Clock = REAL_CLOCK
    ) -> FakeClient:
        fake.built_on.append(clock)
        return fake

    monkeypatch.setattr(BlazeMeterClient, "from_settings", staticmethod(from_settings))
    yield fake
    if fake.blocks is not None:
        fake.blocks.set()  # a call left hanging ends with the test


@pytest.fixture
def concluded(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What `run` hands the one conclusion when it never got to its wait."""
    seen: dict[str, Any] = {}

    def conclude(outcome: Outcome, report_dir: Path, guard: SignalGuard, **how: Any) -> Outcome:
        seen.update(how, outcome=outcome)
        return outcome

    monkeypatch.setattr(run_command, "conclude", conclude)
    return seen


def _run(tmp_path: Path, context: Context, **wait: Any) -> int:
    return run_run(
        StartSettings(test_id="7"),
        RunSettings(),
        WaitSettings(report_dir=tmp_path, **wait),
        ApiSettings(),
        SignalGuard(),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        context=context,
    )


@pytest.mark.parametrize(("start_takes", "wait_gets"), [(30.0, 568.0), (700.0, 0.001)])
def test_runs_wait_gets_what_is_left_of_the_deadline_after_the_start_and_the_note(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    client: FakeClient,
    context: Context,
    start_takes: float,
    wait_gets: float,
) -> None:
    client.takes = {"start": start_takes, "set_note": 2.0}
    waits: list[tuple[WaitSettings, Context]] = []

    def run_wait(settings: WaitSettings, *_: Any, context: Context, **__: Any) -> int:
        waits.append((settings, context))
        return 0

    monkeypatch.setattr(run_command, "run_wait", run_wait)
    assert _run(tmp_path, context, timeout=600.0) == 0
    [(settings, given)] = waits
    # the start has the whole deadline, the note its budget within it, the wait the rest
    # (its last look at least, when the start took it all)
    assert client.deadlines == {
        "start": 1600.0,
        "set_note": min(1600.0, 1000.0 + start_takes + NOTE_BUDGET),
    }
    assert settings.timeout == pytest.approx(wait_gets)
    assert settings.master_ids == ("m1",)
    assert given.clock is context.clock  # the wait runs on the same clock
    assert client.built_on and all(built is context.clock for built in client.built_on)


def test_a_start_that_fails_past_the_deadline_ends_the_run_as_timed_out(
    tmp_path: Path, client: FakeClient, context: Context, concluded: dict[str, Any]
) -> None:
    client.takes = {"start": 601.0}
    client.fails = {"start": ApiError("test 7: HTTP 503")}
    assert _run(tmp_path, context, timeout=600.0, comment=True) == Verdict.TIMEOUT.exit_code()
    outcome: Outcome = concluded["outcome"]
    assert outcome.verdict is Verdict.TIMEOUT
    assert outcome.reason.startswith(f"timed out after {format_duration(600.0)}: ")
    assert outcome.waited == 601.0
    assert outcome.started_at == FakeClock.EPOCH
    assert (outcome.finished_at - outcome.started_at).total_seconds() == 601.0
    # the comment never past the wait's deadline and its grace, on the same clock
    assert concluded["comment_until"] == 1600.0 + STOP_BUDGET
    assert concluded["clock"] is context.clock


def test_a_start_that_fails_in_time_is_no_timeout_and_the_comment_has_its_budget(
    tmp_path: Path, client: FakeClient, context: Context, concluded: dict[str, Any]
) -> None:
    client.takes = {"start": 5.0}
    client.fails = {"start": ApiError("test 7: HTTP 404")}
    _run(tmp_path, context, timeout=600.0, comment=True)
    outcome: Outcome = concluded["outcome"]
    assert outcome.verdict is Verdict.ERROR
    assert not outcome.reason.startswith("timed out")
    assert outcome.waited == 5.0
    assert concluded["comment_until"] == 1005.0 + COMMENT_BUDGET


@pytest.mark.parametrize(("takes", "raised"), [(300.0, DeadlineError), (299.0, ApiError)])
def test_start_gives_up_at_its_timeout(
    tmp_path: Path,
    client: FakeClient,
    context: Context,
    takes: float,
    raised: type[Exception],
) -> None:
    client.takes = {"start": takes}
    client.fails = {"start": ApiError("test 7: HTTP 503")}
    with pytest.raises(ApiError if raised is ApiError else DeadlineError) as caught:
        run_start(
            StartSettings(test_id="7"),
            StartCommandSettings(timeout=300.0),
            ApiSettings(),
            SignalGuard(),
            report_dir=tmp_path,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            context=context,
        )
    assert type(caught.value) is raised
    if raised is DeadlineError:
        assert str(caught.value).startswith(f"timed out after {format_duration(300.0)}: ")
    assert client.deadlines == {"start": 1300.0}
    assert client.built_on == [context.clock]


def _stop(context: Context) -> int:
    return run_stop(
        ("7",),
        StopSettings(timeout=60.0),
        ApiSettings(),
        SignalGuard(),
        stdout=io.StringIO(),
        context=context,
    )


@pytest.mark.parametrize(("takes", "raised"), [(60.0, DeadlineError), (59.0, ApiError)])
def test_stop_gives_up_at_its_timeout(
    client: FakeClient, context: Context, takes: float, raised: type[Exception]
) -> None:
    client.takes = {"status": takes}
    client.fails = {"status": ApiError("master 7: HTTP 503")}
    with pytest.raises(ApiError if raised is ApiError else DeadlineError) as caught:
        _stop(context)
    assert type(caught.value) is raised
    if raised is DeadlineError:
        assert str(caught.value) == f"timed out after {format_duration(60.0)}: master 7: HTTP 503"
    assert client.deadlines == {"status": 1060.0}
    assert client.built_on == [context.clock]


def test_a_stop_in_time_is_sent_within_the_deadline(client: FakeClient, context: Context) -> None:
    client.takes = {"status": 10.0, "stop": 10.0}
    assert _stop(context) == 0
    assert client.deadlines == {"status": 1060.0, "stop": 1060.0}


class _RunningClock(FakeClock):
    """A clock whose every read is a minute and more past the one before: the stop's
    deadline and its grace have passed by the time the stops are collected."""

    def __call__(self) -> float:
        read = self.now
        self.now += 61.0 + GRACE
        return read


def test_a_stop_with_no_answer_by_the_timeout_is_given_up_on(client: FakeClient) -> None:
    running = _RunningClock()
    client.blocks = threading.Event()  # the status read never answers
    with pytest.raises(DeadlineError) as caught:
        _stop(Context(clock=running.clock()))
    assert str(caught.value) == (
        f"timed out after {format_duration(60.0)}: master 7: no answer to the stop in time"
    )
