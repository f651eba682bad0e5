"""report.html's KPI charts (issue 31 item 5): the run's curves per label over its own
time, each live criterion's threshold on the chart of what it measures and each breach
window shaded, built from plain values."""

from __future__ import annotations

import math

import pytest
from lxml import html as lxml_html

from ci_gate.config.fail_on import parse_fail_on
from ci_gate.domain.live import KpiPoint
from ci_gate.domain.live_criteria import JudgeState, LiveJudgement
from ci_gate.report.kpi_charts import MAX_POINTS, kpi_section, placement

START = 1_796_000_000


def _points(seconds: int, slow_from: int | None = None) -> tuple[KpiPoint, ...]:
    return tuple(
        KpiPoint(
            ts=START + s,
            hits=50,
            errors=1 if s % 10 == 0 else 0,
            users=min(50, s + 1),
            avg_rt=2100.0 if slow_from is not None and s >= slow_from else 180.0,
            avg_lt=120.0,
            avg_bytes=21400.0,
        )
        for s in range(seconds)
    )


def _page(html: str) -> lxml_html.HtmlElement:
    return lxml_html.fragment_fromstring(html, create_parent="div")


def _charts(page: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    found: list[lxml_html.HtmlElement] = page.xpath(".//svg[contains(@class,'chart-kpi')]")
    return found


def test_all_and_each_named_label_get_the_four_charts_over_the_run_s_own_time() -> None:
    criterion = parse_fail_on("avg-rt of Checkout>1500ms for 30s", "--fail-on")
    breached = LiveJudgement(
        JudgeState.BREACHED, 2100.0, (START + 70, START + 99), START + 99, "live"
    )
    page = _page(
        kpi_section(
            {"ALL": _points(120), "Checkout": _points(120, slow_from=70)},
            [(criterion, breached)],
        )
    )
    charts = _charts(page)
    assert [c.xpath("./title")[0].text for c in charts] == [
        "Average response time of ALL",
        "Hits per second of ALL",
        "Errors of ALL",
        "Active users of ALL",
        "Average response time of Checkout",
        "Hits per second of Checkout",
        "Errors of Checkout",
        "Active users of Checkout",
    ]
    for chart in charts:  # titled axes, the run's own seconds from 0
        [x_title] = chart.xpath(".//text[@class='axis-title x']")
        assert x_title.text == "run time since its first second"
        assert chart.xpath(".//text[@class='axis-title y']")[0].text
        assert chart.xpath(".//text[@class='tick x']")[0].text == "0s"
    checkout_rt = charts[4]
    [line] = checkout_rt.xpath(".//line[@class='threshold']")
    assert line.xpath("./title")[0].text == "avg-rt of Checkout>1500ms for 30s"
    [window] = checkout_rt.xpath(".//rect[@class='window']")
    assert window.xpath("./title")[0].text == (
        "avg-rt of Checkout>1500ms for 30s: breached 1m10s to 1m40s"
    )
    # the threshold is on Checkout's chart only, never on ALL's
    assert not charts[0].xpath(".//line[@class='threshold']|.//rect[@class='window']")
    assert [t.text for t in charts[1].xpath(".//text[@class='tick y']")][:3] == ["0", "10", "20"]
    assert "from its first second of data (2026-11-30T00:53:20Z)" in page.text_content()


def test_without_criteria_all_alone_and_without_data_nothing() -> None:
    page = _page(kpi_section({"ALL": _points(30)}))
    assert len(_charts(page)) == 4
    assert not page.xpath(".//line[@class='threshold']")
    assert kpi_section({}) == "" and kpi_section({"ALL": ()}) == ""


@pytest.mark.parametrize(
    ("text", "chart", "threshold"),
    [
        ("avg-rt>1s for 30s", "avg_rt", 1000.0),
        ("p90>2s for 30s", "avg_rt", None),  # a cumulative percentile is not an average
        ("fail>5% within 2m", "errors", 5.0),
        ("succ<95% over 1m", "errors", 5.0),
        ("hits<10 for 30s", "hits", 10.0),
        ("hits<300 within 30s", "hits", None),  # a sum over 30 s, not a value per second
        ("fail>3 for 10s", "errors", None),
        ("concurrency>40 for 10s", "users", 40.0),
        ("avg-lt>1s for 10s", "avg_lt", 1000.0),
        ("bytes>1MB for 10s", "bytes", 1_000_000.0),
    ],
)
def test_each_subject_is_drawn_on_the_chart_of_what_it_measures(
    text: str, chart: str, threshold: float | None
) -> None:
    key, value = placement(parse_fail_on(text, "--fail-on"))
    assert key == chart
    assert value == pytest.approx(threshold) if threshold is not None else value is None


def test_a_threshold_not_drawn_is_said_and_its_window_still_shaded() -> None:
    criterion = parse_fail_on("p90 of Checkout>2s for 30s", "--fail-on")
    breached = LiveJudgement(JudgeState.BREACHED, 2500.0, (START + 40, START + 70))
    latency = parse_fail_on("avg-lt of Checkout>1s for 10s", "--fail-on")
    page = _page(
        kpi_section(
            {"ALL": _points(90), "checkout/": _points(90)},  # matched as the judge matches
            [(criterion, breached), (latency, LiveJudgement(JudgeState.OK))],
        )
    )
    charts = _charts(page)
    titles = [c.xpath("./title")[0].text for c in charts]
    assert "Average latency of checkout/" in titles  # an extra chart for what it judges
    rt = charts[titles.index("Average response time of checkout/")]
    assert rt.xpath(".//rect[@class='window']") and not rt.xpath(".//line[@class='threshold']")
    assert "Threshold not drawn" in page.text_content()
    assert "p90 of Checkout>2s for 30s" in page.text_content()


def test_an_hour_is_drawn_in_at_most_one_point_per_pixel_and_hostile_numbers_are_gaps() -> None:
    hour = list(_points(3600))
    hour[5] = KpiPoint(START + 5, 10**400, 1, 10**400, math.nan, None, None)
    hour[6] = KpiPoint(10**400, 1, 1, 1, 1.0, None, None)  # a second that names no time
    page = _page(kpi_section({"ALL": tuple(hour)}))
    for chart in _charts(page):
        points = sum(len(p.get("points").split()) for p in chart.xpath(".//polyline"))
        assert 0 < points <= MAX_POINTS
        for element in chart.iter():
            for name in ("x", "y", "width", "height", "x1", "x2", "y1", "y2", "cx", "cy"):
                if element.get(name) is not None:
                    assert math.isfinite(float(element.get(name)))


def test_label_text_is_escaped() -> None:
    page = _page(kpi_section({"ALL": _points(5), "<script>x</script>": _points(5)}))
    assert not page.xpath(".//script")
    assert "<script>x</script>" in page.text_content()


def test_a_window_that_names_no_time_is_not_shaded_and_never_raises() -> None:
    criterion = parse_fail_on("avg-rt>1500ms for 30s", "--fail-on")
    for window in ((10**400, START + 5), (START, -(10**400))):
        judgement = LiveJudgement(JudgeState.BREACHED, 2000.0, window)
        page = _page(kpi_section({"ALL": _points(10)}, [(criterion, judgement)]))
        assert not page.xpath(".//rect[@class='window']")
        assert page.xpath(".//line[@class='threshold']")


def test_no_line_is_drawn_across_seconds_without_data() -> None:
    """A stall (no points for seconds 20-49, issue 31 attack item 3): each chart's line
    breaks there instead of joining second 19 to second 50 as if the run went on."""
    stalled = tuple(point for point in _points(60) if not 20 <= point.ts - START < 50)
    for chart in _charts(_page(kpi_section({"ALL": stalled}))):
        lines = chart.xpath(".//polyline")
        assert len(lines) == 2, chart.get("aria-label")
        ends = [[float(xy.split(",")[0]) for xy in line.get("points").split()] for line in lines]
        assert max(ends[0]) < min(ends[1])
        assert len(ends[0]) == 20 and len(ends[1]) == 10
