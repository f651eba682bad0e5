"""report.html in a real browser (Debian's Chromium through Selenium), from the reports the
real `ci-gate` process wrote: no console error, no request but the file itself, the verdict
on screen, the charts there, a picture that is not blank, server text never markup."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from ci_gate.report.html import render_html
from tests.support.browser import SHOT_HEIGHT, SHOT_WIDTH, Page, chromium, open_page
from tests.support.helpers import (
    OWN_HTML_TAGS,
    make_outcome,
    run_gate,
    simulator,
    wait_args,
    write_scenario,
)
from tests.support.kpi_outcome import live_breach_master


@pytest.fixture(scope="module")
def browser() -> Any:
    with chromium() as driver:
        yield driver


def _demo(tmp_path: Path, scenario: str) -> Path:
    report = tmp_path / scenario
    run = run_gate(["demo", "--scenario", scenario, "--report-dir", scenario], report)
    assert run.code in (0, 1), run.stderr
    return report / "report.html"


def _check_page(page: Page, shot: Path, verdict: str, charts: int) -> None:
    driver = page.driver
    heading = driver.find_element("css selector", "h1#verdict")
    assert heading.is_displayed() and heading.text == f"ci-gate: {verdict}"
    assert len(driver.find_elements("css selector", "svg.chart")) == charts
    assert page.console_errors() == []  # a CSP violation or a failed load would be here
    assert page.requests() == [page.url]  # nothing but the file itself was asked for
    width, height, colours = page.screenshot(shot)
    assert (width, height) == (SHOT_WIDTH, SHOT_HEIGHT)
    assert colours > 50, f"{shot}: {colours} colours, a blank page?"


#: Every chart's text boxes as Chromium lays them out (run by the driver: the page has no
#: script and needs none).
_CHART_BOXES = """
const box = e => {
  const r = e.getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom, e.textContent];
};
return Array.from(document.querySelectorAll('svg.chart'), svg => ({
  kind: svg.getAttribute('class'),
  svg: box(svg),
  x: Array.from(svg.querySelectorAll('text.tick.x'), box),
  y: Array.from(svg.querySelectorAll('text.tick.y'), box),
  titles: Array.from(svg.querySelectorAll('text.axis-title'), box),
  marks: Array.from(svg.querySelectorAll('text.mark-label'), box),
  empty: svg.querySelectorAll('text.empty').length,
}));
"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _assert_legible_charts(driver: Any) -> list[dict[str, Any]]:
    """Measured in the browser: every chart with data has both axes titled, its tick
    labels legible, inside the chart and never overlapping one another or a title, and
    its marks' words apart (issue 32 item 8: `+57m59s3s36s` was three labels on top of
    each other)."""
    charts: list[dict[str, Any]] = driver.execute_script(_CHART_BOXES)
    assert charts
    for chart in charts:
        if chart["empty"]:
            continue
        where = f"{chart['kind']}: "
        left, top, right, bottom, _ = chart["svg"]
        if "chart-pairs" not in chart["kind"]:
            titles = [t[4] for t in chart["titles"]]
            assert len(titles) == 2 and all(t.strip() for t in titles), where + str(titles)
            assert chart["x"] and chart["y"], where + "no ticks"
        labels = chart["x"] + chart["y"] + chart["titles"]
        for label in labels:
            assert label[3] - label[1] >= 10, where + f"{label[4]!r} is {label[3] - label[1]} px"
            assert left - 1 <= label[0] and label[2] <= right + 1, where + f"{label[4]!r} outside"
            assert top - 1 <= label[1] and label[3] <= bottom + 1, where + f"{label[4]!r} outside"
        for group in (chart["x"], chart["y"], chart["marks"], chart["x"] + chart["titles"]):
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    assert not _overlap(a, b), where + f"{a[4]!r} overlaps {b[4]!r}"
    return charts


def _keep(*shots: Path) -> None:
    """With CI_GATE_SCREENSHOT_DIR set, keep the pictures (the README's come from here)."""
    folder = os.environ.get("CI_GATE_SCREENSHOT_DIR")
    if folder:
        for shot in shots:
            shutil.copy(shot, Path(folder) / shot.name)


def test_the_failing_demo_reads_at_a_glance(browser: Any, tmp_path: Path) -> None:
    page = open_page(browser, _demo(tmp_path, "error"))
    # the timeline, the events, and ALL's four KPI charts (read after the end)
    _check_page(page, tmp_path / "report-error.png", "failed", charts=6)
    events = browser.find_element("css selector", "table.events")
    assert "java.lang.OutOfMemoryError" in events.text
    offending = browser.find_elements("css selector", "svg.chart-bars rect.bar.offending")
    assert len(offending) == 1
    _assert_legible_charts(browser)
    _keep(tmp_path / "report-error.png")


