"""The live criteria in the text reports: summary.json's fields (strict JSON), junit.xml's
`<failure type="live-criterion">` (valid against junit-10.xsd), summary.md's table."""

from __future__ import annotations

import json
from typing import Any

from junitparser import Failure, JUnitXml

from ci_gate.config.fail_on import parse_fail_on
from ci_gate.domain.live import KpiPoint
from ci_gate.domain.live_criteria import JudgeState, LiveJudgement
from ci_gate.domain.outcome import LiveCriterionOutcome, Outcome
from ci_gate.report.junit import render_junit
from ci_gate.report.summary import render_json, render_markdown
from tests.support.helpers import (
    assert_inert_markdown,
    assert_valid_junit,
    make_outcome,
    master_outcome,
)

T0 = 1_796_000_000


def item(
    text: str, state: JudgeState, *, stopped_run: bool = False, **judged: Any
) -> LiveCriterionOutcome:
    criterion = parse_fail_on(text, "--fail-on")
    return LiveCriterionOutcome(criterion, LiveJudgement(state, **judged), stopped_run=stopped_run)


CRITERIA = (
    item(
        "slow checkout: avg-rt of Checkout>1500ms for 30s",
        JudgeState.BREACHED,
        value=2400.0,
        window=(T0 + 70, T0 + 99),
        triggered_at=T0 + 99,
        stopped_run=True,
    ),
    item("fail>5% within 2m, continue", JudgeState.OK, value=0.4),
    item(
        "hits<10 for 30s, continue as non-failed",
        JudgeState.BREACHED,
        value=4.0,
        window=(T0, T0 + 29),
    ),
    item(
        'p90 of "Pay <b>now</b>">2s',
        JudgeState.NOT_JUDGED,
        judged="at the end",
        note="label 'Pay <b>now</b>' never appeared; the run has 'Checkout'",
    ),
)
TIMELINE = {
    "ALL": (
        KpiPoint(T0, 10, 1, 5, 300.5, 150.0, 1024.0),
        KpiPoint(T0 + 1, None, None, None, None, None, None),
    )
}


def outcome() -> Outcome:
    master = master_outcome(
        "failed",
        live_criteria=CRITERIA,
        kpi_timeline=TIMELINE,
        stop_saved="stopped after 1m40s of a planned 31m00s (29m20s of load not run)",
    )
    return make_outcome(master)


def test_summary_json_lists_every_criterion_with_the_contracts_fields() -> None:
    data = json.loads(render_json(outcome()), parse_constant=lambda name: 1 / 0)
    (master,) = data["masters"]
    first, second, third, fourth = master["live_criteria"]
    assert first == {
        "criterion": "avg-rt of Checkout>1500ms for 30s",
        "message": "slow checkout",
        "subject": "avg-rt",
        "label": "Checkout",
        "condition": ">",
        "threshold": 1500,
        "unit": "ms",
        "logic": "for",
        "timeframe": 30,
        "action": "stop",
        "status": "failed",
        "state": "breached",
        "value": 2400,
        "window": ["2026-11-30T00:54:30Z", "2026-11-30T00:54:59Z"],
        "judged": "live",
        "stopped_run": True,
        "stop_unconfirmed": False,
        "note": None,
    }
    assert (second["state"], second["window"], second["unit"], second["action"]) == (
        "ok",
        None,
        "%",
        "continue",
    )
    assert third["status"] == "non-failed" and third["unit"] == "count"
    assert (
        fourth["state"] == "not judged" and fourth["logic"] is None and fourth["timeframe"] is None
    )
    assert "never appeared" in fourth["note"]
    assert master["stop_saved"].startswith("stopped after 1m40s")
    assert master["kpi_timeline"]["ALL"][0] == {
        "ts": T0,
        "hits": 10,
        "errors": 1,
        "users": 5,
        "avg_rt": 300.5,
        "avg_lt": 150.0,
        "avg_bytes": 1024.0,
    }
    assert master["kpi_timeline"]["ALL"][1]["hits"] is None


def test_a_run_without_live_criteria_lists_none() -> None:
    data = json.loads(render_json(make_outcome(master_outcome())))
    assert data["masters"][0]["live_criteria"] == []
    assert data["masters"][0]["kpi_timeline"] == {}


def test_junit_has_one_live_criterion_failure_per_failing_criterion_and_is_valid() -> None:
    document = render_junit(outcome())
    assert_valid_junit(document)
    failures = [
        result
        for suite in JUnitXml.fromstring(document)
        for case in suite
        for result in case.result
        if isinstance(result, Failure) and result.type == "live-criterion"
    ]
    # the breached failed one and the one never judged; not the ok one, not the warning
    assert len(failures) == 2
    assert "breached: 2,400 ms average every second" in failures[0].message
    assert "stopped after 1m40s" in (failures[0].text or "")
    assert "could not be judged" in failures[1].message


def test_summary_md_has_the_table_the_job_summary_and_the_comment_show() -> None:
    markdown = render_markdown(outcome())
    assert "| criterion | state | value | when | action taken |" in markdown
    assert (
        "| `slow checkout` | breached | `2,400 ms` | `00:54:30–00:54:59` | stopped the run |"
        in markdown
    )
    assert "| `fail>5% within 2m, continue` | ok | `0.4%` | `live` | none |" in markdown
    assert "breached (warning: non-failed)" in markdown and "recorded (continue)" in markdown
    assert "**Stopped early:**" in markdown
    assert_inert_markdown(markdown)  # the label's <b> stays text


def test_a_criterion_holding_a_pipe_keeps_its_table_row_as_github_renders_it() -> None:
    """s_md of the issue 31 attack: the label 'zz | injected | cell |' split its row into
    more cells (a `|` inside a code span still ends a GFM table cell unless escaped)."""
    from lxml import html as lxml_html
    from markdown_it import MarkdownIt

    pipe = item('avg-rt of "zz | injected | cell |">1s for 5s, continue', JudgeState.OK, value=1.0)
    markdown = render_markdown(make_outcome(master_outcome("passed", live_criteria=(pipe,))))
    page = lxml_html.fromstring(MarkdownIt("commonmark").enable("table").render(markdown))
    (row,) = [r for r in page.xpath("//table//tr") if "injected" in r.text_content()]
    cells = [cell.text_content() for cell in row.xpath("./td")]
    assert len(cells) == 5
    assert cells[0] == 'avg-rt of "zz | injected | cell |">1s for 5s, continue'
