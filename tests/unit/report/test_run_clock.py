"""One time axis per master in report.html (issue 32 item 8, issue 31 item 5): the status
timeline, the events and the KPI charts all on the run's own clock, every moment placed by
its UTC time, 0 s the run's first known moment, the axis to the wait's end and deadline.
The reviewer's repro: a run started an hour before the wait (the README's start-then-wait)
had every status step on one line at 0 s while its events spread over -1h..0."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from ci_gate.domain.live import KpiPoint
from ci_gate.domain.outcome import StatusChange, StopRequest
from ci_gate.report.html import render_html
from ci_gate.report.run_clock import REACH_BEFORE, run_clock, status_times
from tests.support.helpers import event, make_outcome, master_outcome

WAIT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)  # make_outcome's wait start
BEGAN = int(WAIT.timestamp())
HOUR = 3600


def _started_an_hour_before() -> object:
    """A run started an hour before the wait: BlazeMeter's status events and its KPI
    seconds from -1h, the gate seeing DATA_RECEIVED at once and ENDED 20 s later."""
    events = (
        event("INFO", "Status changed to CREATE (5)", t=BEGAN - HOUR),
        event("INFO", "Status changed to DATA_RECEIVED (100)", t=BEGAN - HOUR + 60),
        event("ERROR", "engine 1 died", t=BEGAN - 1800),
        event("INFO", "Status changed to ENDED (140)", t=BEGAN + 19),
    )
    kpis = tuple(
        KpiPoint(BEGAN - HOUR + 60 + s, 50, 0, 10, 200.0, None, None) for s in range(HOUR - 60)
    )
    master = master_outcome(
        "failed",
        offending=(events[2],),
        events=events,
        timeline=(
            StatusChange(WAIT + timedelta(seconds=0.1), 0.1, "DATA_RECEIVED", 100),
            StatusChange(WAIT + timedelta(seconds=20), 20.0, "ENDED", 140),
        ),
        kpi_timeline={"ALL": kpis},
    )
    return replace(make_outcome(master), waited=20.5)


def _x(svg: lxml_html.HtmlElement) -> tuple[list[str], list[str]]:
    ticks = [t.text for t in svg.xpath(".//text[@class='tick x']")]
    titles = [t.text for t in svg.xpath(".//text[@class='axis-title x']")]
    return ticks, titles


def test_a_run_started_before_the_wait_has_one_axis_from_its_first_moment() -> None:
    outcome = _started_an_hour_before()
    page = lxml_html.document_fromstring(render_html(outcome))  # type: ignore[arg-type]
    [steps] = page.xpath("//svg[contains(@class,'chart-steps')]")
    [bars] = page.xpath("//svg[contains(@class,'chart-bars')]")
    kpis = page.xpath("//svg[contains(@class,'chart-kpi')]")
    title = "run time (0s = 2026-01-02T02:04:05Z, its first known moment)"
    for svg in (steps, bars, *kpis):
        ticks, titles = _x(svg)
        assert titles == [title]
        assert ticks[0] == "0s" and not any(t.startswith("-") for t in ticks)
    assert _x(steps) == _x(bars)  # same width, the same ticks
    # the statuses are where BlazeMeter dated them, not stacked at the wait's start
    points = [float(c.get("cx")) for c in steps.xpath(".//circle[@class='point']")]
    assert len(points) == 2 and points[1] - points[0] > 400  # 1h apart on a 544 px plot
    # the KPI line starts a minute in, not at 0 s of its own clock
    kpi_line = kpis[0].xpath(".//polyline")[0].get("points").split()
    assert 64 + 2 < float(kpi_line[0].split(",")[0]) < 64 + 20


def test_a_status_without_blazemeter_s_time_is_placed_when_the_gate_saw_it() -> None:
    master = master_outcome(
        "timeout",
        timeline=(StatusChange(WAIT + timedelta(seconds=3), 3.0, "BOOT_STARTING", 25),),
        events=(event("INFO", "Status changed to CREATE (5)", t=BEGAN),),
        stop_requests=(StopRequest(10.0, "stop", "timed out"),),
    )
    outcome = replace(make_outcome(master), waited=10.2, timeout=10.0)
    clock = run_clock(master, outcome)
    [(moment, _, status)] = status_times(master)
    assert (status, clock.place(moment)) == ("BOOT_STARTING", 3.0)
    assert clock.span.low == 0.0 and clock.span.high == pytest.approx(10.2)


moments = st.integers(BEGAN - 2 * 86400, BEGAN + 600)


@settings(max_examples=100, deadline=None)
@given(
    events=st.lists(st.one_of(moments, st.integers(-(10**15), 10**15)), max_size=6),
    kpis=st.lists(moments, max_size=6),
    seen=st.lists(st.floats(0, 600), min_size=1, max_size=4),
    waited=st.floats(0, 700),
)
def test_every_moment_is_on_the_axis_and_none_before_0(
    events: list[int], kpis: list[int], seen: list[float], waited: float
) -> None:
    master = master_outcome(
        "passed",
        events=tuple(event("INFO", t=t) for t in events),
        timeline=tuple(
            StatusChange(WAIT + timedelta(seconds=s), s, "DATA_RECEIVED", 100) for s in seen
        ),
        kpi_timeline={"ALL": tuple(KpiPoint(t, 1, 0, 1, 1.0, None, None) for t in kpis)},
    )
    outcome = replace(make_outcome(master), waited=waited)
    clock = run_clock(master, outcome)
    assert clock.span.low == 0.0
    assert clock.origin + clock.span.high >= BEGAN + waited - 1e-3  # to the wait's end
    placed = [clock.place(t) for t in [*events, *kpis]] + [
        clock.place((WAIT + timedelta(seconds=s)).timestamp()) for s in seen
    ]
    near = [t for t in [*events, *kpis] if BEGAN - REACH_BEFORE <= t <= BEGAN + waited + HOUR]
    assert sum(p is not None for p in placed) == len(near) + len(seen)
    assert all(0.0 <= p <= clock.span.high for p in placed if p is not None)
    assert min(p for p in placed if p is not None) == pytest.approx(0.0, abs=1e-3)
    render_html(outcome)  # never raises
