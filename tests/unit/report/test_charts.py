"""The one-line sparklines of summary.md and the SVG charts of report.html (pure strings)."""

from __future__ import annotations

import math
import re

import pytest
from lxml import etree

from ci_gate.report.sparkline import BARS, GAP, sparkline
from ci_gate.report.svg import (
    TimeSpan,
    kpi_chart,
    line_chart,
    paired_bars,
    stacked_bars,
    step_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], BARS),
        ([980.0, 1350.0], "▁█"),
        ([5.0, 5.0, 5.0], "▄▄▄"),  # all equal: the middle, not the floor
        ([42.0], "▄"),  # one value
        ([1.0, None, 3.0], f"▁{GAP}█"),  # a run without data is a gap, never a zero
        ([None, None], GAP * 2),
        ([1.0, math.nan, math.inf, 2.0], f"▁{GAP}{GAP}█"),
        ([], ""),
    ],
)
def test_sparkline(values: list[float | None], expected: str) -> None:
    assert sparkline(values) == expected


def _parse(svg: str) -> etree._Element:
    """The chart as an XML parser reads it: one root <svg>, well-formed."""
    root = etree.fromstring(svg.encode())
    assert root.tag == f"{SVG}svg"
    return root


def _texts(root: etree._Element, cls: str) -> list[str]:
    return [el.text or "" for el in root.iter(f"{SVG}text") if el.get("class") == cls]


SPAN = TimeSpan(0.0, 20.0, "time since the wait began")


def test_a_line_chart_has_axes_points_and_the_highlighted_run() -> None:
    root = _parse(
        line_chart("p90", ["a", "b", "c"], [980.0, 1010.0, 1350.0], unit="ms", highlight=2)
    )
    assert root.get("class") == "chart chart-line"
    assert root.find(f"{SVG}title").text == "p90"
    assert _texts(root, "tick y") == ["0", "500", "1k", "1.5k"]
    assert _texts(root, "axis-title y") == ["p90 (ms)"]
    assert _texts(root, "axis-title x") == ["run, oldest first"]
    points = [el for el in root.iter(f"{SVG}circle")]
    assert [p.get("class") for p in points] == ["point", "point", "point this-run"]
    assert [p.find(f"{SVG}title").text for p in points][-1] == "c: 1.35k ms"
    assert len(list(root.iter(f"{SVG}polyline"))) == 1
    # the x labels are the run ids under the axis
    assert _texts(root, "tick x") == ["a", "b", "c"]


def test_a_gap_breaks_the_line_and_is_labelled_no_data() -> None:
    root = _parse(line_chart("avg", ["a", "b", "c", "d", "e"], [1.0, 2.0, None, 3.0, 4.0]))
    assert len(list(root.iter(f"{SVG}polyline"))) == 2
    assert _texts(root, "gap") == ["no data"]
    assert len(list(root.iter(f"{SVG}circle"))) == 4


def test_empty_series_and_one_point_are_charts_not_errors() -> None:
    empty = _parse(line_chart("p90", ["a", "b"], [None, None]))
    assert empty.get("class") == "chart chart-line"
    assert _texts(empty, "empty") == ["no data"]
    one = _parse(line_chart("p90", ["a"], [5.0], highlight=0))
    [point] = one.iter(f"{SVG}circle")
    assert point.get("class") == "point this-run"
    assert not list(one.iter(f"{SVG}polyline"))  # one point: nothing to join
    for chart in (
        step_chart("s", []),
        stacked_bars("e", SPAN, 1.0, [], ["INFO"]),
        stacked_bars("e", SPAN, 1.0, [(0.0, {})], ["INFO"]),
        kpi_chart("k", [], span=SPAN, y_title="ms"),
        kpi_chart("k", [(0.0, None), (1.0, math.nan)], span=SPAN, y_title="ms"),
        paired_bars("b", []),
        paired_bars("b", [("x", None, None, False)]),
    ):
        assert _texts(_parse(chart), "empty"), chart


@pytest.mark.parametrize("huge", [1e15, 1e300, 1.7e308, 2**1023 * 1.9])
def test_huge_values_keep_every_coordinate_finite(huge: float) -> None:
    charts = [
        line_chart("p90", ["a", "b"], [1.0, huge], unit="ms"),
        paired_bars("p90", [("x", huge, 1.0, True)], unit="ms"),
        stacked_bars("e", SPAN, 1.0, [(0.0, {"INFO": 10**18})], ["INFO"]),
        kpi_chart(
            "avg",
            [(0.0, 1.0), (1.0, huge), (huge, 2.0)],
            span=TimeSpan(0.0, huge, "run"),
            y_title="ms",
            thresholds=[(huge, "limit")],
            windows=[(0.0, huge, "breach")],
        ),
        step_chart("t", [(0.0, 5, "CREATE"), (huge, huge, "ENDED")], marks=[(huge, "stop", "x")]),
    ]
    for chart in charts:
        root = _parse(chart)
        for el in root.iter():
            for name in ("x", "y", "cx", "cy", "width", "height", "x1", "x2", "y1", "y2"):
                if el.get(name) is not None:
                    assert math.isfinite(float(el.get(name))), (name, el.get(name), chart[:200])
            for pair in (el.get("points") or "").split():
                assert all(math.isfinite(float(v)) for v in pair.split(","))
        assert not re.search(r"(?<![a-z])(inf|nan)(?![a-z])", chart.lower()), chart


