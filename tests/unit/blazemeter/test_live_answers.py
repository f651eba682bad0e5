"""What the wiring of `--fail-on` reads from BlazeMeter's answers: the planned load of
`GET /masters/{id}` (what a stop saved) and the aggregate report's totals per label."""

from __future__ import annotations

import json
from pathlib import Path

from ci_gate.blazemeter.answers import (
    parse_aggregate,
    parse_master_info,
    planned_seconds,
)

REALWORLD = Path(__file__).parents[2] / "data/realworld/xlr-plugin/getMasters-27081107.json"


def test_the_planned_load_is_the_longest_execution_with_its_ramp_up() -> None:
    executions = [
        {"holdFor": "30m", "rampUp": "1m"},
        {"holdFor": "10m", "rampUp": "25m"},
        {"rampUp": "2h"},  # no holdFor: not a plan the gate can read
        "junk",
    ]
    assert planned_seconds(executions) == 35 * 60
    assert planned_seconds([]) is None
    assert planned_seconds(None) is None


def test_the_master_answer_carries_its_planned_load() -> None:
    info = parse_master_info("1", {"reportStatus": "pass", "executions": [{"holdFor": "1200s"}]})
    assert info.planned == 1200
    assert parse_master_info("1", {"reportStatus": "pass"}).planned is None


def test_a_recorded_master_answer_gives_its_planned_load() -> None:
    answer = json.loads(REALWORLD.read_text())
    assert parse_master_info("27081107", answer["result"]).planned == 1200


def test_the_aggregate_report_gives_each_labels_totals() -> None:
    report = parse_aggregate(
        "1",
        [
            {
                "labelName": "ALL",
                "samples": 1000,
                "errorsRate": 2.5,
                "avgResponseTime": 410.5,
                "avgLatency": "120",
                "avgBytes": 2048,
                "medianResponseTime": 300,
                "90line": 800,
                "95line": 950,
                "99line": 1400,
            },
            {"labelName": "Checkout", "samples": 10, "errorsCount": 3, "50line": 250},
            {"labelName": "Checkout", "samples": 99},  # listed twice: the first row counts
        ],
    )
    everything = report.totals["ALL"]
    assert everything.samples == 1000 and everything.errors == 25  # the count of the share
    assert (everything.avg_rt, everything.avg_lt, everything.avg_bytes) == (410.5, 120, 2048)
    assert (everything.p50, everything.p90, everything.p95, everything.p99) == (300, 800, 950, 1400)
    checkout = report.totals["Checkout"]
    assert checkout.samples == 10 and checkout.errors == 3 and checkout.p50 == 250
    assert checkout.errors_rate is None and checkout.avg_rt is None
