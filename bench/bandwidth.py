"""How much less the gate downloads than a client that asks for every event on every poll.

Replays the seed's run on the built-in simulator (each status held for several polls, as a
real run holds DATA_RECEIVED for its whole duration) and measures the response bytes of:
  - the gate: polls with level=<threshold>, reads the INFO timeline once at the end;
  - a naive client: polls with level=INFO (every event) each time.
The gate's one read of the live KPIs after the end (`/data/labels`, `/data/kpis`: the
curves report.html draws, which the naive client does not read at all) is measured apart
and printed beside them, not counted in the ratio.
Prints the figures; `--json` prints them as one JSON object (used by the tests).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import requests

from ci_gate.blazemeter.api import BlazeMeterClient
from ci_gate.config.credentials import Credentials
from ci_gate.config.settings import WaitSettings
from ci_gate.domain.live import KpiPoint, Label
from ci_gate.signals import SignalGuard
from ci_gate.simulator.scenario import BUILTIN_DIR, load_scenario
from ci_gate.simulator.server import SimulatorServer
from ci_gate.wait.loop import WaitLoop
from ci_gate.wait.progress import ConsoleProgress

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


class _ChartReads(BlazeMeterClient):
    """The client, counting apart what the live data reads (the charts') receive."""

    chart_bytes = 0
    chart_requests = 0

    def labels(self, master_id: str, deadline: float | None = None) -> list[Label]:
        before = self.traffic().bytes_received
        try:
            return super().labels(master_id, deadline)
        finally:
            self.chart_bytes += self.traffic().bytes_received - before
            self.chart_requests += 1

    def live_kpis(
        self, master_id: str, from_ts: int, label_ids: Sequence[str], deadline: float | None = None
    ) -> dict[str, tuple[KpiPoint, ...]]:
        before = self.traffic().bytes_received
        try:
            return super().live_kpis(master_id, from_ts, label_ids, deadline)
        finally:
            self.chart_bytes += self.traffic().bytes_received - before
            self.chart_requests += 1


def gate_bytes(scenario: Path) -> tuple[int, int, int]:
    """The gate's bytes and requests without the charts' read, and that read's bytes."""
    server = SimulatorServer(load_scenario(str(scenario)))
    server.start_in_thread()
    try:
        client = _ChartReads(server.base_url, CREDENTIALS)
        plan = WaitSettings(master_ids=("12345678",), timeout=120, interval=0.001)
        quiet = ConsoleProgress(io.StringIO())  # the bench measures bytes, not output
        outcome = WaitLoop(plan, client, quiet, SignalGuard()).run()
        assert outcome.verdict == "passed", outcome.reason
        traffic = client.traffic()
        return (
            traffic.bytes_received - client.chart_bytes,
            traffic.requests - client.chart_requests,
            client.chart_bytes,
        )
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
    gate, gate_requests, chart = gate_bytes(scenario)
    naive, naive_requests = naive_bytes(scenario)
    figures = {
        "gate_bytes": gate,
        "gate_requests": gate_requests,
        "naive_bytes": naive,
        "naive_requests": naive_requests,
        "ratio": round(gate / naive, 4),
        "chart_bytes": chart,
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"gate:  {gate:>9,} bytes in {gate_requests} requests (level=ERROR, INFO once)")
        print(f"naive: {naive:>9,} bytes in {naive_requests} requests (level=INFO every poll)")
        print(f"charts: {chart:>8,} bytes read once after the end (/data/kpis; not in the ratio)")
        print(
            f"the gate downloads {gate / naive:.1%} of the naive client's bytes "
            f"({naive / gate:.1f}x less)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
