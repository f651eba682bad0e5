"""report.html in a real browser (Debian's Chromium through Selenium), from the reports the
real `ci-gate` process wrote: no console error, no request but the file itself, the verdict
on screen, the charts there, a picture that is not blank, server text never markup."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import SHOT_HEIGHT, SHOT_WIDTH, Page, chromium, open_page
from tests.support.helpers import OWN_HTML_TAGS, run_gate, simulator, wait_args, write_scenario


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


def _keep(*shots: Path) -> None:
    """With CI_GATE_SCREENSHOT_DIR set, keep the pictures (the README's come from here)."""
    folder = os.environ.get("CI_GATE_SCREENSHOT_DIR")
    if folder:
        for shot in shots:
            shutil.copy(shot, Path(folder) / shot.name)


def test_the_failing_demo_reads_at_a_glance(browser: Any, tmp_path: Path) -> None:
    page = open_page(browser, _demo(tmp_path, "error"))
    _check_page(page, tmp_path / "report-error.png", "failed", charts=2)
    events = browser.find_element("css selector", "table.events")
    assert "java.lang.OutOfMemoryError" in events.text
    offending = browser.find_elements("css selector", "svg.chart-bars rect.bar.offending")
    assert len(offending) == 1
    _keep(tmp_path / "report-error.png")


def test_the_trend_demo_shows_baseline_and_trend_charts(browser: Any, tmp_path: Path) -> None:
    page = open_page(browser, _demo(tmp_path, "trend"))
    _check_page(page, tmp_path / "report-trend.png", "passed", charts=7)
    lines = browser.find_elements("css selector", "svg.chart-line")
    assert len(lines) == 4
    for chart in lines:  # this run stands out on every trend chart, the no-data run is a gap
        assert len(chart.find_elements("css selector", "circle.this-run")) == 1
        assert len(chart.find_elements("css selector", "text.gap")) == 1
    assert len(browser.find_elements("css selector", "svg.chart-pairs rect.bar")) == 8
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