def test_step_chart_holds_each_status_until_the_next() -> None:
    root = _parse(
        step_chart("timeline", [(0, 5, "CREATE"), (2, 100, "DATA_RECEIVED"), (4, 140, "ENDED")])
    )
    [path] = root.iter(f"{SVG}path")
    assert path.get("d").count("H") == 3 and path.get("d").count("V") == 2
    titles = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")]
    assert titles == ["CREATE (5) at 0s", "DATA_RECEIVED (100) at 2s", "ENDED (140) at 4s"]
    assert _texts(root, "tick y") == ["0", "20", "40", "60", "80", "100", "120", "140"]
    assert _texts(root, "axis-title y") == ["progress code"]


def test_stacked_bars_mark_the_offending_levels_and_list_them_in_the_legend() -> None:
    root = _parse(
        stacked_bars(
            "events",
            SPAN,
            10.0,
            [(0.0, {"INFO": 3, "ERROR": 1}), (10.0, {"WARNING": 2})],
            ["INFO", "WARNING", "ERROR"],
            frozenset({"ERROR"}),
        )
    )
    bars = [r for r in root.iter(f"{SVG}rect") if "bar" in (r.get("class") or "")]
    assert [(r.get("class"), r.find(f"{SVG}title").text) for r in bars] == [
        ("bar", "0s to 10s: 3 INFO"),
        ("bar offending", "0s to 10s: 1 ERROR"),
        ("bar", "10s to 20s: 2 WARNING"),
    ]
    assert _texts(root, "tick y") == ["0", "1", "2", "3", "4"]  # counts: whole ticks only
    assert _texts(root, "axis-title y") == ["events"]
    assert _texts(root, "tick x") == ["0s", "5s", "10s", "15s", "20s"]
    assert [t for t in _texts(root, "legend") if t.startswith(("INFO", "WARN", "ERR"))] == [
        "INFO",
        "WARNING",
        "ERROR ⚠",
    ]


def test_paired_bars_mark_regressions_and_cut_long_labels_keeping_the_whole_as_a_title() -> None:
    label = "checkout-" + "x" * 5000
    root = _parse(paired_bars("p90", [(label, 100.0, 150.0, True), ("home", 10.0, None, False)]))
    rects = [r.get("class") for r in root.iter(f"{SVG}rect")]
    assert rects == ["bar base", "bar now regression", "bar base"]
    [first, _] = [t for t in root.iter(f"{SVG}text") if t.get("class") == "label"]
    assert len(first.text) <= 30 and first.text.endswith("▲")
    title = first.find(f"{SVG}title").text
    assert title.endswith("…") and label.startswith(title[:-1]) and len(title) > len(first.text)
    assert _texts(root, "gap") == ["no data"]


def test_the_charts_keep_their_colours_without_the_style_sheet() -> None:
    """Jenkins serves archived HTML under a policy that drops inline <style>: lines must not
    fall back to a black fill, bars and points must keep their colours."""
    charts = [
        line_chart("p90", ["a", "b", "c"], [1.0, 2.0, 3.0], highlight=2),
        step_chart("t", [(0, 5, "CREATE"), (1, 140, "ENDED")]),
        stacked_bars(
            "e",
            SPAN,
            1.0,
            [(0.0, {"INFO": 1, "ERROR": 1})],
            ["INFO", "ERROR"],
            frozenset({"ERROR"}),
        ),
        paired_bars("b", [("x", 1.0, 2.0, True), ("y", 1.0, 1.0, False)]),
    ]
    for chart in charts:
        root = _parse(chart)
        for el in root.iter(f"{SVG}polyline", f"{SVG}path"):
            assert (el.get("fill"), el.get("stroke")) == ("none", "#2563eb")
        for el in root.iter(f"{SVG}rect", f"{SVG}circle", f"{SVG}text"):
            assert el.get("fill", "").startswith("#"), etree.tostring(el)
    [this_run] = [c for c in _parse(charts[0]).iter(f"{SVG}circle") if "this-run" in c.get("class")]
    assert this_run.get("fill") == "#d97706"
    bars = {r.get("class"): r.get("fill") for r in _parse(charts[3]).iter(f"{SVG}rect")}
    assert bars == {"bar base": "#9aa5b1", "bar now regression": "#c62828", "bar now": "#2563eb"}


# -- issue 29 item 3: a value a chart cannot place is marked, never raised -----------------


