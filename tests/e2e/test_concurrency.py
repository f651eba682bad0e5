"""Concurrent polling is real and bounded (issue 13): a simulator that answers every request
50 ms late and records the requests in flight; the real `ci-gate` with 40 masters."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from tests.support.helpers import gate_env, run_gate, simulator, wait_args, write_scenario

MASTERS = [str(50100001 + n) for n in range(40)]


def _peak(url: str) -> int:
    base = url.rsplit("/api/v4", 1)[0]
    with urllib.request.urlopen(f"{base}/_simulator/calls", timeout=5) as answer:
        peak: int = json.load(answer)["max_in_flight"]
    return peak


def _scenario(folder: Path) -> Path:
    steps = [{"status": "DATA_RECEIVED", "polls": 3}, {"status": "ENDED"}]
    return write_scenario(folder, {master: {"steps": steps} for master in MASTERS})


def test_the_pool_is_never_exceeded_by_the_real_process(tmp_path: Path) -> None:
    """Never beyond the pool, over real sockets; that it fills to its size exactly is
    checked without timing in tests/unit/wait/test_pool.py. The run at the default pool
    (16) also shows that the output of 40 masters polled at once stays whole lines, each
    master's in order."""
    for pool in ("8", "16"):
        report = tmp_path / f"r{pool}"
        with simulator(_scenario(tmp_path), "--latency", "0.05") as sim:
            run = run_gate(
                wait_args(sim, report, "--interval", "0.5"),
                report,
                env=gate_env(CI_GATE_CONCURRENCY=pool),
            )
            peak = _peak(sim.url)
        assert run.code == 0, run.stderr
        assert 1 <= peak <= int(pool), f"pool {pool}: {peak} requests in flight at most"
        assert len(run.summary["masters"]) == 40
    _assert_whole_lines_in_order_per_master(run.stdout)


def _assert_whole_lines_in_order_per_master(stdout: str) -> None:
    for master in MASTERS:
        lines = [line for line in stdout.splitlines() if f"master {master}:" in line]
        statuses = [line.rsplit(": ", 1)[1] for line in lines if line.startswith("[")]
        assert statuses[:2] == ["DATA_RECEIVED (100)", "ENDED (140)"], lines
    for line in stdout.splitlines():
        assert line.startswith(("[", "ci-gate: ")), line
