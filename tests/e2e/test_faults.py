"""The fault matrix: every kind of API trouble, the real `ci-gate` against the simulator.

Each row checks the verdict, the exit code, the time taken, the number of requests and that
the reports are present and valid, and the matrix is printed as a table at the end.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.helpers import (
    CORE_REPORTS,
    FAULT_MATRIX,
    START_UP_UNDER_LOAD,
    STATE_END,
    STATE_START,
    assert_no_traceback,
    assert_valid_junit,
    core_reports,
    gate_env,
    run_gate,
    simulator,
    wait_args,
    write_scenario,
)


def recovering(*faults: dict[str, Any]) -> dict[str, Any]:
    """A master that meets the faults between two good answers, then ends cleanly."""
    return {"steps": [STATE_START, *({"fault": f} for f in faults), STATE_END]}


def http_date(seconds_from_now: float) -> str:
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


@dataclass
class Row:
    name: str
    masters: dict[str, Any] | None  # None: no simulator (connection refused)
    code: int
    verdict: str
    extra: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    max_seconds: float = 15.0
    stderr: str = ""  # a phrase the one-line reason must contain (failing exits)


def event(level: str, message: str, t: int) -> dict[str, Any]:
    return {"level": level, "message": message, "t": t}


ROWS = [
    Row("HTTP 500", {"1": recovering({"http_status": 500})}, 0, "passed"),
    Row(
        "HTTP 502",
        {"1": recovering({"http_status": 502, "body": "<html>Bad Gateway</html>"})},
        0,
        "passed",
    ),
    Row("HTTP 503", {"1": recovering({"http_status": 503}, {"http_status": 503})}, 0, "passed"),
    Row("HTTP 504", {"1": recovering({"http_status": 504})}, 0, "passed"),
    Row(
        "429 Retry-After seconds",
        {"1": recovering({"http_status": 429, "headers": {"Retry-After": "2"}})},
        0,
        "passed",
    ),
    Row(
        "429 Retry-After HTTP date", {"1": recovering({"http_status": 429})}, 0, "passed"
    ),  # date set below
    Row("cut connection", {"1": recovering({"cut": True}, {"cut": True})}, 0, "passed"),
    Row(
        "slower than the read timeout",
        {"1": recovering({"delay": 3})},
        0,
        "passed",
        env={"CI_GATE_HTTP_TIMEOUT": "1"},
    ),
    Row(
        "HTML body",
        {"1": recovering({"http_status": 200, "body": "<html><body>Login</body></html>"})},
        0,
        "passed",
    ),
    Row("truncated JSON", {"1": recovering({"http_status": 200, "truncate": True})}, 0, "passed"),
    Row(
        "200 with a retryable error envelope",
        {
            "1": recovering(
                {
                    "http_status": 200,
                    "body": {
                        "api_version": 4,
                        "error": {"code": 500, "message": "Internal"},
                        "result": None,
                    },
                }
            )
        },
        0,
        "passed",
    ),
    Row(
        "200 with a 404 error envelope",
        {
            "1": {
                "steps": [
                    {
                        "fault": {
                            "http_status": 200,
                            "body": {
                                "error": {"code": 404, "message": "Not found"},
                                "result": None,
                            },
                        },
                        "repeat": "forever",
                    }
                ]
            }
        },
        4,
        "error",
        stderr="master not found (Not found)",
        max_seconds=5,
    ),
    Row(
        "result null",
        {
            "1": recovering(
                {"http_status": 200, "body": {"api_version": 4, "error": None, "result": None}}
            )
        },
        0,
        "passed",
    ),
    Row(
        "missing status and progress",
        {
            "1": recovering(
                {
                    "http_status": 200,
                    "body": {"api_version": 4, "error": None, "result": {"id": 1, "events": []}},
                }
            )
        },
        0,
        "passed",
    ),
    Row(
        "wrongly typed fields",
        {
            "1": {
                "steps": [
                    {
                        "status": "DATA_RECEIVED",
                        "result": {"progress": "lots", "sessions": "x", "events": None},
                    },
                    {"status": "DATA_RECEIVED", "result": {"events": {"not": "a list"}}},
                    STATE_END,
                ]
            }
        },
        0,
        "passed",
    ),
    Row(
        "unreadable event level",
        {
            "1": {
                "steps": [
                    STATE_START,
                    {"status": "ENDED", "events": [{"level": "LOUD", "message": "what is this"}]},
                ]
            }
        },
        1,
        "failed",
        stderr="LOUD (unrecognised)",
    ),
    Row(
        "only garbage, for ever",
        {
            "1": {
                "steps": [
                    {
                        "fault": {"http_status": 200, "body": "<html>maintenance</html>"},
                        "repeat": "forever",
                    }
                ]
            }
        },
        4,
        "error",
        env={"CI_GATE_RETRY_MAX_TIME": "3"},
        stderr="not BlazeMeter's JSON envelope",
    ),
    Row(
        "5xx for ever",
        {"1": {"steps": [{"fault": {"http_status": 503}, "repeat": "forever"}]}},
        4,
        "error",
        env={"CI_GATE_RETRY_MAX_TIME": "3"},
        stderr="the API failed (HTTP 503",
    ),
    Row(
        "unknown status",
        {"1": {"steps": [STATE_START, {"status": "WARP_SPEED"}, STATE_END]}},
        0,
        "passed",
    ),
    Row(
        "progress going backwards",
        {
            "1": {
                "steps": [
                    {"status": "TAURUS_ENGINE_READY"},
                    {"status": "TAURUS_ENGINE_INIT"},
                    STATE_END,
                ]
            }
        },
        0,
        "passed",
    ),
    Row(
        "events out of order and duplicated",
        {
            "1": {
                "steps": [
                    {
                        "status": "DATA_RECEIVED",
                        "events": [
                            event("ERROR", "dup", 5),
                            event("ERROR", "dup", 5),
                            event("ERROR", "late", 9),
                            event("ERROR", "early", 1),
                        ],
                    },
                    {"status": "ENDED", "events": [event("ERROR", "dup", 5)]},
                ]
            }
        },
        1,
        "failed",
        stderr="5 events at ERROR or above",
    ),  # dup x3, late, early
    Row(
        "connection refused",
        None,
        4,
        "error",
        env={"CI_GATE_RETRY_MAX_TIME": "2"},
        stderr="connection refused",
    ),
    Row(
        "HTTP 401",
        {"1": {"steps": [{"fault": {"http_status": 401}, "repeat": "forever"}]}},
        4,
        "error",
        stderr="credentials rejected (HTTP 401",
        max_seconds=5,
    ),
    Row(
        "HTTP 403",
        {"1": {"steps": [{"fault": {"http_status": 403}, "repeat": "forever"}]}},
        4,
        "error",
        stderr="access denied to this master (HTTP 403",
        max_seconds=5,
    ),
    Row(
        "HTTP 404",
        {"1": {"steps": [{"fault": {"http_status": 404}, "repeat": "forever"}]}},
        4,
        "error",
        stderr="master not found (HTTP 404",
        max_seconds=5,
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_fault(tmp_path: Path, row: Row) -> None:
    report_dir = tmp_path / "report"
    env = gate_env(**row.env)
    if row.masters is None:
        args = [
            "wait",
            "1",
            "--api-url",
            "http://127.0.0.1:9/api/v4",
            "--interval",
            "0.1",
            "--report-dir",
            str(report_dir),
        ]
        run = run_gate(args, report_dir, env=env)
        requests = -1
        own = None  # no server: no first request to measure from
    else:
        masters = row.masters
        if row.name == "429 Retry-After HTTP date":
            masters = {
                "1": recovering({"http_status": 429, "headers": {"Retry-After": http_date(2)}})
            }
        with simulator(write_scenario(tmp_path, masters)) as sim:
            run = run_gate(
                wait_args(sim, report_dir, "--timeout", "60", *row.extra), report_dir, env=env
            )
            requests = sum(1 for call in sim.calls() if "/status" in call["path"])
            own = run.ended_at - sim.first_call_at()  # from its first request: it is up
    reports = core_reports(report_dir)
    FAULT_MATRIX.append(
        (
            row.name,
            run.summary["verdict"],
            run.code,
            run.seconds,
            requests,
            "valid" if reports == CORE_REPORTS else str(reports),
        )
    )
    assert run.code == row.code, run.stdout + run.stderr
    assert run.summary["verdict"] == row.verdict
    assert reports == CORE_REPORTS
    assert_valid_junit(run.junit)
    assert_no_traceback(run.stdout, run.stderr)
    # the row's bound on the gate's own time; from the process's start, its start-up on
    # a loaded machine more
    assert own is None or own < row.max_seconds, own
    assert run.seconds < row.max_seconds + START_UP_UNDER_LOAD, run.seconds
    if row.code:
        last = run.stderr.strip().splitlines()[-1]
        assert last.startswith(f"ci-gate: {row.verdict}: ") and row.stderr in last, run.stderr
