"""One time axis per master in report.html: the run's own clock, placed in UTC.

Every moment a master's charts show is placed by its UTC time (Unix seconds): events
(`t`), KPI seconds (`ts`), status changes (BlazeMeter's own time for a status, from its
"Status changed to X (N)" event, else the time the gate saw it), stop requests and the
deadline (the wait's start plus their seconds). Second 0 is the run's first known moment,
so a run started an hour before the wait shows that hour, and nothing sits before 0; the
axis runs to the end of the wait and the deadline. A time too far from the wait (a
server's clock gone wrong) is left out of the axis and counted by the chart. Pure values:
`html` and `kpi_charts` draw on the `RunClock`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ci_gate.domain.outcome import MasterOutcome, Outcome
from ci_gate.domain.run import Event
from ci_gate.domain.verdict import Verdict
from ci_gate.formatting import iso_utc, utc_moment
from ci_gate.report.svg import TimeSpan, drawable

#: moments this far before the wait began, or after it ended, are on a clock too far from
#: the gate's to share its axis (a server's clock gone wrong): counted, not drawn
REACH_BEFORE = 7 * 86400.0
REACH_AFTER = 3600.0
#: BlazeMeter's event for a status change: its time is the status's own
_STATUS_EVENT = re.compile(r"Status changed to ([A-Z_]+) \(\d+\)")


@dataclass(frozen=True)
class RunClock:
    """A master's one time axis: `origin` (Unix seconds) is its 0 s, `span` its seconds;
    `low`..`high` (Unix seconds) are the moments that can be placed on it."""

    origin: float
    span: TimeSpan
    low: float
    high: float

    def place(self, unix: object) -> float | None:
        """Seconds on the axis of a moment in Unix seconds (None: no time, or too far)."""
        moment = drawable(unix)
        if moment is None or not self.low <= moment <= self.high:
            return None
        return moment - self.origin


def _wait_moments(master: MasterOutcome, outcome: Outcome) -> tuple[float, float, list[float]]:
    """The wait's start and end (Unix seconds), and its stops and deadline as moments."""
    start = outcome.started_at.timestamp()
    end = start + (drawable(outcome.waited) or 0.0)
    marks = [start + stop.elapsed for stop in master.seen.stop_requests]
    deadline = drawable(outcome.timeout)
    if deadline is not None and master.verdict is Verdict.TIMEOUT:
        marks.append(start + deadline)
    return start, end, marks


def status_times(master: MasterOutcome) -> list[tuple[float, int | None, str]]:
    """(Unix seconds, progress, status) of each status change in time order: BlazeMeter's
    own time of the status where an event gives it, else when the gate saw it."""
    own: dict[str, float] = {}
    for event in master.events:
        found = _STATUS_EVENT.fullmatch(event.message.strip())
        if found is None:  # most events: their time is not read
            continue
        moment = drawable(event.t)
        if moment is not None and utc_moment(moment) is not None:
            own[found.group(1)] = min(own.get(found.group(1), moment), moment)
    placed = [
        (own.get(change.status, change.at.timestamp()), change.progress, change.status)
        for change in master.timeline
    ]
    return sorted(placed, key=lambda item: item[0])


def _event_moments(events: Iterable[Event]) -> list[float]:
    return [
        moment
        for event in events
        if (moment := drawable(event.t)) is not None and utc_moment(moment) is not None
    ]


def _kpi_moments(master: MasterOutcome) -> list[float]:
    return [
        moment
        for points in master.kpi_timeline.values()
        for point in points
        if (moment := drawable(point.ts)) is not None
    ]


def run_clock(master: MasterOutcome, outcome: Outcome) -> RunClock:
    """The axis of all of a master's time charts (status, events, KPIs)."""
    start, end, marks = _wait_moments(master, outcome)
    low, high = start - REACH_BEFORE, end + REACH_AFTER
    seen = [moment for moment, _, _ in status_times(master)]
    data = _event_moments(master.events) + _kpi_moments(master)
    known = [moment for moment in [*seen, *data, *marks] if low <= moment <= high]
    origin = min(known, default=start)
    last = max([end, *known, *(moment + 1.0 for moment in data if low <= moment <= high)])
    moment = utc_moment(origin)
    title = f"run time (0s = {iso_utc(moment)}, its first known moment)" if moment else "run time"
    return RunClock(origin, TimeSpan.around([0.0, last - origin], title), low, high)


def placed(clock: RunClock, moments: Sequence[object]) -> list[float]:
    """The moments that can be placed on `clock`, as its seconds."""
    return [second for moment in moments if (second := clock.place(moment)) is not None]
