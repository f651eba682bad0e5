"""Many masters at once: wall time of ci-gate and of the 16-thread baseline client, side by
side, against the simulator answering every request 100 ms late (as a distant API does).

Each master stays DATA_RECEIVED for 3 polls, then ends; `--interval 1`. The gate does its
usual end-of-run reads too (the INFO timeline, BlazeMeter's verdict, the KPIs).
Prints one row per master count; `--json` prints the rows as JSON.
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from pathlib import Path

from baseline import BaselineClient, ratio  # bench/baseline.py, beside this script

from ci_gate.blazemeter.api import BlazeMeterClient
from ci_gate.config.credentials import Credentials
from ci_gate.config.settings import WaitSettings
from ci_gate.signals import SignalGuard
from ci_gate.simulator.scenario import load_scenario
from ci_gate.simulator.server import SimulatorServer
from ci_gate.wait.loop import WaitLoop
from ci_gate.wait.progress import ConsoleProgress

LATENCY = 0.1
CREDENTIALS = Credentials("bench-id", "bench-secret")


def _server(count: int) -> tuple[SimulatorServer, list[str]]:
    masters = [str(60000001 + n) for n in range(count)]
    steps = [{"status": "DATA_RECEIVED", "polls": 3}, {"status": "ENDED"}]
    path = Path(tempfile.mkdtemp(prefix="ci-gate-bench-")) / "many.json"
    path.write_text(json.dumps({"masters": {m: {"steps": steps} for m in masters}}))
    server = SimulatorServer(load_scenario(str(path)), latency=LATENCY)
    server.start_in_thread()
    return server, masters


def gate_seconds(count: int, interval: float) -> float:
    server, masters = _server(count)
    try:
        client = BlazeMeterClient(server.base_url, CREDENTIALS, pool_size=16)
        plan = WaitSettings(master_ids=tuple(masters), timeout=600, interval=interval)
        started = time.perf_counter()
        outcome = WaitLoop(plan, client, ConsoleProgress(io.StringIO()), SignalGuard()).run()
        seconds = time.perf_counter() - started
        assert outcome.verdict == "passed", outcome.reason
        return seconds
    finally:
        server.shutdown()
        server.server_close()


def baseline_seconds(count: int, interval: float) -> float:
    server, masters = _server(count)
    try:
        client = BaselineClient(server.base_url, ("bench-id", "bench-secret"), threads=16)
        started = time.perf_counter()
        client.wait(masters, interval)
        return time.perf_counter() - started
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--masters", default="1,10,50,200")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    for count in (int(n) for n in args.masters.split(",")):
        ours = gate_seconds(count, args.interval)
        theirs = baseline_seconds(count, args.interval)
        rows.append({"masters": count, "ci_gate_s": ours, "baseline_s": theirs})
        if not args.json:
            print(
                f"{count:>4} masters at {LATENCY * 1000:.0f} ms latency: ci-gate {ours:6.2f} s, "
                f"16-thread baseline {theirs:6.2f} s, ratio {ratio(ours, theirs)}",
                flush=True,
            )
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
