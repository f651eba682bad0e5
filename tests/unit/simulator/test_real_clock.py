"""The simulator plays every scenario on the real clock (issue 32 item 8: one time axis):
its newest run is created when the simulated master starts, and every scenario time (the
runs' `created`, their events' `t`, so their KPI seconds) moves by the same seconds, so a
baseline a day older stays a day older and events keep their order and spacing."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate.simulator.live_data import data_kpis, data_labels
from ci_gate.simulator.real_clock import real_clock_shift
from ci_gate.simulator.scenario import builtin_names, load_scenario
from ci_gate.simulator.server import SimulatorState
from ci_gate.simulator.state import MasterRun, master_object


def test_every_builtin_scenario_starts_now_and_keeps_its_runs_apart() -> None:
    for name in builtin_names():
        scenario = load_scenario(name)
        before = time.time()
        state = SimulatorState(scenario)
        after = time.time()
        created = {mid: master_object(run)["created"] for mid, run in state.runs.items()}
        assert int(before) - 7200 <= max(created.values()) <= after, name
        newest = max(script.report.created for script in scenario.masters.values())
        for mid, script in scenario.masters.items():  # the same gaps as written
            assert max(created.values()) - created[mid] == newest - script.report.created


def test_events_and_kpi_seconds_of_a_scenario_move_by_the_same_shift() -> None:
    scenario = load_scenario("seed")  # replays a recorded run: events dated 2020
    [(master_id, script)] = scenario.masters.items()
    written = [e["t"] for step in script.steps for e in step.events if "t" in e]
    state = SimulatorState(scenario)
    run = state.runs[master_id]
    for _ in range(len(script.steps) + 2):
        run.poll()
    served = [e["t"] for e in run.events if e["t"] in {t + run.shift for t in written}]
    assert served and all(abs(t - time.time()) < 3 * 86400 for t in served)
    shifted = sorted(t + run.shift for t in written)
    assert sorted(served) == shifted[: len(served)]


def test_kpi_seconds_start_at_the_run_created_now() -> None:
    state = SimulatorState(load_scenario("live-breach"))
    [run] = state.runs.values()
    clock = [0.0]
    run.clock = lambda: clock[0]
    for _ in range(40):
        run.poll()
        clock[0] += 0.5
    ids = [label["id"] for label in data_labels(run)]
    points = [p for row in data_kpis(run, 0, ids) for p in row.get("kpis", [])]
    assert points
    assert min(p["ts"] for p in points) == master_object(run)["created"]
    assert abs(master_object(run)["created"] - time.time()) < 5


@settings(max_examples=50, deadline=None)
@given(created=st.lists(st.integers(0, 2_000_000_000), min_size=1, max_size=5))
def test_one_shift_makes_the_newest_now(created: list[int]) -> None:
    template = next(iter(load_scenario("run").masters.values()))  # only `created` varies
    made = [replace(template, report=replace(template.report, created=c)) for c in created]
    shift = real_clock_shift(made, 1_800_000_000.5)
    runs = [MasterRun(script, shift=shift) for script in made]
    assert max(run.created for run in runs) == 1_800_000_000
    assert [b.created - a.created for a, b in itertools.pairwise(runs)] == [
        b - a for a, b in itertools.pairwise(created)
    ]


def _played(name: str, stop_after: int | None = None) -> MasterRun:
    state = SimulatorState(load_scenario(name))
    run = next(iter(state.runs.values()))
    clock = [0.0]
    run.clock = lambda: clock[0]
    for poll in range(400):
        if stop_after is not None and poll == stop_after:
            run.request_stop("stop")
        run.poll()
        clock[0] += 0.05
        if run.status == "ENDED":
            break
    return run


def test_the_simulator_s_own_events_are_dated_on_the_run_s_clock() -> None:
    """Where its KPI seconds and `ended` are (`created` + the run second), so the status
    timeline, events and KPIs of report.html tell one run: the engine lost at second 540
    of `error` is dated there, its end at its last second, and no event goes back."""
    run = _played("error")
    created = run.created
    times = {e["message"]: e["t"] for e in run.events}
    error = next(e for e in run.events if e["level"] == "ERROR")
    assert error["t"] == created + 540
    assert times["Status changed to ENDED (140)"] == created + run.duration
    assert master_object(run)["ended"] == created + run.duration
    assert [e["t"] for e in run.events] == sorted(e["t"] for e in run.events)
    stopped = _played("live-breach", stop_after=12)
    [received] = [e for e in stopped.events if e["message"] == "Stop command received"]
    assert stopped.stopped_at is not None
    assert received["t"] == stopped.created + stopped.stopped_at - 1