def test_the_trend_demo_shows_baseline_and_trend_charts(browser: Any, tmp_path: Path) -> None:
    page = open_page(browser, _demo(tmp_path, "trend"))
    _check_page(page, tmp_path / "report-trend.png", "passed", charts=11)
    lines = browser.find_elements("css selector", "svg.chart-line")
    assert len(lines) == 4
    for chart in lines:  # this run stands out on every trend chart, the no-data run is a gap
        assert len(chart.find_elements("css selector", "circle.this-run")) == 1
        assert len(chart.find_elements("css selector", "text.gap")) == 1
    assert len(browser.find_elements("css selector", "svg.chart-pairs rect.bar")) == 8
    _assert_legible_charts(browser)
    dates = browser.execute_script(_CELL_LINES, "table.trend td:first-child")
    assert len(dates) == 9 and all(lines == 1 for _, lines, _ in dates), (
        dates
    )  # never "2026-11-/28T…"
    width, height, colours = page.screenshot(
        tmp_path / "report-trend-charts.png", scroll_to="h3.trend"
    )
    assert (width, height) == (SHOT_WIDTH, SHOT_HEIGHT) and colours > 50
    _keep(tmp_path / "report-trend.png", tmp_path / "report-trend-charts.png")


HOSTILE_EVENTS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    '"><svg onload=alert(3)><iframe src="https://evil.test/">',
    "עברית \u202eRTL override and العربية",
]
LONG_LABEL = "checkout/" + "x" * 4991


def test_hostile_server_text_renders_as_text(browser: Any, tmp_path: Path) -> None:
    report = {
        "test_id": 7,
        "aggregate": [
            {"labelName": LONG_LABEL, "samples": 500, "90line": 900},
            {"labelName": HOSTILE_EVENTS[0], "samples": 500, "90line": 900},
            {"labelName": HOSTILE_EVENTS[3], "samples": 500, "90line": 900},
        ],
    }
    steps = [
        {"status": "DATA_RECEIVED", "events": [{"level": "ERROR", "message": m}]}
        for m in HOSTILE_EVENTS
    ]
    path = write_scenario(
        tmp_path,
        {
            "1": {"steps": [{"status": "ENDED"}], "report": {**report, "created": 1}},
            "2": {
                "steps": [*steps, {"status": "ENDED"}],
                "report": {**report, "created": 2, "report_status": HOSTILE_EVENTS[1]},
            },
        },
    )
    folder = tmp_path / "r"
    with simulator(path) as sim:
        run = run_gate(wait_args(sim, folder, "--baseline", "1", masters=["2"]), folder)
    assert run.code == 5, run.stderr  # an unknown reportStatus under --criteria on: broken
    page = open_page(browser, folder / "report.html")
    tags = set(
        browser.execute_script(
            "return Array.from(document.querySelectorAll('*'), e => e.tagName.toLowerCase())"
        )
    )
    assert tags <= OWN_HTML_TAGS, tags - OWN_HTML_TAGS
    handlers = browser.execute_script(
        "return Array.from(document.querySelectorAll('*')).flatMap("
        "e => Array.from(e.attributes, a => a.name)).filter(n => n.startsWith('on'))"
    )
    assert handlers == []
    text = browser.find_element("css selector", "body").text
    for message in HOSTILE_EVENTS[:3]:
        assert message in text
    assert page.console_errors() == []
    assert page.requests() == [page.url]
    # the long label neither widens the page nor pushes the charts off it
    widths = browser.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert widths[0] <= widths[1]
    _, _, colours = page.screenshot(tmp_path / "hostile.png")
    assert colours > 50


def test_three_masters_one_hanging_overview_first_and_the_stop_on_its_timeline(
    browser: Any, tmp_path: Path
) -> None:
    """Three masters, one that never ends (as `demo --scenario hang`, with a 2 s
    deadline): the overview table comes first with one row per master, the hanging
    master's timeline runs to the deadline and shows the stop request sent there, and
    every chart's ticks are legible and apart (issue 32 item 8)."""
    path = write_scenario(
        tmp_path,
        {
            "1": {"steps": [{"status": "BOOT_STARTING"}, {"status": "ENDED"}]},
            "2": {
                "steps": [
                    {"status": "DATA_RECEIVED", "events": [{"level": "ERROR", "message": "OOM"}]},
                    {"status": "ENDED"},
                ]
            },
            "3": {"steps": [{"status": "CREATE"}, {"status": "DATA_RECEIVED"}]},
        },
    )
    folder = tmp_path / "r"
    with simulator(path) as sim:
        run = run_gate(wait_args(sim, folder, "--timeout", "2", "--stop-on-timeout"), folder)
    assert run.code == 3, run.stderr
    page = open_page(browser, folder / "report.html")
    assert page.console_errors() == [] and page.requests() == [page.url]
    sections = browser.find_elements("css selector", "main > section")
    assert sections[0].get_attribute("class") == "overview"
    rows = sections[0].find_elements("css selector", "tbody tr")
    assert [row.find_element("css selector", "td").text for row in rows] == ["2", "3", "1"]
    assert [row.find_elements("css selector", "td")[1].text for row in rows] == [
        "failed",
        "timeout",
        "passed",
    ]
    assert sections[0].rect["y"] < sections[1].rect["y"]  # on top, before every master
    why = rows[1].find_elements("css selector", "td")[5].text
    assert why == "master 3: timed out after 2s with status DATA_RECEIVED"
    hanging = browser.find_element("css selector", "#master-3 svg.chart-steps")
    [stop] = hanging.find_elements("css selector", "line.mark.stop")
    assert "stop sent: timed out (--stop-on-timeout)" in hanging.text
    assert "deadline (--timeout 2s)" in hanging.text
    ticks = hanging.find_elements("css selector", "text.tick.x")
    # the axis runs to the deadline: the stop is right of every tick but a last one near it
    assert stop.rect["x"] > ticks[-2].rect["x"]
    assert ticks[-1].text in ("2s", "2.0s", "1.5s")
    _assert_legible_charts(browser)
    _, _, colours = page.screenshot(tmp_path / "three.png", scroll_to="#master-3")
    assert colours > 50


