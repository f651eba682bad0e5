"""Bytes the live criteria cost: one hour of run read at `--interval 10` for three live
criteria on two labels (so `ALL`, Checkout and Search are asked for), through the gate's
parser and `LiveFeed`, against the simulator's own `/data/kpis` answers (in process, its
clock driven by the bench: one run second per real second, no sleeping).

Beside it, the bytes of a reader that gets each second exactly once (the same polls, each
answer holding only the seconds not read before: no provisional second read again, no
repeated last point). Goals: at most 1.5x those bytes, and linear in the run's length
(the exponent between 30 and 60 minutes at most 1.1: `from` moves on, so no poll reads
the run again). `--json` prints the figures.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from pathlib import Path
from typing import Any

from ci_gate.blazemeter.answers import parse_live_kpis
from ci_gate.judging.live_feed import LiveFeed
from ci_gate.simulator.live_data import DATA_API_VERSION, data_kpis
from ci_gate.simulator.model import label_id
from ci_gate.simulator.scenario import load_scenario
from ci_gate.simulator.server import envelope
from ci_gate.simulator.state import MasterRun

INTERVAL = 10
CRITERIA = (
    "avg-rt of Checkout>1500ms for 60s",
    "fail>5% of Search within 2m",
    "avg-rt of Search>800ms over 1m, continue",
)
LABELS = ("Checkout", "Search")
GOAL_RATIO, GOAL_EXPONENT = 1.5, 1.1
MASTER = "93100001"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _run(minutes: int, clock: Clock) -> MasterRun:
    """A run of `minutes` on the simulator's model, at one run second per real second."""
    seconds = minutes * 60
    scenario = {
        "masters": {
            MASTER: {
                "steps": [
                    {"status": "DATA_RECEIVED", "seconds": seconds},
                    {"status": "ENDED"},
                ],
                "report": {
                    "duration": seconds,
                    "users": 50,
                    "speed": 1,
                    "aggregate": [
                        {"labelName": "Home", "samples": 50 * seconds, "avgResponseTime": 180,
                         "90line": 320, "errorsRate": 0.1},
                        {"labelName": "Search", "samples": 30 * seconds, "avgResponseTime": 340,
                         "90line": 610, "errorsRate": 0.2},
                        {"labelName": "Checkout", "samples": 20 * seconds,
                         "avgResponseTime": 620, "90line": 1050, "errorsRate": 0.3},
                    ],
                    "slow": {"Checkout": [{"from": 70, "avg": 2400}]},
                },
            }
        }
    }  # fmt: skip
    path = Path(tempfile.mkdtemp(prefix="ci-gate-bench-")) / "hour.json"
    path.write_text(json.dumps(scenario))
    run = MasterRun(load_scenario(str(path)).masters[MASTER], clock=clock)
    run.poll()  # the run has data from now on
    return run


def _wire(result: list[dict[str, Any]]) -> int:
    """The bytes of an answer as the simulator sends it."""
    return len(json.dumps({**envelope(result), "api_version": DATA_API_VERSION}).encode())


def measure(minutes: int) -> dict[str, int]:
    """Polls every INTERVAL run seconds to the run's end, then the end's read; returns the
    bytes read through the feed, the bytes of each second once, and what the feed gave."""
    clock = Clock()
    run = _run(minutes, clock)
    ids = [label_id(name) for name in ("ALL", *LABELS)]
    feed = LiveFeed()
    gate = once = polls = released = 0
    read_upto = 0  # the once-reader's first run second not read yet
    start = run.script.report.created
    while run.status != "ENDED":
        clock.now += INTERVAL
        run.poll()
        result = data_kpis(run, feed.next_from, ids)
        gate += _wire(result)
        polls += 1
        for points in feed.take(parse_live_kpis(MASTER, result)).values():
            released += len(points)
        # the same poll for a reader that gets each complete second once
        complete = run.run_second() or 0  # the second filling now (or the run's length)
        fresh = [
            {**row, "kpis": list({
                p["ts"]: p for p in row.get("kpis", []) if p["ts"] - start < complete
            }.values())}
            for row in data_kpis(run, start + read_upto, ids)
        ]  # fmt: skip
        once += _wire(fresh)
        read_upto = complete
    for points in feed.flush().values():
        released += len(points)
    return {"bytes": gate, "once_bytes": once, "polls": polls, "seconds_released": released}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    half, hour = measure(30), measure(60)
    exponent = math.log(hour["bytes"] / half["bytes"]) / math.log(2)
    ratio = hour["bytes"] / hour["once_bytes"]
    figures = {
        "criteria": list(CRITERIA),
        "labels_read": ["ALL", *LABELS],
        "interval": INTERVAL,
        "bytes_30m": half["bytes"],
        "bytes_60m": hour["bytes"],
        "once_bytes_60m": hour["once_bytes"],
        "polls_60m": hour["polls"],
        "seconds_released_60m": hour["seconds_released"],
        "exponent": round(exponent, 3),
        "ratio": round(ratio, 3),
        # every second of every label read comes out of the feed exactly once
        "goals_met": exponent <= GOAL_EXPONENT
        and ratio <= GOAL_RATIO
        and hour["seconds_released"] == (1 + len(LABELS)) * 3600,
    }
    if args.json:
        print(json.dumps(figures))
        return 0 if figures["goals_met"] else 1
    print(f"live KPIs, {len(CRITERIA)} criteria on {len(LABELS)} labels, --interval {INTERVAL}")
    print(f"{'':<28}{'30 min':>12}{'60 min':>12}")
    print(f"{'read through LiveFeed':<28}{half['bytes']:>12,}{hour['bytes']:>12,}")
    print(f"{'each second read once':<28}{half['once_bytes']:>12,}{hour['once_bytes']:>12,}")
    print(f"{'ratio to once':<28}{half['bytes'] / half['once_bytes']:>12.3f}{ratio:>12.3f}")
    print(
        f"growth exponent 30 -> 60 min: {exponent:.3f} (goal <= {GOAL_EXPONENT}); "
        f"ratio at 60 min: {ratio:.3f} (goal <= {GOAL_RATIO}); "
        f"{hour['seconds_released']:,} label-seconds released in {hour['polls']} polls"
    )
    return 0 if figures["goals_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
