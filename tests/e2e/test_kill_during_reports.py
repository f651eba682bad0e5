"""SIGKILL at random moments while report sets are being written, 50 times: whatever is
left under the report names comes from one write, and a set with its commit mark
(summary.json) is complete and consistent."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from junitparser import Failure, JUnitXml

from tests.support.helpers import ROOT, assert_valid_junit

NAMES = ("junit.xml", "summary.md", "gate.env", "summary.json")
KILLS = 50


#: Where each file of the set carries its report id.
ID_PATTERNS = {
    "summary.json": r'"report_id": "(\w+)"',
    "junit.xml": r'name="report_id" value="(\w+)"',
    "summary.md": r"Report id: `(\w+)`",
    "gate.env": r"CI_GATE_REPORT_ID=(\w+)",
}


def _report_ids(folder: Path) -> dict[str, str]:
    """The report id each file present carries."""
    found: dict[str, str] = {}
    for name in NAMES:
        path = folder / name
        if path.exists():
            match = re.search(ID_PATTERNS[name], path.read_text())
            assert match, f"{name} carries no report id"
            found[name] = match.group(1)
    return found


def _check(folder: Path) -> str:
    ids = _report_ids(folder)
    assert len(set(ids.values())) <= 1, f"mixed report set: {ids}"
    if "summary.json" not in ids:
        return "partial" if ids else "absent"
    assert set(ids) == set(NAMES), f"commit mark without the whole set: {sorted(ids)}"
    summary = json.loads((folder / "summary.json").read_text())
    junit = (folder / "junit.xml").read_bytes()
    assert_valid_junit(junit)
    failures = sum(
        isinstance(result, Failure)
        for suite in JUnitXml.fromstring(junit)
        for case in suite
        for result in case.result
    )
    offending = len(summary["masters"][0]["offending_events"])
    assert failures == min(offending, 500) + (1 if offending > 500 else 0)
    assert f"CI_GATE_VERDICT={summary['verdict']}" in (folder / "gate.env").read_text()
    return "complete"


def test_sigkill_during_report_writing_never_leaves_a_mixed_set(tmp_path: Path) -> None:
    seen: dict[str, int] = {}
    rng = random.Random(20261126)
    folder = tmp_path / "reports"
    folder.mkdir()
    writers = subprocess.Popen(
        [sys.executable, "-m", "tests.support.report_writer", str(folder)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writers.stdin is not None and writers.stdout is not None
    try:
        for _ in range(KILLS):
            writers.stdin.write("go\n")
            writers.stdin.flush()
            started = re.fullmatch(r"writing (\d+)\n", writers.stdout.readline())
            assert started, "the writer did not start"
            time.sleep(rng.uniform(0.0, 0.25))  # a write cycle (both sets) takes about 0.1 s
            os.kill(int(started.group(1)), signal.SIGKILL)
            writers.stdin.write("reap\n")
            writers.stdin.flush()
            assert writers.stdout.readline() == "reaped\n"
            state = _check(folder)
            seen[state] = seen.get(state, 0) + 1
    finally:
        writers.stdin.close()
        writers.wait(timeout=30)
        writers.stdout.close()
    print(f"\nafter {KILLS} kills: {seen}")
    assert seen.get("complete", 0) > 0
