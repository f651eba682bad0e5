"""The live-data bytes figure from bench/live_bytes.py (issue 31's performance goal): an
hour of run read at --interval 10 for three criteria on two labels costs at most 1.5x
reading each second once, grows linearly with the run, and releases every second once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_live_kpis_cost_about_each_second_once_and_grow_linearly() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "live_bytes.py"), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    figures = json.loads(done.stdout)
    print(f"live bytes: {figures}")
    assert figures["ratio"] <= 1.5 and figures["exponent"] <= 1.1
    assert figures["seconds_released_60m"] == 3 * 3600
    assert figures["goals_met"] and done.returncode == 0
