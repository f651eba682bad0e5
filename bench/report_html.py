"""report.html for a big run: 5,000 events (all of them offending), 200 labels against a
baseline, a 50-run trend, 200 status changes, and an hour of live KPIs (3,600 seconds) for
ALL and two labels with three live criteria, one breached. Time to render and write the whole report
set, the time of report.html alone, and its size, beside summary.md of the same outcome
(the report that was there before: the ratio says what the charts cost).

Goals: report.html rendered in at most 0.5 s and at most 2 MB. `--json` prints the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ci_gate.config.fail_on import parse_fail_on
from ci_gate.domain.findings import BaselineOutcome, Comparison, Limit
from ci_gate.domain.live import KpiPoint
from ci_gate.domain.live_criteria import JudgeState, LiveJudgement
from ci_gate.domain.outcome import (
    LiveCriterionOutcome,
    MasterOutcome,
    Outcome,
    Seen,
    StatusChange,
)
from ci_gate.domain.run import Event
from ci_gate.domain.trend import Trend, TrendPoint
from ci_gate.domain.verdict import Verdict
from ci_gate.report import write_reports
from ci_gate.report.html import render_html
from ci_gate.report.summary import render_markdown

EVENTS, LABELS, TREND, CHANGES, KPI_SECONDS = 5000, 200, 50, 200, 3600
GOAL_SECONDS, GOAL_BYTES = 0.5, 2 * 1024 * 1024


def big_outcome() -> Outcome:
    start = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
    events = tuple(
        Event(
            t=1_796_115_600 + n // 2,
            level="ERROR",
            message=f"label {n % LABELS}: HTTP 500 from backend r-v4-{n % 7} <b>batch</b> {n}",
            session_id=f"r-v4-{n % 7}",
            source="system",
        )
        for n in range(EVENTS)
    )
    limit = Limit("p90", 20, True)
    rows = tuple(
        Comparison(
            f"/api/v2/orders/{n}/items?expand=" + "x" * (n % 40),
            "p90",
            5000,
            5000,
            1000.0 + n,
            1100.0 + n * (1.5 if n % 10 == 0 else 1.0),
            limit,
            "regression" if n % 10 == 0 else "fine",
        )
        for n in range(LABELS)
    )
    points = tuple(
        TrendPoint(
            str(92_000_000 + n),
            1_796_000_000 + n * 86400,
            "pass",
            980.0 + n * 7,
            400.0 + n,
            0.2 + n / 100,
            14_000.0 + n,
            this_run=n == TREND,
        )
        for n in range(TREND + 1)
    )
    timeline = tuple(
        StatusChange(start + timedelta(seconds=n * 9), n * 9.0, "DATA_RECEIVED", 100)
        for n in range(CHANGES)
    )
    kpi_timeline = {
        label: tuple(
            KpiPoint(
                1_796_000_000 + s,
                40 + s % 13,
                s % 7 // 6,
                min(50, s // 10 + 1),
                (2100.0 if label == "Checkout" and 1800 <= s < 1900 else 180.0) + s % 17,
                120.0,
                21400.0,
            )
            for s in range(KPI_SECONDS)
        )
        for label in ("ALL", "Checkout", "Search")
    }
    live = (
        LiveCriterionOutcome(
            parse_fail_on("avg-rt of Checkout>1500ms for 60s, continue", "--fail-on"),
            LiveJudgement(JudgeState.BREACHED, 2180.0, (1_796_001_800, 1_796_001_899)),
        ),
        LiveCriterionOutcome(
            parse_fail_on("fail>5% within 1m", "--fail-on"), LiveJudgement(JudgeState.OK, 1.1)
        ),
        LiveCriterionOutcome(
            parse_fail_on("p90 of Search>2s for 30s", "--fail-on"),
            LiveJudgement(JudgeState.OK, 900.0),
        ),
    )
    master = MasterOutcome(
        master_id="92000050",
        verdict=Verdict.FAILED,
        seen=Seen(status="ENDED", progress=140, offending=events, events=events, timeline=timeline),
        error=f"master 92000050: {EVENTS} events at ERROR or above",
        baseline=BaselineOutcome("92000049", "last-passed", rows),
        trend=Trend(TREND, points),
        kpis={"hits": 14_050.0, "tp90": 1330.0, "avg": 450.0},
        kpi_timeline=kpi_timeline,
        live_criteria=live,
    )
    return Outcome(
        verdict=Verdict.FAILED,
        threshold=400,
        started_at=start,
        finished_at=start + timedelta(minutes=30),
        masters=(master,),
        reason=master.error or "",
    )


def best_of(runs: int, call: object) -> float:
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        call()  # type: ignore[operator]
        best = min(best, time.perf_counter() - began)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    outcome = big_outcome()
    html = render_html(outcome, "bench")
    markdown = render_markdown(outcome, "bench")
    html_seconds = best_of(5, lambda: render_html(outcome, "bench"))
    markdown_seconds = best_of(5, lambda: render_markdown(outcome, "bench"))
    with tempfile.TemporaryDirectory() as folder:
        set_seconds = best_of(3, lambda: write_reports(outcome, Path(folder) / "r"))
    size = len(html.encode())
    figures = {
        "report_html_seconds": round(html_seconds, 4),
        "summary_md_seconds": round(markdown_seconds, 4),
        "time_ratio": round(html_seconds / markdown_seconds, 2),
        "report_set_seconds": round(set_seconds, 4),
        "report_html_bytes": size,
        "summary_md_bytes": len(markdown.encode()),
        "size_ratio": round(size / len(markdown.encode()), 2),
        "goal_met": html_seconds <= GOAL_SECONDS and size <= GOAL_BYTES,
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"{EVENTS} events, {LABELS} labels, a {TREND}-run trend, {CHANGES} status changes, "
            f"{KPI_SECONDS} s of live KPIs for 3 labels"
        )
        print(f"{'':<14}{'report.html':>14}{'summary.md':>14}{'ratio':>8}")
        print(
            f"{'render (s)':<14}{html_seconds:>14.3f}{markdown_seconds:>14.3f}"
            f"{figures['time_ratio']:>8}"
        )
        print(
            f"{'size (KB)':<14}{size / 1024:>14.0f}{len(markdown.encode()) / 1024:>14.0f}"
            f"{figures['size_ratio']:>8}"
        )
        print(f"whole report set written in {set_seconds:.3f} s")
        print(
            f"goal (<= {GOAL_SECONDS} s, <= {GOAL_BYTES // 1024 // 1024} MB): "
            f"{'met' if figures['goal_met'] else 'NOT met'}"
        )
    return 0 if figures["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