def test_the_kpi_charts_read_in_chromium(browser: Any, tmp_path: Path) -> None:
    """The run's KPI charts of an outcome built as the live loop fills it (issue 31 item
    5): on screen, not blank, every axis titled, ticks legible and apart, the threshold
    and the breach window drawn where the criterion's label is."""
    path = tmp_path / "report.html"
    path.write_text(render_html(make_outcome(live_breach_master()), "kpi"), encoding="utf-8")
    page = open_page(browser, path)
    assert page.console_errors() == [] and page.requests() == [page.url]
    charts = [c for c in _assert_legible_charts(browser) if "chart-kpi" in c["kind"]]
    assert len(charts) == 8
    for chart in charts:
        assert chart["x"][0][4] == "0s"
        left, top, right, bottom, _ = chart["svg"]
        assert right - left > 300 and bottom - top > 100  # drawn at a readable size
    checkout = browser.find_element(
        "xpath",
        "//*[local-name()='svg'][*[local-name()='title']='Average response time of Checkout']",
    )
    window = checkout.find_element("css selector", "rect.window")
    threshold = checkout.find_element("css selector", "line.threshold")
    assert window.rect["width"] > 20 and threshold.rect["width"] > 300
    assert "avg-rt of Checkout>1500ms for 30s" in checkout.text
    width, height, colours = page.screenshot(tmp_path / "kpi.png", scroll_to="h3.kpis")
    assert (width, height) == (SHOT_WIDTH, SHOT_HEIGHT) and colours > 50
    _keep(tmp_path / "kpi.png")


#: Each cell's rendered lines: the line boxes of its text, by their bottoms (run by the
#: driver).
_CELL_LINES = """
return Array.from(document.querySelectorAll(arguments[0]), cell => {
  const tops = new Set();
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width > 0) tops.add(Math.round(r.bottom));
    }
  }
  return [cell.textContent, tops.size, cell.cellIndex];
});
"""


def _set_width(driver: Any, width: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": SHOT_HEIGHT, "deviceScaleFactor": 1, "mobile": False},
    )


def test_the_overview_keeps_words_whole_and_no_axis_starts_before_the_run(
    browser: Any, tmp_path: Path
) -> None:
    """`demo --scenario multi` at 1400 px (and the shots' 1200 px, and 800 px): the masters
    overview breaks no id, number or header inside a word ("5000000 / 3", "progres/s",
    "BlazeMet/er" before), scrolling in its own box if it must, never the page. `demo
    --scenario regression`: every time axis starts at the run's first moment, 0 s, never
    before it (-0.5 s before), and the master's time charts share one axis title."""
    page = open_page(browser, _demo(tmp_path, "multi"))
    assert page.console_errors() == [] and page.requests() == [page.url]
    try:
        for width in (1400, SHOT_WIDTH, 800):
            _set_width(browser, width)
            cells = browser.execute_script(_CELL_LINES, "table.overview th, table.overview td")
            whole = [(text, lines) for text, lines, column in cells if column != 5]
            assert len(whole) == 6 + 3 * 6, cells  # the header and three masters, but why
            assert [c for c in whole if c[1] != 1] == [], width
            widths = browser.execute_script(
                "return [document.documentElement.scrollWidth, window.innerWidth]"
            )
            assert widths[0] <= widths[1], width
    finally:
        _set_width(browser, SHOT_WIDTH)
    open_page(browser, _demo(tmp_path, "regression"))
    charts = _assert_legible_charts(browser)
    timed = [c for c in charts if not c["empty"] and "chart-line" not in c["kind"]]
    timed = [c for c in timed if "chart-pairs" not in c["kind"]]
    assert len(timed) >= 2  # the status timeline, the events or KPI charts
    for chart in timed:
        assert chart["x"][0][4] == "0s", chart["kind"]
        assert not any(label[4].startswith("-") for label in chart["x"]), chart["kind"]
    x_titles = {t[4] for chart in timed for t in chart["titles"] if t[4].startswith("run time")}
    assert len(x_titles) == 1, x_titles
