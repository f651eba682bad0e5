"""How much less the gate downloads than a client that asks for every event on every poll.

Replays the seed's run on the built-in simulator (each status held for several polls, as a
real run holds DATA_RECEIVED for its whole duration) and measures the response bytes of:
  - the gate: polls with level=<threshold>, reads the INFO timeline once at the end;
  - a naive client: polls with level=INFO (every event) each time.
Prints the figures; `--json` prints them as one JSON object (used by the tests).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from pathlib import Path

import requests

from ci_gate.blazemeter.api import BlazeMeterClient
from ci_gate.config.credentials import Credentials
from ci_gate.config.settings import WaitSettings
from ci_gate.simulator.scenario import BUILTIN_DIR, load_scenario
from ci_gate.simulator.server import SimulatorServer
from ci_gate.wait.loop import WaitLoop
from ci_gate.wait.progress import ConsoleProgress
from ci_gate.wait.signals import SignalGuard

CREDENTIALS = Credentials("bench-id", "bench-secret")


def _scenario(polls_per_step: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="ci-gate-bench-"))
    path = folder / "quiet.json"
    recording = BUILTIN_DIR / "seed-status.json"
    path.write_text(
        json.dumps(
            {"masters": {"12345678": {"replay": str(recording), "polls_per_step": polls_per_step}}}
        )
    )
    return path


def gate_bytes(scenario: Path) -> tuple[int, int]:
    server = SimulatorServer(load_scenario(str(scenario)))
    server.start_in_thread()
    try:
        client = BlazeMeterClient(server.base_url, CREDENTIALS)
        plan = WaitSettings(master_ids=("12345678",), timeout=120, interval=0.001)
        quiet = ConsoleProgress(io.StringIO())  # the bench measures bytes, not output
        outcome = WaitLoop(plan, client, quiet, SignalGuard()).run()
        assert outcome.verdict == "passed", outcome.reason
        return client.traffic().bytes_received, client.traffic().requests
    finally:
        server.shutdown()
        server.server_close()


def naive_bytes(scenario: Path) -> tuple[int, int]:
    server = SimulatorServer(load_scenario(str(scenario)))
    server.start_in_thread()
    total = requests_made = 0
    try:
        with requests.Session() as session:
            session.auth = (CREDENTIALS.key_id, CREDENTIALS.key_secret)
            for _ in range(10_000):
                answer = session.get(
                    f"{server.base_url}/masters/12345678/status",
                    params={"level": "INFO", "events": "true"},
                    timeout=10,
                )
                total += len(answer.content)
                requests_made += 1
                if answer.json()["result"]["status"] == "ENDED":
                    break
        return total, requests_made
    finally:
        server.shutdown()
        server.server_close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls-per-step", type=int, default=6)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    scenario = _scenario(args.polls_per_step)
    gate, gate_requests = gate_bytes(scenario)
    naive, naive_requests = naive_bytes(scenario)
    figures = {
        "gate_bytes": gate,
        "gate_requests": gate_requests,
        "naive_bytes": naive,
        "naive_requests": naive_requests,
        "ratio": round(gate / naive, 4),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"gate:  {gate:>9,} bytes in {gate_requests} requests (level=ERROR, INFO once)")
        print(f"naive: {naive:>9,} bytes in {naive_requests} requests (level=INFO every poll)")
        print(
            f"the gate downloads {gate / naive:.1%} of the naive client's bytes "
            f"({naive / gate:.1f}x less)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
