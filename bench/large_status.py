"""A status answer with 100,000 events: time, peak memory and report sizes.

Two measurements:
  1. in-process: read one 100,000-event body as the transport does (msgspec, the usual
     shape), track and judge it, against json.loads alone (time, tracemalloc peak);
  2. end to end: the real `ci-gate wait` process against `ci-gate simulate` serving a run
     whose events grow to 100,000 (1% at ERROR), with GitHub Actions output switched on
     (time, peak RSS of the gate process, requests, bytes, every report's size).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: tests.support

from ci_gate.blazemeter.answers import decode_status, parse_status
from ci_gate.judging.policy import EventPolicy, Judgement
from ci_gate.judging.tracker import EventTracker
from tests.support.peak_rss import run_with_peak_rss  # the gate's own peak, not this process's


def make_events(count: int, error_every: int = 100) -> list[dict[str, Any]]:
    return [
        {
            "t": 1_700_000_000 + n // 10,
            "from": -6,
            "source": "system",
            "level": "ERROR" if n % error_every == 0 else "INFO",
            "message": f"event {n}: engine r-v4-{n % 7} reported sample batch {n}",
            "session_id": f"r-v4-{n % 7}",
        }
        for n in range(count)
    ]


def _measure(work: Callable[[], object]) -> tuple[float, float]:
    """(best seconds of 3 runs without tracing, tracemalloc peak MiB of one traced run).

    Time is measured untraced: tracemalloc slows every allocation, which would penalise
    whichever side builds more objects, not measure it.
    """
    best = math.inf
    for _ in range(3):
        gc.collect()
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    gc.collect()
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak / 2**20


def envelope(events: list[dict[str, Any]], status: str = "DATA_RECEIVED") -> bytes:
    """A status answer as BlazeMeter sends it."""
    result = {"status": status, "events": events}
    return json.dumps({"api_version": 4, "error": None, "result": result}).encode()


def read_result(body: bytes) -> object:
    """What the transport makes of a 200 status answer: the usual shape decoded in one
    pass (`decode_status`), anything else by `json.loads`."""
    return decode_status(body) or json.loads(body)["result"]


def per_poll_cost(count: int, polls: int = 20) -> tuple[float, float]:
    """Microseconds per event already in the answer, per poll, once the events are known:
    ci-gate (parse, track, judge) against json.loads + index-based judging."""
    events = make_events(count)[::-1]
    tracker, policy = EventTracker(), EventPolicy(400)
    policy.flagged(tracker.new_events(parse_status("1", read_result(envelope(events))).events))
    bodies = []
    for poll in range(polls):  # each poll: one new event on top of all the old ones
        extra = {"t": 1_800_000_000 + poll, "level": "ERROR", "message": f"new {poll}"}
        events = [extra, *events]
        bodies.append(envelope(events))
    started = time.perf_counter()
    for body in bodies:
        status = parse_status("1", read_result(body))
        policy.flagged(tracker.new_events(status.events))
    ours = (time.perf_counter() - started) / polls / count * 1e6
    seen = count
    started = time.perf_counter()
    for body in bodies:
        fresh = json.loads(body)["result"]["events"]
        for event in fresh[: len(fresh) - seen]:
            _ = event.get("level") == "ERROR"
        seen = len(fresh)
    theirs = (time.perf_counter() - started) / polls / count * 1e6
    return ours, theirs


def in_process(count: int) -> dict[str, float]:
    body = envelope(make_events(count)[::-1], status="ENDED")
    loads_seconds, loads_peak = _measure(lambda: json.loads(body))
    offending = 0

    def parse_track_judge() -> None:
        nonlocal offending
        status = parse_status("1", read_result(body))
        fresh = EventTracker().new_events(status.events)
        flagged = EventPolicy(400).flagged(fresh)  # as the wait loop sorts them
        offending = sum(judgement is Judgement.OFFENDING for _, judgement in flagged)

    seconds, peak = _measure(parse_track_judge)
    ours_poll, theirs_poll = per_poll_cost(min(count, 20_000))
    return {
        "body_mib": len(body) / 2**20,
        "seconds": seconds,
        "peak_mib": peak,
        "offending": offending,
        "json_loads_seconds": loads_seconds,
        "json_loads_peak_mib": loads_peak,
        "per_poll_us": ours_poll,
        "per_poll_baseline_us": theirs_poll,
    }


def end_to_end(count: int, folder: Path) -> dict[str, Any]:
    events = make_events(count)
    steps = [
        {"status": "DATA_RECEIVED", "events": events[i : i + count // 4]}
        for i in range(0, count, count // 4)
    ]
    steps.append({"status": "ENDED"})
    scenario = folder / "big.json"
    scenario.write_text(json.dumps({"masters": {"1": {"steps": steps}}}))
    gate = shutil.which("ci-gate") or sys.executable
    prefix = [gate] if gate.endswith("ci-gate") else [gate, "-m", "ci_gate"]
    simulator = subprocess.Popen(
        [*prefix, "simulate", "--scenario", str(scenario)], stdout=subprocess.PIPE, text=True
    )
    assert simulator.stdout is not None
    url = simulator.stdout.readline().split()[3]
    env = {
        **os.environ,
        "BLAZEMETER_API_KEY_ID": "bench",
        "BLAZEMETER_API_KEY_SECRET": "bench",
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(folder / "gh-output"),
        "GITHUB_STEP_SUMMARY": str(folder / "gh-summary"),
    }
    report = folder / "report"
    stdout_path = folder / "gate-stdout.txt"
    with stdout_path.open("w") as stdout:
        exit_code, seconds, peak_mib = run_with_peak_rss(
            [
                *prefix,
                "wait",
                "1",
                "--api-url",
                url,
                "--interval",
                "0.1",
                "--report-dir",
                str(report),
            ],
            timeout=600,
            env=env,
            stdout=stdout,
            stderr=subprocess.DEVNULL,
        )
    simulator.terminate()
    simulator.wait()
    summary = json.loads((report / "summary.json").read_text())
    annotations = sum(
        line.startswith("::error") or line.startswith("::warning")
        for line in stdout_path.read_text().splitlines()
    )
    return {
        "exit_code": exit_code,
        "seconds": seconds,
        "peak_rss_mib": peak_mib,
        "requests": summary["api"]["requests"],
        "mib_received": summary["api"]["bytes"] / 2**20,
        "offending": len(summary["masters"][0]["offending_events"]),
        "junit_kib": (report / "junit.xml").stat().st_size / 1024,
        "summary_json_mib": (report / "summary.json").stat().st_size / 2**20,
        "summary_md_kib": (report / "summary.md").stat().st_size / 1024,
        "step_summary_kib": (folder / "gh-summary").stat().st_size / 1024,
        "annotations": annotations,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    first = in_process(args.events)
    with tempfile.TemporaryDirectory(prefix="ci-gate-bench-") as folder:
        second = end_to_end(args.events, Path(folder))
    if args.json:
        print(json.dumps({"in_process": first, "end_to_end": second}))
        return 0
    print(f"in-process, one {args.events:,}-event answer ({first['body_mib']:.1f} MiB of JSON):")
    print(
        f"  read + track + judge (decoding the bytes included): {first['seconds']:.2f} s, peak "
        f"{first['peak_mib']:.0f} MiB (tracemalloc), {first['offending']:,} offending"
    )
    print(
        f"  json.loads alone: {first['json_loads_seconds']:.2f} s, peak "
        f"{first['json_loads_peak_mib']:.0f} MiB; ratio time "
        f"{first['seconds'] / first['json_loads_seconds']:.2f}, memory "
        f"{first['peak_mib'] / first['json_loads_peak_mib']:.2f}"
    )
    print(
        f"  per poll, per event already seen: ci-gate {first['per_poll_us']:.2f} us, "
        f"json.loads + index judging {first['per_poll_baseline_us']:.2f} us, ratio "
        f"{first['per_poll_us'] / first['per_poll_baseline_us']:.2f}"
    )
    print(
        f"end to end, `ci-gate wait` against `ci-gate simulate` growing to {args.events:,} events:"
    )
    print(
        f"  exit {second['exit_code']} in {second['seconds']:.2f} s, peak RSS "
        f"{second['peak_rss_mib']:.0f} MiB, {second['requests']} requests, "
        f"{second['mib_received']:.1f} MiB received, {second['offending']:,} offending events"
    )
    print(
        f"  junit.xml {second['junit_kib']:.0f} KiB (500 failures, then one 'and N more'), "
        f"summary.json {second['summary_json_mib']:.1f} MiB (all events), "
        f"summary.md {second['summary_md_kib']:.0f} KiB (50 listed)"
    )
    print(
        f"  GitHub step summary {second['step_summary_kib']:.0f} KiB (limit 1024), "
        f"{second['annotations']} annotations (10, then a count)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
