"""`--trend N` through the real `ci-gate` against the simulator's `trend` scenario: the
test's last runs in summary.md (sparklines), summary.json and report.html."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.support.helpers import (
    assert_inert_markdown,
    run_gate,
    simulator,
    wait_args,
    with_report_fault,
)

CURRENT = "92000009"


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_demo_trend_shows_the_slide_and_passes(tmp_path: Path) -> None:
    started = datetime.now(timezone.utc).replace(microsecond=0)
    run = run_gate(["demo", "--scenario", "trend", "--report-dir", "r"], tmp_path / "r")
    assert run.code == 0, run.stderr
    # played on the real clock: this run was created when the demo started, the runs
    # before it as many days before it as the scenario writes
    this, sixth = (run.summary["masters"][0]["trend"]["points"][n]["created"] for n in (8, 5))
    assert started <= _moment(this) <= started + timedelta(seconds=30)
    assert _moment(this) - _moment(sixth) == timedelta(days=3)
    sparklines = run.markdown.split("```text\n", 1)[1].split("\n```", 1)[0].splitlines()
    assert sparklines == [
        "p90    ▁▁▂█▂·▃▄▅ 980 ms → 1,350 ms",
        "avg    ▁▁▁█▂·▂▃▄ 402 ms → 520 ms",
        "errors ▁▁▁█▁·▁▁▁ 0.20 % → 0.50 %",
        "hits   ▃▅▄▁▅·▆▆█ 14,100 → 14,600",
    ]
    assert (
        f"| **9** | {this} | `92000009` (this run) | `pass` | 1,350 ms | 520 ms "
        "| 0.50 % | 14,600 |" in run.markdown
    )
    assert f"| 6 | {sixth} | `92000006` | `noData` | no data | no data" in run.markdown
    assert_inert_markdown(run.markdown)
    trend = run.summary["masters"][0]["trend"]
    assert trend["asked"] == 8 and trend["notes"] == []
    points = trend["points"]
    assert [p["master_id"] for p in points] == [str(92000001 + i) for i in range(9)]
    assert [p["this_run"] for p in points] == [False] * 8 + [True]
    assert points[3]["report_status"] == "fail" and points[3]["p90"] == 1620
    assert points[5] == {
        "master_id": "92000006",
        "created": sixth,
        "report_status": "noData",
        "p90": None,
        "avg": None,
        "errors": None,
        "hits": None,
        "this_run": False,
    }
    html = (tmp_path / "r" / "report.html").read_text()
    assert html.count('class="chart chart-line"') == 4
    assert "report.html" in run.markdown and "report.html" in run.stdout


def test_one_list_read_and_one_kpi_read_per_trend_run_and_a_failed_read_is_a_gap(
    tmp_path: Path,
) -> None:
    path = with_report_fault(tmp_path, "trend", "92000007", "summary", 403)
    report = tmp_path / "r"
    with simulator(path) as sim:
        run = run_gate(
            wait_args(sim, report, "--trend", "3", "--baseline", "last-passed", masters=[CURRENT]),
            report,
        )
        calls = [call["path"] for call in sim.calls()]
    assert run.code == 0, run.stdout + run.stderr  # informational: a failed read never fails
    assert sum(1 for c in calls if c.startswith("/api/v4/masters?")) == 1
    summaries = sorted(c.split("/")[4] for c in calls if c.endswith("/reports/default/summary"))
    assert summaries == ["92000006", "92000007", "92000008", CURRENT]
    trend = run.summary["masters"][0]["trend"]
    assert [p["master_id"] for p in trend["points"]] == [
        "92000006",
        "92000007",
        "92000008",
        CURRENT,
    ]
    assert trend["points"][1]["p90"] is None  # the gap, not a zero
    [note] = trend["notes"]
    assert note.startswith("trend: could not read the KPIs of run 92000007: ")
    assert note.endswith("; shown as a gap")
    assert note in run.summary["masters"][0]["notes"]


def test_a_trend_over_fifty_is_a_usage_error(tmp_path: Path) -> None:
    run = run_gate(["wait", "1", "--trend", "51", "--report-dir", "r"], tmp_path / "r")
    assert run.code == 2
    assert "--trend" in run.stderr and "50" in run.stderr
    assert "Traceback" not in run.stderr
