"""The reads once a master has ended, in round trips: ci-gate beside the same reads made
one after another (the gate before its end reads went out together), with
`--criteria on --baseline last-passed --public-report` and a failed run (so the criteria
are read too).

The simulator answers every endpoint 100 ms late, then at once; the lag is the time from
the ENDED status answer to the end of the wait, and the round trips are
(lag at 100 ms - lag at 0 ms) / 100 ms. Goal: at most 3.5 (three reads depend on each
other: the master gives the test id, the test's runs the baseline, then its aggregate).
`--json` prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from baseline import ratio  # bench/baseline.py, beside this script

from ci_gate.blazemeter.api import BlazeMeterClient
from ci_gate.config.credentials import Credentials
from ci_gate.config.parsers import parse_baseline
from ci_gate.config.settings import WaitSettings
from ci_gate.domain.findings import CriteriaMode
from ci_gate.domain.run import Event
from ci_gate.signals import SignalGuard
from ci_gate.simulator.scenario import load_scenario
from ci_gate.simulator.server import SimulatorServer
from ci_gate.wait.loop import WaitLoop
from ci_gate.wait.progress import ProgressSink

LATENCY = 0.1
CREDENTIALS = Credentials("bench-id", "bench-secret")
MASTER, BASELINE, TEST = "93000002", "93000001", 7900001
ROWS = [{"labelName": "home", "samples": 5000, "90line": 300, "errorsRate": 0.1}]
SCENARIO = {
    "masters": {
        BASELINE: {
            "steps": [{"status": "ENDED"}],
            "report": {
                "test_id": TEST,
                "created": 1764000000,
                "report_status": "pass",
                "aggregate": ROWS,
            },
        },
        MASTER: {
            "steps": [{"status": "DATA_RECEIVED"}, {"status": "ENDED"}],
            "report": {
                "test_id": TEST,
                "created": 1764086400,
                "report_status": "fail",
                "criteria": [
                    {
                        "field": "responseTime.percentile.90",
                        "op": "gt",
                        "threshold": 200,
                        "value": 300,
                        "success": False,
                    }
                ],
                "aggregate": ROWS,
            },
        },
    }
}


class EndedAt(ProgressSink):
    """Notes the moment the ENDED answer came."""

    def __init__(self) -> None:
        self.ended: float | None = None

    def status_changed(
        self, master_id: str, status: str, progress: int | None, elapsed: float
    ) -> None:
        if status == "ENDED":
            self.ended = time.perf_counter()

    def offending_event(self, master_id: str, event: Event, elapsed: float) -> None:
        return None

    def heartbeat(
        self, master_id: str, status: str, progress: int | None, elapsed: float, left: float
    ) -> None:
        return None

    def note(self, message: str) -> None:
        return None


def _server(latency: float) -> SimulatorServer:
    path = Path(tempfile.mkdtemp(prefix="ci-gate-bench-")) / "end-reads.json"
    path.write_text(json.dumps(SCENARIO))
    server = SimulatorServer(load_scenario(str(path)), latency=latency)
    server.start_in_thread()
    return server


def ours(latency: float) -> float:
    """ci-gate's lag after the ENDED answer, in seconds."""
    server = _server(latency)
    try:
        client = BlazeMeterClient(server.base_url, CREDENTIALS, pool_size=16)
        plan = WaitSettings(
            master_ids=(MASTER,),
            timeout=120,
            interval=0.05,
            criteria=CriteriaMode.ON,
            baseline=parse_baseline("last-passed", "--baseline"),
            public_report=True,
        )
        sink = EndedAt()
        outcome = WaitLoop(plan, client, sink, SignalGuard()).run()
        done = time.perf_counter()
        master = outcome.masters[0]
        assert outcome.verdict == "failed" and master.baseline is not None, outcome.reason
        assert master.baseline.master_id == BASELINE and master.criteria is not None
        assert sink.ended is not None
        return done - sink.ended
    finally:
        server.shutdown()
        server.server_close()


def one_after_another(latency: float) -> float:
    """The same reads made one after another, as the gate made them before."""
    server = _server(latency)
    try:
        client = BlazeMeterClient(server.base_url, CREDENTIALS, pool_size=1)
        while client.status(MASTER, level="ERROR").status != "ENDED":
            time.sleep(0.05)
        ended = time.perf_counter()
        client.status(MASTER, level="INFO")
        info = client.master_info(MASTER)
        client.criteria_with_notes(MASTER)
        assert info.test_id is not None
        client.runs_of_test(info.test_id)
        client.aggregate(BASELINE)
        client.aggregate(MASTER)
        client.kpis(MASTER)
        client.public_token(MASTER)
        return time.perf_counter() - ended
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = {}
    for name, measure in (("ci-gate", ours), ("one after another", one_after_another)):
        slow = min(measure(LATENCY) for _ in range(3))
        fast = min(measure(0.0) for _ in range(3))
        figures[name] = {"lag_100ms": slow, "lag_0ms": fast, "round_trips": (slow - fast) / LATENCY}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print("end reads after the ENDED answer, --criteria on --baseline last-passed --public-report")
    print(f"{'':<20} {'lag at 100 ms':>14} {'lag at 0 ms':>12} {'round trips':>12}")
    for name, row in figures.items():
        print(
            f"{name:<20} {row['lag_100ms']:>13.3f}s {row['lag_0ms']:>11.3f}s "
            f"{row['round_trips']:>12.2f}"
        )
    trips = figures["ci-gate"]["round_trips"]
    before = figures["one after another"]["round_trips"]
    print(
        f"ratio: {ratio(before, trips)}x fewer round trips; goal <= 3.5: "
        f"{'met' if trips <= 3.5 else 'NOT met'} ({trips:.2f})"
    )


if __name__ == "__main__":
    main()