def test_what_cannot_be_placed_is_a_gap_marked_out_of_range_and_none_is_no_data() -> None:
    values = [1.0, 10**400, None, -1.7e308, math.nan, 2.0]
    root = _parse(line_chart("p90", list("abcdef"), values))
    assert _texts(root, "gap") == ["out of range", "no data", "out of range", "out of range"]
    assert len(list(root.iter(f"{SVG}circle"))) == 2
    assert sparkline(values) == f"▁{GAP}{GAP}{GAP}{GAP}█"
    bars = _parse(paired_bars("p90", [("x", 10**400, None, True)]))
    assert _texts(bars, "empty") == ["no data"]  # nothing to draw at all: said once


def test_a_progress_beyond_the_axis_is_drawn_at_its_end_with_the_value_as_sent() -> None:
    root = _parse(step_chart("t", [(0, 5, "CREATE"), (1, 10**400, "ENDED"), (2, -3, "X")]))
    circles = list(root.iter(f"{SVG}circle"))
    titles = [c.find(f"{SVG}title").text for c in circles]
    assert titles[1] == "ENDED (1.000e+400 (out of range)) at 1s"
    assert titles[2] == "X (-3) at 2s"
    tops = [float(c.get("cy")) for c in circles]
    axis = [float(line.get("y1")) for line in root.iter(f"{SVG}line")]
    assert tops[1] == min(axis) and tops[2] == max(axis)  # at the ends of the axis


def test_the_timeline_holds_the_last_status_to_the_wait_s_end_and_marks_the_stop() -> None:
    """The hang demo: statuses in the first 0.4 s, the wait to its 15 s deadline, and the
    stop request sent there (issue 32 item 8)."""
    root = _parse(
        step_chart(
            "timeline",
            [(0.0, 5, "CREATE"), (0.2, 25, "BOOT_STARTING"), (0.4, 100, "DATA_RECEIVED")],
            span=TimeSpan(0.0, 15.1, "time since the wait began"),
            marks=[(15.0, "deadline", "deadline"), (15.05, "stop", "stop sent: timed out")],
        )
    )
    [path] = root.iter(f"{SVG}path")
    assert path.get("d").endswith("H608.0")  # held to the right end of the plot
    assert _texts(root, "tick x") == ["0s", "2s", "4s", "6s", "8s", "10s", "12s", "14s"]
    assert _texts(root, "mark-label stop") == ["stop sent: timed out"]
    assert _texts(root, "mark-label deadline") == ["deadline"]
    stop = [el for el in root.iter(f"{SVG}line") if el.get("class") == "mark stop"]
    assert len(stop) == 1 and float(stop[0].get("x1")) > 600
    assert _texts(root, "axis-title x") == ["time since the wait began"]


def test_a_kpi_chart_draws_the_threshold_and_shades_the_breach_window() -> None:
    series: list[tuple[float, float | None]] = [
        (float(t), 900.0 if t < 70 else 2100.0) for t in range(120)
    ]
    series[30] = (30.0, None)  # a second without data breaks the line
    root = _parse(
        kpi_chart(
            "avg-rt of Checkout",
            series,
            span=TimeSpan(0.0, 120.0, "run time (s since its first second)"),
            y_title="avg response time (ms)",
            thresholds=[(1500.0, "avg-rt of Checkout>1500ms for 30s")],
            windows=[(70.0, 99.0, "breached 70s to 99s")],
        )
    )
    assert root.get("class") == "chart chart-kpi"
    assert len(list(root.iter(f"{SVG}polyline"))) == 2
    [threshold] = [el for el in root.iter(f"{SVG}line") if el.get("class") == "threshold"]
    ticks = dict(
        zip(
            _texts(root, "tick y"),
            [el for el in root.iter(f"{SVG}text") if el.get("class") == "tick y"],
            strict=True,
        )
    )
    assert _texts(root, "tick y") == ["0", "500", "1k", "1.5k", "2k", "2.5k"]
    assert float(threshold.get("y1")) == pytest.approx(float(ticks["1.5k"].get("y")) - 4, abs=0.2)
    [window] = [el for el in root.iter(f"{SVG}rect") if el.get("class") == "window"]
    assert window.find(f"{SVG}title").text == "breached 70s to 99s"
    assert 0 < float(window.get("width")) < 560 / 3
    assert _texts(root, "threshold-label") == ["avg-rt of Checkout>1500ms for 30s"]
    assert _texts(root, "axis-title y") == ["avg response time (ms)"]
    assert _texts(root, "tick x")[:3] == ["0s", "20s", "40s"]


def test_a_threshold_far_above_the_line_is_still_on_the_chart() -> None:
    root = _parse(
        kpi_chart(
            "errors",
            [(0.0, 0.5), (1.0, 0.7)],
            span=TimeSpan(0.0, 1.0, "run"),
            y_title="errors (%)",
            thresholds=[(5.0, "fail>5%")],
        )
    )
    assert _texts(root, "tick y")[-1] == "5"
    [threshold] = [el for el in root.iter(f"{SVG}line") if el.get("class") == "threshold"]
    assert float(threshold.get("y1")) >= 26  # inside the plot
