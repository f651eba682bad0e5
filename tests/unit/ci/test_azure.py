"""Azure Pipelines: the logging commands the gate prints, read back with a reader written
from Microsoft's documented grammar (tests/support/azure_log.py), hostile text included."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate.ci import publish, tell_exit_code
from ci_gate.ci.azure import escape_data, escape_property, logging_command
from ci_gate.ci.issues import MAX_ISSUES
from ci_gate.ci.target import find_target
from ci_gate.config.ci_env import detect_ci
from ci_gate.domain.outcome import Outcome
from ci_gate.report import ReportPaths, write_reports
from tests.support.azure_log import GrammarError, read_command, read_log
from tests.support.helpers import event, make_outcome, master_outcome

#: Hostile event texts, each with what the reader must still see of it in its issue.
SHOWN = {
    "##vso[task.setvariable variable=CI_GATE_VERDICT;isoutput=true]passed": "]passed",
    "##vso[task.complete result=Succeeded;]done": "result=Succeeded;]done",
    "ok]then ##VSO[task.setvariable variable=X]1": "ok]then # #VSO[",
    "a;b]c%d%AZP25e%0A": "a;b]c%d%AZP25e%0A",
    "line one\n##vso[task.logissue type=warning]two\r\n##[group]three": "\\r\\n# #[group]three",
    "\x1b[31m#\x1b[0m#vso[task.uploadsummary]/etc/passwd": "# #vso[task.uploadsummary]/etc/passwd",
    "##[error]forged ##[section]x": "# #[error]forged",
}
HOSTILE = list(SHOWN)
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=80)


def test_the_documented_escapes() -> None:
    assert escape_data("100%\r\n;]") == "100%AZP25%0D%0A;]"
    assert escape_property("100%\r\n;]") == "100%AZP25%0D%0A%3B%5D"
    assert escape_data("%0A") == "%AZP250A"  # an escape in the text stays text
    assert logging_command("task.logissue", "x", {"type": "error"}) == (
        "##vso[task.logissue type=error]x"
    )
    assert logging_command("task.uploadsummary", "/r/summary.md") == (
        "##vso[task.uploadsummary]/r/summary.md"
    )


@pytest.mark.parametrize("area_action", ["task", "task.set variable", "task.x]y", ""])
def test_a_command_name_of_ours_that_breaks_the_grammar_is_refused(area_action: str) -> None:
    with pytest.raises(ValueError):
        logging_command(area_action, "x")
    with pytest.raises(ValueError):
        logging_command("task.setvariable", "x", {"variable;isoutput": "x"})


@settings(max_examples=200, deadline=None)
@given(value=ANY_TEXT, message=ANY_TEXT)
def test_any_value_and_message_come_back_whole_in_one_command(value: str, message: str) -> None:
    line = logging_command("task.setvariable", message, {"variable": value, "isoutput": "true"})
    assert "\n" not in line and "\r" not in line
    assert read_command(line).properties == {"variable": value, "isoutput": "true"}
    assert read_command(line).message == message


def test_the_reader_refuses_what_the_grammar_does_not_allow() -> None:
    for line in (
        "##vso[task.setvariable variable=a;b]x",  # a raw ; makes "b" a property without =
        "##vso[task.logissue type=error]100%",  # a raw %
        "x ##vso[task.complete]x",  # a command not at the start is still a command
    ):
        with pytest.raises(GrammarError):
            read_log(line)


AZURE = detect_ci({"TF_BUILD": "True"})


def _log(outcome: Outcome, paths: ReportPaths, stream: io.StringIO) -> None:
    """What the agent reads of a run (stdout and stderr alike): the adapter's commands,
    then the exit code `cli.main` hands on once the command returns."""
    publish(outcome, paths, AZURE, stream)
    tell_exit_code(AZURE, outcome.exit_code, stream)


def _published(tmp_path: Path, *messages: str) -> tuple[str, Path]:
    events = tuple(event(message=text) for text in messages)
    outcome = make_outcome(master_outcome("failed", events, report_url="https://r.test/1"))
    paths = write_reports(outcome, tmp_path / "report")
    stream = io.StringIO()
    _log(outcome, paths, stream)
    return stream.getvalue(), paths.summary_md


def test_hostile_event_text_is_an_issue_and_nothing_more(tmp_path: Path) -> None:
    log_text, summary_md = _published(tmp_path, *HOSTILE)
    log = read_log(log_text)  # inert: no command inside a value or a message
    assert log.groups == ["##[group]ci-gate: status timeline", "##[endgroup]"]
    names = [command.area_action for command in log.commands]
    assert (
        names
        == ["task.logissue"] * len(HOSTILE) + ["task.uploadsummary"] + ["task.setvariable"] * 4
    )
    for command, text in zip(log.named("task.logissue"), HOSTILE, strict=True):
        assert command.properties == {"type": "error"}
        assert command.message.startswith("ci-gate: master 123: ")
        assert SHOWN[text] in command.message, (text, command.message)
    (upload,) = log.named("task.uploadsummary")
    assert upload.properties == {} and upload.message == str(summary_md.absolute())
    assert Path(upload.message).is_absolute() and Path(upload.message).is_file()
    variables = {c.properties["variable"]: c.message for c in log.named("task.setvariable")}
    assert variables == {
        "CI_GATE_VERDICT": "failed",
        "CI_GATE_EXIT_CODE": "1",
        "CI_GATE_MASTER_ID": "123",
        "CI_GATE_REPORT_URL": "https://r.test/1",
    }
    assert all(c.properties["isoutput"] == "true" for c in log.named("task.setvariable"))


@settings(max_examples=100, deadline=None)
@given(messages=st.lists(ANY_TEXT | st.sampled_from(HOSTILE), min_size=1, max_size=3))
def test_no_event_text_forms_a_command(
    tmp_path_factory: pytest.TempPathFactory, messages: list[str]
) -> None:
    log_text, _ = _published(tmp_path_factory.mktemp("azure"), *messages)
    log = read_log(log_text)
    assert len(log.named("task.logissue")) == len(messages)
    assert len(log.commands) == len(messages) + 5


def test_issues_are_capped_like_the_github_annotations(tmp_path: Path) -> None:
    log_text, _ = _published(tmp_path, *(f"error {n}" for n in range(MAX_ISSUES + 5)))
    issues = read_log(log_text).named("task.logissue")
    assert [c.properties["type"] for c in issues] == ["error"] * MAX_ISSUES + ["warning"]
    assert issues[-1].message == "ci-gate: 5 more offending events, see summary.json"


def test_a_passing_run_sets_the_variables_and_flags_nothing(tmp_path: Path) -> None:
    outcome = make_outcome(master_outcome("passed"))
    paths = write_reports(outcome, tmp_path / "report")
    stream = io.StringIO()
    _log(outcome, paths, stream)
    log = read_log(stream.getvalue())
    assert [c.area_action for c in log.commands] == ["task.uploadsummary"] + [
        "task.setvariable"
    ] * 3  # no report link known: no CI_GATE_REPORT_URL (the last is the exit code)
    assert log.named("task.setvariable")[0].message == "passed"


def test_no_summary_file_no_upload(tmp_path: Path) -> None:
    """When the reports could not be written, the agent is not sent to a missing file."""
    outcome = make_outcome(master_outcome("error", error="could not write the reports"))
    paths = write_reports(outcome, tmp_path / "report")
    paths.summary_md.unlink()
    stream = io.StringIO()
    _log(outcome, paths, stream)
    log = read_log(stream.getvalue())
    assert not log.named("task.uploadsummary")
    assert log.named("task.logissue")[0].message.endswith("could not write the reports")


def test_a_review_comment_under_azure_is_said_to_be_unsupported() -> None:
    """--comment in Azure Pipelines: one clear reason (pull-request comments on Azure Repos
    are not implemented), found through the one CI detection, never a GitHub or GitLab
    target read from stray variables."""
    why = find_target(detect_ci({"TF_BUILD": "True", "BUILD_REASON": "PullRequest"}))
    assert why == (
        "review comments are not supported in Azure Pipelines: ci-gate does not comment on "
        "Azure Repos pull requests (summary.md is on the run's summary page)"
    )
    # the detection decides, as it does for the outputs: GitLab's variables win over Azure's
    assert "merge-request" in str(find_target(detect_ci({"TF_BUILD": "True", "GITLAB_CI": "true"})))


def test_an_error_that_names_its_master_is_not_prefixed_again(tmp_path: Path) -> None:
    """`ci-gate: master 4242: master not found`, not `master 4242: master 4242: ...`
    (outside review of the stop paths, item 3)."""
    outcome = make_outcome(
        master_outcome("error", master_id="4242", error="master 4242: master not found")
    )
    paths = write_reports(outcome, tmp_path / "report")
    stream = io.StringIO()
    _log(outcome, paths, stream)
    (issue,) = read_log(stream.getvalue()).named("task.logissue")
    assert issue.message == "ci-gate: master 4242: master not found"
