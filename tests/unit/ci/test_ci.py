"""GitHub and GitLab adapters: inert server text, safe outputs, limits."""

from __future__ import annotations

import io
import json
from pathlib import Path

from ci_gate.ci import detect, publish
from ci_gate.ci.github import (
    MAX_ANNOTATIONS,
    STEP_SUMMARY_LIMIT,
    annotation_lines,
    escape_data,
    write_outputs,
    write_step_summary,
)
from ci_gate.report import write_reports
from tests.support.helpers import (
    event,
    make_outcome,
    master_outcome,
    parse_github_outputs,
    publish_to_github,
)

FORGERIES = [
    "::set-output name=verdict::passed",
    "ok\n::error::forged",
    "ok\r\n::add-mask::x",
    "100%0A::warning::encoded newline",
    "verdict<<EOF\npassed\nEOF",
]


def _commands(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("::")]


def test_detect() -> None:
    assert detect({"GITHUB_ACTIONS": "true"}) == "github"
    assert detect({"GITLAB_CI": "true"}) == "gitlab"
    # only GITLAB_CI=true counts: emulators that set it false are not GitLab
    assert detect({"GITLAB_CI": "false", "CI_JOB_ID": "7", "CI_API_V4_URL": "x"}) is None
    assert detect({"GITLAB_CI": "false"}) is None
    assert detect({"JENKINS_URL": "x"}) is None


def test_escape_data() -> None:
    assert escape_data("a%b\r\nc") == "a%25b%0D%0Ac"


def test_event_text_cannot_issue_workflow_commands(tmp_path: Path) -> None:
    events = tuple(event(message=text) for text in FORGERIES)
    outcome = make_outcome(master_outcome("failed", events))
    paths = write_reports(outcome, tmp_path / "r")
    log, output_file, summary_file = publish_to_github(outcome, paths, tmp_path)
    commands = _commands(log)
    assert commands[0] == "::group::ci-gate: status timeline"
    assert commands[1] == "::endgroup::"
    assert all(c.startswith("::error title=ci-gate%3A master 123::") for c in commands[2:])
    assert len(commands) == 2 + len(FORGERIES)
    outputs = parse_github_outputs(output_file.read_text())
    assert outputs == {
        "verdict": "failed",
        "exit-code": "1",
        "junit-path": str(paths.junit),
        "summary-path": str(paths.summary_json),
        "master-id": "123",
    }
    assert "\n::" not in summary_file.read_text()


def test_outputs_survive_any_value(tmp_path: Path) -> None:
    path = tmp_path / "out"
    write_outputs(path, {"a": "x\nEOF\ny", "b": "plain"})
    assert parse_github_outputs(path.read_text()) == {"a": "x\nEOF\ny", "b": "plain"}


def test_annotations_are_capped_with_a_count() -> None:
    events = tuple(event(message=f"e{n}") for n in range(25))
    lines = annotation_lines(make_outcome(master_outcome("failed", events)))
    assert len(lines) == MAX_ANNOTATIONS + 1
    assert lines[-1] == "::warning title=ci-gate::15 more offending events, see summary.json"


def test_step_summary_stays_under_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "summary"
    path.write_text("x" * 1000)
    write_step_summary(path, "é" * STEP_SUMMARY_LIMIT)
    size = path.stat().st_size
    assert size <= STEP_SUMMARY_LIMIT
    assert "cut to fit" in path.read_text()


def test_gitlab_dotenv_and_section(tmp_path: Path) -> None:
    outcome = make_outcome(master_outcome("failed", (event(message="x\nCI_GATE_VERDICT=passed"),)))
    paths = write_reports(outcome, tmp_path, dotenv=True)
    stream = io.StringIO()
    publish(outcome, paths, {"GITLAB_CI": "true"}, stream)
    report_id = json.loads(paths.summary_json.read_text())["report_id"]
    assert (tmp_path / "gate.env").read_text() == (
        f"CI_GATE_VERDICT=failed\nCI_GATE_EXIT_CODE=1\nCI_GATE_REPORT_ID={report_id}\n"
        "CI_GATE_MASTER_ID=123\n"
    )
    assert "section_start:" in stream.getvalue() and "section_end:" in stream.getvalue()


def test_no_ci_means_plain_output(tmp_path: Path) -> None:
    outcome = make_outcome(master_outcome())
    paths = write_reports(outcome, tmp_path)
    stream = io.StringIO()
    publish(outcome, paths, {}, stream)
    assert stream.getvalue() == "" and not (tmp_path / "gate.env").exists()
