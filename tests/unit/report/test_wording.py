"""One number, one spelling in every report (issue 32 item 9): KPIs with the same decimals
in summary.md, report.html and the closing line, counts as integers in summary.json, and
BlazeMeter's failed criteria in the tables as in the headline."""

from __future__ import annotations

import json

from ci_gate.commands.wait import kpi_line
from ci_gate.domain.findings import CriteriaMode, CriteriaOutcome, Criterion
from ci_gate.domain.verdict import Verdict
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


def test_failed_criteria_tables_read_as_the_headline() -> None:
    criteria = CriteriaOutcome(CriteriaMode.ON, "fail", Verdict.FAILED, failed=(P90,))
    outcome = make_outcome(master_outcome("failed", criteria=criteria))
    assert P90.describe() == "p90 1830 ms > 1500 ms"
    markdown = render_markdown(outcome)
    assert "| `1830 ms` | `> 1500 ms` |" in markdown, markdown
    assert "1830.0" not in markdown and "gt 1500" not in markdown
    html = render_html(outcome)
    assert "<td><bdi>1830 ms</bdi></td><td><bdi>&gt; 1500 ms</bdi></td>" in html
    assert "1830.0" not in html and "gt 1500" not in html
