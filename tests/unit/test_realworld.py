"""Replaying the real-world corpus (`tests/data/realworld/`, a byte-for-byte copy of the
answers other people recorded or typed; see its PROVENANCE.md): every answer, served as a
master's status, ends the real wait with a clear verdict or a clear one-line error, and
the reports are written. `python -m pytest tests -k realworld` runs exactly this.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import requests_mock as rm

from ci_gate.commands.wait import run_wait
from ci_gate.config.credentials import Credentials
from ci_gate.config.settings import ApiSettings, HttpSettings, WaitSettings
from ci_gate.domain.levels import parse_threshold
from ci_gate.signals import SignalGuard
from tests.support.helpers import assert_no_traceback, assert_valid_junit, mock_live_data

CORPUS = Path(__file__).parents[1] / "data" / "realworld"
SHARED = Path(__file__).parents[3] / "shared" / "realworld"
API = "https://api.example.test/api/v4"
# the live-data answers (`taurus-reports/data-*.json`) are replayed through their own
# parsers in tests/unit/blazemeter/test_live_data.py, each with what it must give
ANSWERS = sorted(
    path
    for path in CORPUS.rglob("*.json")
    if path.name != "status-sequences.json" and not path.name.startswith("data-")
)
SEQUENCES = json.loads((CORPUS / "taurus-tests" / "status-sequences.json").read_text())

#: What each answer must give when a master's status answers it on every poll:
#: (level, verdict, words the reason or the master's notes must hold). Answers not listed
#: here must still give one of the verdicts, with one line and reports.
EXPECTED: dict[str, tuple[str, str, str]] = {
    "masterStatus_140.json": ("INFO", "failed", "60 events at INFO or above"),
    "getStatus-r-v4-5e83c504df4a3.json": ("WARNING", "failed", "4 events at WARNING"),
    "getStatus-r-v4-5e85277fd8596.json": ("WARNING", "failed", "3 events at WARNING"),
    "masterStatus_100.json": ("ERROR", "timeout", "DATA_RECIEVED"),
    "masterStatus_25.json": ("ERROR", "timeout", "BOOT-STARTING"),
    "masterStatus_100_notes.json": ("ERROR", "timeout", "no event list"),
    "not_found.json": ("ERROR", "error", "master not found (Not Found: Item Not Found)"),
    "unauthorized-401.json": ("ERROR", "error", "credentials rejected (Unauthorized)"),
    "getSessionId_v2_500.json": ("ERROR", "error", "Test already running, please stop it"),
    # ENDED without an event list: its events are unknown, so it cannot pass (fail closed)
    "sessionStatus_140.json": ("ERROR", "error", "carried no event list"),
}


def _wait(folder: Path, answers: list[bytes], level: str = "ERROR") -> tuple[int, str, str]:
    """The real wait (client, waiter, reports) against an API serving `answers` in order
    (the last one for ever) for master 1's status; returns (exit code, stdout, stderr)."""
    api = ApiSettings(
        url=API,
        credentials=Credentials("id", "secret"),
        http=HttpSettings(retry_max_time=0.2, retry_factor=0.01, retry_max_delay=0.02),
    )
    wait = WaitSettings(
        master_ids=("1",),
        level=parse_threshold(level),
        timeout=0.4,
        interval=0.05,
        report_dir=folder,
    )
    stdout, stderr = io.StringIO(), io.StringIO()
    with rm.Mocker() as mock:
        mock.get(f"{API}/masters/1/status", [{"content": body} for body in answers])
        mock.post(re.compile(f"{API}/masters/1/.*"), content=answers[-1])
        # BlazeMeter's verdict: a real recorded GET /masters/{id} answer (`passed`, no
        # reportStatus), and no summary report (the KPIs are then only a note)
        mock.get(
            f"{API}/masters/1",
            content=(CORPUS / "xlr-plugin/getMasters-27081107.json").read_bytes(),
        )
        mock.get(re.compile(f"{API}/masters/1/reports/.*"), status_code=404)
        mock_live_data(mock, API)
        code = run_wait(wait, api, SignalGuard(), stdout=stdout, stderr=stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def _check_clear(folder: Path, code: int, stdout: str, stderr: str) -> dict[str, object]:
    assert_no_traceback(stdout, stderr)
    summary: dict[str, object] = json.loads((folder / "summary.json").read_text())
    assert summary["exit_code"] == code
    assert summary["verdict"] in ("passed", "failed", "timeout", "error")
    verdict_lines = [
        line
        for line in (stdout + stderr).splitlines()
        if line.startswith(f"ci-gate: {summary['verdict']}: ")
    ]
    assert len(verdict_lines) == 1, stdout + stderr
    assert_valid_junit((folder / "junit.xml").read_bytes())
    return summary


@pytest.mark.parametrize("path", ANSWERS, ids=[path.name for path in ANSWERS])
def test_realworld_answer_gives_a_clear_verdict(tmp_path: Path, path: Path) -> None:
    level, verdict, words = EXPECTED.get(path.name, ("ERROR", "", ""))
    code, stdout, stderr = _wait(tmp_path, [path.read_bytes()], level)
    summary = _check_clear(tmp_path, code, stdout, stderr)
    if verdict:
        assert summary["verdict"] == verdict, summary["reason"]
        notes = " ".join(summary["masters"][0]["notes"])  # type: ignore[index]
        assert words in f"{summary['reason']} {notes}", summary


@pytest.mark.parametrize("name", sorted(k for k in SEQUENCES if not k.startswith("_")))
def test_realworld_taurus_sequence_gives_a_clear_verdict(tmp_path: Path, name: str) -> None:
    answers = [json.dumps(answer).encode() for answer in SEQUENCES[name]]
    code, stdout, stderr = _wait(tmp_path, answers)
    summary = _check_clear(tmp_path, code, stdout, stderr)
    last = SEQUENCES[name][-1]["result"]
    if last.get("status") == "ENDED":
        # Taurus's hand-written answers carry no event list: never a pass on unknown events
        expected = "passed" if "events" in last else "error"
        assert summary["verdict"] == expected, summary["reason"]


def test_realworld_corpus_is_the_shared_one_byte_for_byte() -> None:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not here (a clone without the project's shared folder)")
    ours = {p.relative_to(CORPUS): p.read_bytes() for p in CORPUS.rglob("*") if p.is_file()}
    theirs = {p.relative_to(SHARED): p.read_bytes() for p in SHARED.rglob("*") if p.is_file()}
    assert ours == theirs
