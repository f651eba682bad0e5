"""GitHub and GitLab adapters: inert server text, safe outputs, limits."""

from __future__ import annotations

import io
import json
from pathlib import Path

from ci_gate import text
from ci_gate.ci import publish, tell_exit_code
from ci_gate.ci.github import (
    MAX_ANNOTATIONS,
    STEP_SUMMARY_LIMIT,
    annotation_lines,
    escape_data,
    write_outputs,
    write_step_summary,
)
from ci_gate.config.ci_env import detect_ci
from ci_gate.report import write_reports
from tests.support.fakes import FakeClock
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
    publish(outcome, paths, detect_ci({"GITLAB_CI": "true"}), stream)
    report_id = json.loads(paths.summary_json.read_text())["report_id"]
    assert (tmp_path / "gate.env").read_text() == (
        f"CI_GATE_VERDICT=failed\nCI_GATE_EXIT_CODE=1\nCI_GATE_REPORT_ID={report_id}\n"
        "CI_GATE_MASTER_ID=123\n"
    )
    assert "section_start:" in stream.getvalue() and "section_end:" in stream.getvalue()


def test_gitlabs_section_is_stamped_on_the_clock_it_is_given(tmp_path: Path) -> None:
    """Issue 30 item 5: the stamp is the command's wall clock's (a fake one here)."""
    outcome = make_outcome(master_outcome("passed"))
    paths = write_reports(outcome, tmp_path, dotenv=True)
    stream = io.StringIO()
    fake = FakeClock()
    publish(outcome, paths, detect_ci({"GITLAB_CI": "true"}), stream, clock=fake.clock())
    stamp = int(FakeClock.EPOCH.timestamp())
    assert f"section_start:{stamp}:ci_gate_timeline" in stream.getvalue()
    assert f"section_end:{stamp}:ci_gate_timeline" in stream.getvalue()


def test_no_ci_means_plain_output(tmp_path: Path) -> None:
    outcome = make_outcome(master_outcome())
    paths = write_reports(outcome, tmp_path)
    stream = io.StringIO()
    for outside in ({}, {"JENKINS_URL": "x"}):  # Jenkins too: known for the note only
        publish(outcome, paths, detect_ci(outside), stream)
        tell_exit_code(detect_ci(outside), outcome.exit_code, stream)
    assert stream.getvalue() == "" and not (tmp_path / "gate.env").exists()


def test_the_step_outputs_leave_the_exit_code_to_its_one_writer(tmp_path: Path) -> None:
    """`publish` writes every output but `exit-code`; `tell_exit_code` (which `cli.main`
    calls on every path) writes that one, whatever path wrote the rest (issue 30 item 2)."""
    outcome = make_outcome(master_outcome("failed"))
    paths = write_reports(outcome, tmp_path / "r")
    output_file = tmp_path / "gh-output"
    ci = detect_ci({"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(output_file)})
    publish(outcome, paths, ci, io.StringIO())
    assert "exit-code" not in parse_github_outputs(output_file.read_text())
    tell_exit_code(ci, 130, io.StringIO())
    assert parse_github_outputs(output_file.read_text())["exit-code"] == "130"


def test_no_github_output_file_no_exit_code_and_no_error() -> None:
    stream = io.StringIO()
    tell_exit_code(detect_ci({"GITHUB_ACTIONS": "true"}), 2, stream)
    assert stream.getvalue() == ""


def test_an_exit_code_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    stream = io.StringIO()
    folder = tmp_path / "a-folder"
    folder.mkdir()
    tell_exit_code(detect_ci({"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(folder)}), 2, stream)
    assert stream.getvalue().startswith("ci-gate: could not write the GitHub output: ")


def test_the_outputs_delimiter_holds_no_run_of_a_registered_secret(tmp_path: Path) -> None:
    """A secret that happens to spell our delimiter's prefix (`CI_GATE_`) is never written
    beside the value: the delimiter is chosen so that redaction leaves it whole."""
    text.forget_secrets()
    try:
        text.register_secret("CI_GATE_")
        path = tmp_path / "out"
        write_outputs(path, {"master-id": "123"})
        written = path.read_text()
        assert "ci_gate_" not in written.lower()
        assert parse_github_outputs(written) == {"master-id": "123"}
    finally:
        text.forget_secrets()
