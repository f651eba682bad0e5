"""Each scenario tells one run, seen through the real `ci-gate` (issue 32 item 7): in the
regression scenario the KPI table and the baseline table show the same run and a named
baseline the list calls ended is not said to be running; a run stopped at progress 5 is
not shown as ENDED, passed, with 12,000 samples."""

from __future__ import annotations

from pathlib import Path

from tests.support.helpers import run_gate, simulator, wait_args


def test_a_run_stopped_at_progress_5_has_no_data_and_does_not_pass(tmp_path: Path) -> None:
    with simulator("sla-fail") as sim:
        stop = run_gate(["stop", sim.masters[0], "--api-url", sim.url], tmp_path / "s")
        assert stop.code == 0, stop.stderr
        run = run_gate(wait_args(sim, tmp_path / "r"), tmp_path / "r")
    master = run.summary["masters"][0]
    assert run.summary["verdict"] != "passed", run.stdout
    assert not master["kpis"], master["kpis"]
    assert "12,000" not in run.stdout + run.stderr and "abort" in run.stdout + run.stderr


def test_a_named_baseline_the_list_calls_ended_is_not_said_to_be_running(
    tmp_path: Path,
) -> None:
    """The list of runs said 91000001 ended and passed while `wait --baseline 91000001`
    warned it had not ended: both read the run's state now."""
    with simulator("regression") as sim:
        run = run_gate(
            wait_args(sim, tmp_path / "r", "--baseline", "91000001", masters=["91000003"]),
            tmp_path / "r",
        )
    assert run.code == 1, run.stderr
    assert "has not ended" not in run.stdout + run.stderr
    master = run.summary["masters"][0]
    assert master["baseline"]["master_id"] == "91000001"
    # the KPI table and the baseline table show the same run (12,000 and p90 480 in the
    # one, 14,310 and 980 in the other, before)
    (all_row,) = [row for row in master["baseline"]["rows"] if row["label"] == "ALL"]
    assert master["kpis"]["hits"] == all_row["samples_now"] == 14310
    assert master["kpis"]["tp90"] == all_row["now"] == 980


def test_fail_fast_keeps_the_kpis_of_the_run_so_far_in_every_field(tmp_path: Path) -> None:
    """`--fail-fast` on `error` showed 123 samples "so far" beside the whole run's bytes
    (51,234,567), min, max and std: every field is the run up to the ERROR event now
    (the engine was lost at run second 540 of 900; bytes follow the samples)."""
    with simulator("error") as sim:
        run = run_gate(wait_args(sim, tmp_path / "r", "--fail-fast"), tmp_path / "r")
    assert run.code == 1, run.stderr
    kpis = run.summary["masters"][0]["kpis"]
    assert 0 < kpis["hits"] < 27000 and 540 <= kpis["duration"] < 900, kpis
    assert kpis["bytes"] == round(99630000 / 27000 * kpis["hits"]), kpis
    assert kpis["min"] <= kpis["avg"] <= kpis["max"] and kpis["concurrency"] == 40, kpis
    assert "51,234,567" not in run.markdown and "12,000" not in run.markdown
