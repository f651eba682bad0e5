"""The simulator plays a scenario on the real clock: one shift for all its written times.

A scenario writes fixed dates (each run's `created`, its events' own `t`); report.html puts
a run's events, KPI seconds and the gate's own moments on one UTC axis, so the simulator
moves every written time by one shift that makes the latest of them now (`MasterRun` adds
it), keeping every relative time and order.
"""

from __future__ import annotations

from collections.abc import Iterable

from ci_gate.simulator.scenario import MasterScript


def _scenario_times(script: MasterScript) -> list[int]:
    """The times a scenario writes for one run: its `created` and its events' own `t`."""
    times = [script.report.created]
    for step in script.steps:
        times += [
            int(t)
            for event in step.events
            if isinstance(t := event.get("t"), int | float)
            and not isinstance(t, bool)
            and abs(t) < 1e12  # a hostile `t` (NaN, 1e300) is served as written
            and t == t
        ]
    return times


def real_clock_shift(scripts: Iterable[MasterScript], now: float) -> int:
    """The one shift that plays a scenario on the real clock: its latest time (the newest
    run's `created`, or the last event a recorded run wrote) becomes `now`, every other
    time moved by the same seconds, so relative times and order are kept (a baseline a
    day older stays a day older; a recording's hour of events ends now, its run started
    an hour ago, as a run started before the wait)."""
    times = [t for script in scripts for t in _scenario_times(script)]
    return int(now) - max(times) if times else 0
