"""report.html as a browser's parser reads it: self-contained, every server text inert."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from lxml import html as lxml_html

from ci_gate.domain.findings import BaselineOutcome, Comparison, Limit
from ci_gate.domain.outcome import MasterOutcome, Outcome, StatusChange, StopRequest
from ci_gate.domain.trend import Trend, TrendPoint
from ci_gate.report.html import CSP, render_html
from ci_gate.report.summary import render_markdown
from tests.support.helpers import OWN_HTML_TAGS, event, make_outcome, master_outcome
from tests.support.kpi_outcome import live_breach_master

#: make_outcome's started_at (2026-01-02T03:04:05Z) as epoch seconds
WAIT_BEGAN = 1_767_323_045
LONG_LABEL = "checkout/" + "ل" * 2500 + "x" * 2491
HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "</bdi></td></tr></table><iframe src=//evil.test>",
    '"><svg onload=alert(3)>',
    "עברית \u202eRTL override\u202c and العربية",
    "]]><!-- --><style>*{display:none}</style>",
    LONG_LABEL,
]


def _page(*masters: object) -> lxml_html.HtmlElement:
    document = render_html(make_outcome(*masters), "abc123")  # type: ignore[arg-type]
    assert document.startswith("<!DOCTYPE html>")
    return lxml_html.document_fromstring(document)


def _hostile_master() -> MasterOutcome:
    events = tuple(
        event(message=text, session=text[:80], level="ERROR", t=WAIT_BEGAN - 60 + i * 10)
        for i, text in enumerate(HOSTILE)
    )
    rows = tuple(
        Comparison(text, "p90", 100, 100, 1000.0, 1500.0, Limit("p90", 20, True), "regression")
        for text in HOSTILE
    )
    trend = Trend(
        3,
        (
            TrendPoint(HOSTILE[0], 1.7e9, HOSTILE[1], 900.0, 400.0, 0.1, 1000.0),
            TrendPoint("2", None, None),  # a run without data
            TrendPoint("3", 1.8e9, "pass", 1000.0, 420.0, 0.2, 1100.0, this_run=True),
        ),
        notes=(HOSTILE[2],),
    )
    start = datetime(2026, 1, 2, tzinfo=timezone.utc)
    return master_outcome(
        "failed",
        events,
        master_id="123",
        status=HOSTILE[3],
        error=HOSTILE[0],
        notes=tuple(HOSTILE),
        report_url="javascript:alert(4)",
        events=events,
        baseline=BaselineOutcome(HOSTILE[4], "last-passed", rows),
        trend=trend,
        timeline=(
            StatusChange(start, 0.0, HOSTILE[5], 5),
            StatusChange(start, 30.0, "ENDED", 140),
        ),
        kpis={HOSTILE[0]: 1.0, "tp90": 1500.0},
    )


def test_hostile_server_text_is_text_and_never_an_element() -> None:
    page = _page(_hostile_master())
    tags = {element.tag for element in page.iter() if isinstance(element.tag, str)}
    assert tags <= OWN_HTML_TAGS, tags - OWN_HTML_TAGS
    for element in page.iter():
        if not isinstance(element.tag, str):
            continue
        assert not [name for name in element.attrib if name.lower().startswith("on")]
    assert not page.xpath("//a")  # javascript: is never a link
    assert len(page.xpath("//style")) == 1
    text = page.text_content()
    assert "<script>alert(1)</script>" in text
    assert '<img src=x onerror="alert(2)">' in text


def test_a_long_label_is_cut_in_the_charts_and_whole_nowhere_that_breaks_the_layout() -> None:
    page = _page(_hostile_master())
    labels = [t.text or "" for t in page.xpath("//svg//text[@class='label']")]
    assert labels and all(len(label) <= 30 for label in labels)
    # cells wrap anywhere and the table layout is fixed: the style says so
    style = page.xpath("//style")[0].text
    assert "overflow-wrap:anywhere" in style and "table-layout:fixed" in style


def test_right_to_left_text_sits_inside_bdi_so_it_cannot_reorder_the_page() -> None:
    page = _page(_hostile_master())
    holders = [el for el in page.iter("bdi") if "עברית" in (el.text or "")]
    assert holders
    # the sanitiser drops the bidi controls themselves: an override cannot leak out
    assert "\u202e" not in page.text_content() and "\u202c" not in page.text_content()
    assert "unicode-bidi:isolate" in page.xpath("//style")[0].text


def test_the_page_forbids_every_request_and_every_script() -> None:
    page = _page(master_outcome("passed", report_url="https://a.blazemeter.com/app/#/masters/1"))
    [meta] = page.xpath("//meta[@http-equiv='Content-Security-Policy']")
    assert (
        meta.get("content")
        == CSP
        == ("default-src 'none'; style-src 'unsafe-inline'; img-src data:")
    )
    assert not page.xpath("//script|//link|//img|//iframe|//object|//embed")
    assert [a.get("href") for a in page.xpath("//a")] == [
        "https://a.blazemeter.com/app/#/masters/1"
    ]
    assert page.xpath("//h1[@id='verdict']")[0].text_content() == "ci-gate: passed"


@pytest.mark.parametrize(
    ("verdicts", "order"),
    [(("passed", "failed", "passed"), ["2", "1", "3"]), (("passed", "passed"), ["1", "2"])],
)
def test_failing_masters_come_first_under_the_overall_verdict(
    verdicts: tuple[str, ...], order: list[str]
) -> None:
    masters = [
        master_outcome(v, (event(),) if v == "failed" else (), master_id=str(i))
        for i, v in enumerate(verdicts, start=1)
    ]
    page = _page(*masters)
    sections = page.xpath("//section[@class='master']")
    assert [s.get("id") for s in sections] == [f"master-{m}" for m in order]
    # several masters: an overview first, in the same order, each row linking to its section
    [overview] = page.xpath("//section[@class='overview']")
    assert page.xpath("//section")[0] is overview
    rows = overview.xpath(".//tbody/tr")
    assert [row.xpath("./td[1]//a/@href")[0] for row in rows] == [f"#master-{m}" for m in order]
    assert [row.xpath("./td[2]")[0].text_content() for row in rows] == [
        verdicts[int(m) - 1] for m in order
    ]
    whys = [row.xpath("./td[6]")[0].text_content() for row in rows]
    assert [
        why for why, m in zip(whys, order, strict=True) if verdicts[int(m) - 1] == "passed"
    ] == ["-"] * verdicts.count("passed")
    if "failed" in verdicts:
        assert whys[0].startswith("master 2: 1 event at ERROR or above; first: ERROR")


def test_one_master_needs_no_overview() -> None:
    assert not _page(master_outcome("failed", (event(),))).xpath("//section[@class='overview']")


def test_each_master_has_its_charts_and_the_trend_one_per_metric() -> None:
    page = _page(_hostile_master())
    kinds = [svg.get("class") for svg in page.xpath("//svg")]
    assert kinds == [
        "chart chart-steps",
        "chart chart-bars",
        "chart chart-pairs",
        "chart chart-line",
        "chart chart-line",
        "chart chart-line",
        "chart chart-line",
    ]
    this_run = page.xpath("//svg[contains(@class,'chart-line')]//circle[@class='point this-run']")
    assert len(this_run) == 4
    gaps = page.xpath("//svg[contains(@class,'chart-line')]//text[@class='gap']")
    assert len(gaps) == 4  # the run without data is a gap on every metric, never a zero
    offending = page.xpath("//svg[contains(@class,'chart-bars')]//rect[@class='bar offending']")
    assert offending


def test_a_master_never_read_still_gets_a_section_without_charts_of_nothing() -> None:
    page = _page(master_outcome("error", error="credentials rejected", status=None, timeline=()))
    assert page.xpath("//h1[@id='verdict']")[0].text_content() == "ci-gate: error"
    assert "credentials rejected" in page.text_content()
    for svg in page.xpath("//svg"):
        assert svg.xpath(".//text[@class='empty']"), lxml_html.tostring(svg)


def _hang_outcome() -> Outcome:
    """`demo --scenario hang`: statuses in the first 0.4 s, a 15 s wait to its deadline,
    the stop sent there; events at the start and one 400 days before (a clock gone wrong)."""
    start = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    master = master_outcome(
        "timeout",
        status="DATA_RECEIVED",
        progress=100,
        timeline=tuple(
            StatusChange(start + timedelta(seconds=elapsed), elapsed, status, progress)
            for elapsed, status, progress in (
                (0.01, "CREATE", 5),
                (0.2, "BOOT_STARTING", 25),
                (0.4, "DATA_RECEIVED", 100),
            )
        ),
        stop_requests=(StopRequest(15.02, "stop", "timed out (--stop-on-timeout)"),),
        events=(
            event(level="INFO", t=WAIT_BEGAN),
            event(level="INFO", t=WAIT_BEGAN + 1),
            event(level="INFO", t=WAIT_BEGAN - 400 * 86400),
        ),
    )
    return replace(make_outcome(master), waited=15.03, timeout=15.0)


def test_the_timeline_and_the_events_share_one_axis_to_the_deadline_with_the_stop() -> None:
    page = lxml_html.document_fromstring(render_html(_hang_outcome()))
    [steps] = page.xpath("//svg[contains(@class,'chart-steps')]")
    [bars] = page.xpath("//svg[contains(@class,'chart-bars')]")

    def ticks(svg: lxml_html.HtmlElement) -> list[tuple[str, str]]:
        return [(t.get("x"), t.text) for t in svg.xpath(".//text[@class='tick x']")]

    assert ticks(steps) == ticks(bars)  # one time axis, tick for tick
    assert [text for _, text in ticks(steps)] == ["0s", "2s", "4s", "6s", "8s", "10s", "12s", "14s"]
    title = "run time (0s = 2026-01-02T03:04:05Z, its first known moment)"
    for svg in (steps, bars):
        assert [t.text for t in svg.xpath(".//text[@class='axis-title x']")] == [title]
    assert steps.xpath(".//text[@class='axis-title y']")[0].text == "progress code"
    assert bars.xpath(".//text[@class='axis-title y']")[0].text == "events"
    labels = [t.text for t in steps.xpath(".//text[starts-with(@class,'mark-label')]")]
    assert labels == [
        "deadline (--timeout 15s)",
        "stop sent: timed out (--stop-on-timeout)",
    ]
    # the last status is held to the wait's end, not left at 0.4 s
    assert steps.xpath(".//path")[0].get("d").endswith("H608.0")
    assert "1 event dated more than" in page.text_content()


def test_the_summary_names_only_the_charts_report_html_has() -> None:
    plain = render_markdown(make_outcome(master_outcome("passed")))
    assert "the status timeline and events over time, on one page" in plain
    trend = Trend(1, (TrendPoint("3", 1.8e9, "pass", 1000.0, 420.0, 0.2, 1100.0, this_run=True),))
    both = render_markdown(make_outcome(_hostile_master(), master_outcome("passed", trend=trend)))
    assert "the status timeline, events over time, the baseline and the trend" in both


def test_the_kpi_charts_come_from_the_outcome_with_the_criterion_drawn() -> None:
    """An outcome built by hand as the live loop fills it (issue 31 item 5)."""
    page = _page(live_breach_master())
    charts = page.xpath("//svg[contains(@class,'chart-kpi')]")
    assert len(charts) == 8  # four for ALL, four for Checkout
    assert len(page.xpath("//svg[contains(@class,'chart-kpi')]//line[@class='threshold']")) == 2
    [line] = page.xpath(
        "//svg[title='Average response time of Checkout']//line[@class='threshold']"
    )
    assert line.xpath("./title")[0].text == "avg-rt of Checkout>1500ms for 30s, stop as failed"
    assert len(page.xpath("//rect[@class='window']")) == 1
    # the errors criterion (not breached) has its line on the errors chart of ALL, no band
    [errors] = page.xpath("//svg[title='Errors of ALL']//line[@class='threshold']")
    assert errors.xpath("./title")[0].text == "fail>5% within 1m, continue"
    # the criteria as summary.md lists them, above the charts
    rows = page.xpath("//table[@class='live']/tbody/tr")
    cells = [[td.text_content() for td in row.xpath("./td")] for row in rows]
    assert [row.get("class") for row in rows] == ["breached", None]
    assert cells[0][0] == "avg-rt of Checkout>1500ms for 30s, stop as failed"
    assert cells[0][1:3] == ["breached", "2,180 ms"] and cells[0][4] == "stopped the run"
    assert cells[1][1] == "ok" and cells[1][4] == "none"
    assert "Stopped early: stopped after 1m40s of a planned 31m00s" in page.text_content()
    text = render_markdown(make_outcome(live_breach_master()))
    assert "events over time and the run's KPIs over its own time, on one page" in text


def test_the_style_sheet_keeps_every_chart_colour() -> None:
    """A rule of the style sheet wins over a fill attribute: the rule that applies to a
    coloured shape must give it the same colour (the legend's keys turned grey once;
    text keeps its greys)."""
    page = _page(_hostile_master(), live_breach_master())
    style = page.xpath("//style")[0].text
    rules = []
    for order, (selectors, body) in enumerate(re.findall(r"([^{}]+)\{([^}]*)\}", style)):
        fill = re.search(r"(?:^|;)\s*fill:([^;]+)", body)
        if fill:
            for selector in selectors.split(","):
                if selector.strip().startswith("svg "):
                    classes = set(re.findall(r"\.([\w-]+)", selector))
                    tag = re.match(r"svg (\w*)", selector.strip())
                    rules.append(
                        (len(classes), order, classes, tag.group(1) if tag else "", fill.group(1))
                    )
    coloured = [el for el in page.xpath("//svg//*[@fill and @class]") if el.tag != "text"]
    assert coloured
    for shape in coloured:
        classes = set(shape.get("class").split())
        applying = sorted(
            rule for rule in rules if rule[2] <= classes and rule[3] in ("", shape.tag)
        )
        if applying:
            assert applying[-1][4] == shape.get("fill"), (shape.tag, shape.get("class"))
