"""The demo as a newcomer runs it, and the bandwidth figure from bench/bandwidth.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.helpers import (
    CORE_REPORTS,
    assert_no_traceback,
    assert_valid_junit,
    core_reports,
    gate_command,
    gate_env,
)

ROOT = Path(__file__).resolve().parents[2]


def test_a_quiet_run_downloads_far_less_than_asking_for_every_event() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bandwidth.py"), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures = json.loads(done.stdout)
    print(
        f"bandwidth: gate {figures['gate_bytes']} bytes vs naive {figures['naive_bytes']} "
        f"bytes, ratio {figures['ratio']}"
    )
    assert figures["ratio"] < 0.25


# the seed demo, as a newcomer runs it, with its KPIs and link: test_criteria.py
DEMOS = [
    ("error", [], 1, "failed"),
    ("hang", ["--timeout", "1"], 3, "timeout"),
    ("flaky", [], 0, "passed"),
    ("unauthorized", [], 4, "error"),
    ("multi", [], 1, "failed"),
]


@pytest.mark.parametrize(("scenario", "extra", "code", "verdict"), DEMOS, ids=[d[0] for d in DEMOS])
def test_demo(tmp_path: Path, scenario: str, extra: list[str], code: int, verdict: str) -> None:
    args = [
        *gate_command(),
        "demo",
        "--scenario",
        scenario,
        *extra,
    ]
    env = gate_env()
    del env["BLAZEMETER_API_KEY_ID"], env["BLAZEMETER_API_KEY_SECRET"]  # the demo needs none
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env, check=False
    )
    assert done.returncode == code, done.stdout + done.stderr
    report = tmp_path / "ci-gate-report"
    assert core_reports(report) == CORE_REPORTS
    assert json.loads((report / "summary.json").read_text())["verdict"] == verdict
    assert_valid_junit((report / "junit.xml").read_bytes())
    assert_no_traceback(done.stdout, done.stderr)


def test_demo_list_and_unknown_scenario(tmp_path: Path) -> None:
    listed = subprocess.run(
        [*gate_command(), "demo", "--list"], capture_output=True, text=True, timeout=30, check=True
    )
    assert {line.split()[0] for line in listed.stdout.splitlines()} >= {
        "seed",
        "error",
        "hang",
        "flaky",
        "unauthorized",
        "multi",
    }
    bad = subprocess.run(
        [*gate_command(), "demo", "--scenario", "nope"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
        check=False,
    )
    assert bad.returncode == 2 and "nope: no such scenario file, and not a built-in" in bad.stderr


def test_simulate_rejects_a_broken_scenario_file_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"masters": {"1": {"steps": [{"status": "ENDED", "polls": -1}]}}}))
    done = subprocess.run(
        [*gate_command(), "simulate", "--scenario", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"ci-gate: {path}: masters.1.steps[0].polls: must be a whole number >= 1, not -1"
    )


def test_a_large_answer_keeps_every_report_within_the_platform_limits() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "large_status.py"), "--events", "20000", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    figures = json.loads(done.stdout)["end_to_end"]
    assert figures["exit_code"] == 1 and figures["offending"] == 200
    assert figures["step_summary_kib"] < 1024
    assert figures["annotations"] == 11  # 10 events, then one line with the count
    assert figures["summary_md_kib"] < 64
