"""One number, one spelling in every report (issue 32 items 7 and 9): KPIs with the same
decimals in summary.md, report.html and the closing line, counts as integers in
summary.json (the trend's too), and BlazeMeter's failed criteria and the baseline table
as in the KPI table and the headline (`1,830 ms`, `14,310`)."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate.domain.findings import (
    BaselineOutcome,
    Comparison,
    CriteriaMode,
    CriteriaOutcome,
    Criterion,
)
from ci_gate.domain.kpis import KNOWN_KPIS
from ci_gate.domain.trend import Trend, TrendPoint
from ci_gate.domain.verdict import Verdict
from ci_gate.formatting import kpi_cell, kpi_line
from ci_gate.report.html import render_html
from ci_gate.report.summary import render_json, render_markdown
from tests.support.helpers import make_outcome, master_outcome

KPIS = {"hits": 12000.0, "failed": 12.0, "avg": 212.4, "tp90": 520.0, "duration": 300.0}
P90 = Criterion("responseTime.percentile.90", "gt", 1500, 1830.0, False, "ALL")


def test_counts_are_integers_in_summary_json() -> None:
    kpis = json.loads(render_json(make_outcome(master_outcome(kpis=KPIS))))["masters"][0]["kpis"]
    assert kpis == {"hits": 12000, "failed": 12, "avg": 212.4, "tp90": 520, "duration": 300}
    assert isinstance(kpis["hits"], int) and isinstance(kpis["avg"], float)


def test_a_kpi_reads_the_same_in_every_report() -> None:
    outcome = make_outcome(master_outcome(kpis=KPIS))
    markdown, html, line = render_markdown(outcome), render_html(outcome), kpi_line(KPIS)
    for shown in ("212.4 ms", "520 ms", "12,000", "5m00s"):
        assert shown in markdown and shown in html and shown in line, shown
    assert "212.40" not in markdown + html + line
    assert "300 s" not in markdown + html + line


#: The KPIs the closing line shows (`commands.conclude`), each from the metrics table.
_LINE_KPIS = ("hits", "failed", "avg", "tp90", "tp95", "tp99", "duration")


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(_LINE_KPIS),
    value=st.floats() | st.integers(-(10**6), 10**12).map(float) | st.sampled_from([0.05, 0.95]),
)
def test_the_closing_line_and_the_kpi_tables_spell_any_value_alike(name: str, value: float) -> None:
    """`kpi_line` (the closing line) and `kpi_cell` (summary.md, report.html) once spelled
    one number with `.1f` and `.2f`: whatever the value (fractions, NaN, infinities, out
    of range), the line, summary.md's row and report.html's cell carry the same text."""
    label, shown = kpi_cell(name, value)
    assert label == KNOWN_KPIS[name][0]
    unit = KNOWN_KPIS[name][1]
    assert kpi_line({name: value}) == (f"{label} {shown}" if unit else f"{shown} {label}")
    outcome = make_outcome(master_outcome(kpis={name: value}))
    assert f"| {label} | {shown} |" in render_markdown(outcome)
    assert f"<td>{label}</td><td>{shown}</td>" in render_html(outcome)  # our words: no <bdi>


def test_failed_criteria_tables_read_as_the_headline() -> None:
    criteria = CriteriaOutcome(CriteriaMode.ON, "fail", Verdict.FAILED, failed=(P90,))
    outcome = make_outcome(master_outcome("failed", criteria=criteria))
    assert P90.describe() == "p90 1,830 ms > 1,500 ms"
    markdown = render_markdown(outcome)
    assert "| `1,830 ms` | `> 1,500 ms` |" in markdown, markdown
    assert "1830.0" not in markdown and "gt 1500" not in markdown
    html = render_html(outcome)
    assert "<td><bdi>1,830 ms</bdi></td><td><bdi>&gt; 1,500 ms</bdi></td>" in html
    assert "1830.0" not in html and "gt 1500" not in html


def test_trend_counts_are_integers_in_summary_json() -> None:
    """`demo --scenario trend` wrote `"hits": 14100.0`: the trend's numbers are written as
    the KPIs are, whole numbers as integers."""
    points = (
        TrendPoint("1", 1.7e9, "pass", p90=980.0, avg=402.5, errors=0.2, hits=14100.0),
        TrendPoint("2", 1.8e9, "noData"),
    )
    trend = Trend(asked=2, points=points)
    written = json.loads(render_json(make_outcome(master_outcome(trend=trend))))
    first, second = written["masters"][0]["trend"]["points"]
    assert (first["hits"], first["p90"], first["avg"], first["errors"]) == (14100, 980, 402.5, 0.2)
    assert isinstance(first["hits"], int) and isinstance(first["p90"], int)
    assert second["hits"] is None


def test_a_number_is_spelled_one_way_in_every_table() -> None:
    """1,830 ms in the KPI table beside 1830 ms in the criteria and the headline, and the
    baseline table's 13080 / 14310 beside the KPI table's 14,310: one spelling now."""
    kpis = {"hits": 14310.0, "tp90": 1830.0, "avg": 470.0}
    criteria = CriteriaOutcome(CriteriaMode.ON, "fail", Verdict.FAILED, failed=(P90,))
    row = Comparison("ALL", "p90", 13080, 14310, 1350.0, 1830.0, None, "fine")
    errors = Comparison("ALL", "errors", 13080, 14310, 0.4, 0.9, None, "fine")
    baseline = BaselineOutcome("91000001", "named", rows=(row, errors))
    outcome = make_outcome(
        master_outcome("failed", kpis=kpis, criteria=criteria, baseline=baseline)
    )
    markdown, html = render_markdown(outcome), render_html(outcome)
    for report in (markdown, html):
        assert "1830" not in report and "14310" not in report and "13080" not in report
        for shown in ("1,830 ms", "14,310", "13,080 / 14,310", "1,350 ms", "0.4 %", "0.9 %"):
            assert shown in report, shown
    assert "p90 1,830 ms > 1,500 ms" in outcome.reason


def test_the_trend_spells_this_runs_numbers_as_the_kpi_table() -> None:
    """The trend's table and sparkline lines rounded 538.7 ms to `539 ms` beside the KPI
    table's `538.7 ms` for the same run: one spelling (`show_amount`) in the tables (the
    charts' own labels are report/svg.py's)."""
    kpis = {"hits": 27000.0, "avg": 538.7, "tp90": 1340.0}
    points = (
        TrendPoint("1", 1.7e9, "pass", p90=1210.0, avg=471.25, errors=0.4, hits=14380.0),
        TrendPoint("2", 1.8e9, "fail", p90=1340.0, avg=538.7, errors=2.6, hits=27000.0),
    )
    trend = Trend(asked=2, points=points)
    outcome = make_outcome(master_outcome(kpis=kpis, trend=trend))
    tables = re.sub(r"<svg.*?</svg>", "", render_html(outcome), flags=re.S)  # charts: not here
    for report in (render_markdown(outcome), tables):
        assert "538.7 ms" in report and "539 ms" not in report
        assert "471.2 ms" in report and "1,340 ms" in report and "27,000" in report
