"""A noisy run: ERROR events arriving all along. Bytes and CPU of ci-gate against the
baseline client (every event on every poll), side by side, with the ratio.

Rows:
  - quiet: 5,000 INFO events (nothing offending) arriving evenly over 60 and 200 polls;
  - bytes: 5,000 ERROR events arriving evenly over 100 and over 200 polls (and the growth
    exponent between the two: 1.0 is linear in the run's length, 2.0 quadratic);
  - CPU: 200 polls, 20,000 events, everything offending (process CPU time of the client
    side; the simulator runs as its own process).
Each gate run writes its reports and checks that every offending event is in summary.json
and counted in junit.xml. `--json` prints the rows as JSON.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from baseline import BaselineClient, ratio  # bench/baseline.py, beside this script
from junitparser import Failure, JUnitXml

from ci_gate.blazemeter.api import BlazeMeterClient
from ci_gate.config.credentials import Credentials
from ci_gate.config.settings import WaitSettings
from ci_gate.report import write_reports
from ci_gate.signals import SignalGuard
from ci_gate.wait.loop import WaitLoop
from ci_gate.wait.progress import ConsoleProgress

CREDENTIALS = Credentials("bench-id", "bench-secret")


def _scenario(folder: Path, events: int, polls: int, level: str = "ERROR") -> Path:
    per_poll = events // polls
    steps: list[dict[str, Any]] = [
        {
            "status": "DATA_RECEIVED",
            "events": [
                {
                    "level": level,
                    "message": f"sample {n}: HTTP 503",
                    "t": 1_700_000_000 + n,
                }
                for n in range(poll * per_poll, (poll + 1) * per_poll)
            ],
        }
        for poll in range(polls)
    ]
    steps.append({"status": "ENDED"})
    path = folder / f"{level.lower()}-{events}-{polls}.json"
    path.write_text(json.dumps({"masters": {"1": {"steps": steps}}}))
    return path


class _Simulator:
    """`ci-gate simulate` as its own process (so its CPU is not counted here)."""

    def __init__(self, scenario: Path) -> None:
        gate = shutil.which("ci-gate")
        command = [gate] if gate else [sys.executable, "-m", "ci_gate"]
        self.process = subprocess.Popen(
            [*command, "simulate", "--scenario", str(scenario)], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().split()[3]

    def close(self) -> None:
        self.process.terminate()
        self.process.wait()


def gate_run(scenario: Path, folder: Path) -> dict[str, float]:
    simulator = _Simulator(scenario)
    try:
        client = BlazeMeterClient(simulator.url, CREDENTIALS)
        plan = WaitSettings(master_ids=("1",), timeout=600, interval=0.001)
        cpu = time.process_time()
        outcome = WaitLoop(plan, client, ConsoleProgress(io.StringIO()), SignalGuard()).run()
        cpu = time.process_time() - cpu
        paths = write_reports(outcome, folder / "report")
        offending = len(
            json.loads(paths.summary_json.read_text())["masters"][0]["offending_events"]
        )
        suites = list(JUnitXml.fromfile(str(paths.junit)))
        failures = sum(
            1
            for suite in suites
            for case in suite
            for result in case.result
            if isinstance(result, Failure)
        )
        counted = 0
        for suite in suites:
            for prop in suite.properties():  # type: ignore[no-untyped-call]
                if prop.name == "offending_events":
                    counted += int(str(prop.value))
        return {
            "bytes": client.traffic().bytes_received,
            "cpu_s": cpu,
            "offending_in_summary": offending,
            "failures_in_junit": failures,
            "offending_counted_in_junit": counted,
        }
    finally:
        simulator.close()


def baseline_run(scenario: Path) -> dict[str, float]:
    simulator = _Simulator(scenario)
    try:
        client = BaselineClient(simulator.url, ("bench-id", "bench-secret"), threads=1)
        cpu = time.process_time()
        seen = client.wait(["1"], 0.001)
        cpu = time.process_time() - cpu
        return {"bytes": client.bytes_received, "cpu_s": cpu, "offending": seen["1"].offending}
    finally:
        simulator.close()


def _bytes_side_by_side(gate: dict[str, float], base: dict[str, float]) -> str:
    return (
        f"ci-gate {gate['bytes'] / 1e6:6.2f} MB, baseline {base['bytes'] / 1e6:6.2f} MB, "
        f"ratio {ratio(gate['bytes'], base['bytes'])} ({base['bytes'] / gate['bytes']:.1f}x fewer)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ci-gate-bench-"))
    rows: dict[str, Any] = {}
    for polls in (100, 200):
        scenario = _scenario(folder, 5000, polls)
        rows[f"bytes_{polls}"] = {
            "gate": gate_run(scenario, folder),
            "baseline": baseline_run(scenario),
        }
    exponent = math.log(rows["bytes_200"]["gate"]["bytes"] / rows["bytes_100"]["gate"]["bytes"], 2)
    base_exponent = math.log(
        rows["bytes_200"]["baseline"]["bytes"] / rows["bytes_100"]["baseline"]["bytes"], 2
    )
    rows["exponent"] = {"gate": exponent, "baseline": base_exponent}
    scenario = _scenario(folder, 20000, 200)
    rows["cpu"] = {"gate": gate_run(scenario, folder), "baseline": baseline_run(scenario)}
    for polls in (60, 200):  # a quiet run: INFO events only, arriving all along
        scenario = _scenario(folder, 5000, polls, level="INFO")
        rows[f"quiet_{polls}"] = {
            "gate": gate_run(scenario, folder),
            "baseline": baseline_run(scenario),
        }
    if args.json:
        print(json.dumps(rows))
        return
    for polls in (100, 200):
        gate, base = rows[f"bytes_{polls}"]["gate"], rows[f"bytes_{polls}"]["baseline"]
        print(
            f"5,000 ERROR events over {polls} polls: {_bytes_side_by_side(gate, base)}; reports: "
            f"{gate['offending_in_summary']:.0f} in summary.json, "
            f"{gate['failures_in_junit']:.0f} junit failures (500, then one for the rest), "
            f"{gate['offending_counted_in_junit']:.0f} counted in junit.xml"
        )
    print(
        f"bytes growth from 100 to 200 polls: ci-gate polls^{exponent:.2f}, "
        f"baseline polls^{base_exponent:.2f}"
    )
    for polls in (60, 200):
        gate, base = rows[f"quiet_{polls}"]["gate"], rows[f"quiet_{polls}"]["baseline"]
        print(f"quiet run, 5,000 INFO events over {polls} polls: {_bytes_side_by_side(gate, base)}")
    gate, base = rows["cpu"]["gate"], rows["cpu"]["baseline"]
    print(
        f"CPU, 200 polls, 20,000 events, all offending: ci-gate {gate['cpu_s']:.2f} s, "
        f"baseline {base['cpu_s']:.2f} s, ratio {ratio(gate['cpu_s'], base['cpu_s'])}"
    )


if __name__ == "__main__":
    main()
