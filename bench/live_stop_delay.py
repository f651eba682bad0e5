"""How soon a live criterion's stop follows the second that breaches it (issue 31).

The real wait loop (`WaitLoop`) on a fake clock, against a scripted API whose run has one
second of data per second of the clock and whose Checkout label slows down at a chosen
second: for each `--interval` and each moment of the slow-down, the time from the arrival
of the second that completes `avg-rt of Checkout>1500ms for 30s` to the stop request.
The bound is one interval and one second (a second is judged once a later one has come).
No real time passes: the figures are the loop's own, not the machine's.
`--json` prints them as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from ci_gate.config.fail_on import parse_fail_on
from ci_gate.config.settings import WaitSettings
from ci_gate.domain.findings import AggregateReport, MasterInfo
from ci_gate.domain.live import KpiPoint, Label
from ci_gate.domain.run import MasterStatus, Traffic
from ci_gate.signals import SignalGuard
from ci_gate.wait.loop import WaitLoop
from ci_gate.wait.progress import ProgressSink

T0 = 1_796_000_000
WINDOW = 30
CRITERION = f"avg-rt of Checkout>1500ms for {WINDOW}s"


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class _Run:
    """A run with data from clock 0: second `s` is served from clock `s` on."""

    def __init__(self, clock: _Clock, slow_from: int) -> None:
        self.clock, self.slow_from = clock, slow_from
        self.stopped_at: float | None = None

    def status(self, master_id: str, **_: object) -> MasterStatus:
        ended = self.stopped_at is not None or self.clock.now > 3600
        return MasterStatus(
            master_id, "ENDED" if ended else "DATA_RECEIVED", 140 if ended else 100, ()
        )

    def stop(self, master_id: str, progress: int | None, deadline: float | None = None) -> str:
        if self.stopped_at is None:
            self.stopped_at = self.clock.now
        return "stop"

    def labels(self, master_id: str, deadline: float | None = None) -> list[Label]:
        return [Label("ALL", "ALL"), Label("c", "Checkout")]

    def live_kpis(
        self, master_id: str, from_ts: int, label_ids: Sequence[str], deadline: float | None = None
    ) -> dict[str, tuple[KpiPoint, ...]]:
        newest = T0 + int(self.clock.now)
        seconds = range(max(from_ts, T0), newest + 1)
        slow = T0 + self.slow_from
        return {
            "ALL": tuple(KpiPoint(ts, 10, 0, 5, 300.0, None, None) for ts in seconds),
            "c": tuple(
                KpiPoint(ts, 10, 0, 5, 2000.0 if ts >= slow else 400.0, None, None)
                for ts in seconds
            ),
        }

    def master_info(self, master_id: str, deadline: float | None = None) -> MasterInfo:
        return MasterInfo("pass")

    def criteria_with_notes(
        self, master_id: str, deadline: float | None = None
    ) -> tuple[tuple[()], tuple[()]]:
        return (), ()

    def kpis(self, master_id: str, deadline: float | None = None) -> None:
        return None

    def aggregate(self, master_id: str, deadline: float | None = None) -> AggregateReport:
        return AggregateReport({})

    api_url = "https://bench.invalid/api/v4"

    def traffic(self) -> Traffic:
        return Traffic()


class _Quiet(ProgressSink):
    def note(self, message: str) -> None:
        pass

    def status_changed(self, *args: object) -> None:
        pass

    def offending_event(self, *args: object) -> None:
        pass

    def heartbeat(self, *args: object) -> None:
        pass


def stop_delay(interval: float, slow_from: int) -> float:
    """Seconds from the breaching second's arrival to the stop request."""
    clock = _Clock()
    run = _Run(clock, slow_from)
    plan = WaitSettings(
        master_ids=("1",),
        timeout=7200,
        interval=interval,
        fail_on=(parse_fail_on(CRITERION, "--fail-on"),),
    )
    WaitLoop(plan, run, _Quiet(), SignalGuard(), clock=clock, sleep=clock.sleep).run()  # type: ignore[arg-type]
    assert run.stopped_at is not None, "the criterion never stopped the run"
    return run.stopped_at - (slow_from + WINDOW - 1)


def figures(intervals: Sequence[float] = (1, 2, 5, 10, 30)) -> dict[str, object]:
    rows = []
    for interval in intervals:
        worst = max(
            stop_delay(interval, slow_from) for slow_from in range(40, 40 + int(interval) + 2)
        )
        rows.append({"interval": interval, "worst_delay": round(worst, 3), "bound": interval + 1})
    return {
        "criterion": CRITERION,
        "rows": rows,
        "met": all(r["worst_delay"] <= r["bound"] for r in rows),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = figures()
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['criterion']}: from the breaching second's arrival to the stop request")
    for row in result["rows"]:  # type: ignore[attr-defined]
        print(
            f"  --interval {row['interval']:>4g}s: worst {row['worst_delay']:>5g}s "
            f"(bound {row['bound']:g}s, ratio {row['worst_delay'] / row['bound']:.2f})"
        )
    print("met" if result["met"] else "NOT MET")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
