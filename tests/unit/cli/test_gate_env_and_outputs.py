"""What the attackers of issue 30 found at the edges of the outputs: an earlier run's
gate.env handed on by a job that wrote none (item 5), `start` acting on a report folder
it has no option for (item 6), `stop` not proving $GITHUB_OUTPUT (item 7)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ci_gate import cli
from ci_gate.errors import ApiError
from ci_gate.report.atomic import SET_NAMES
from ci_gate.text import forget_secrets

EARLIER = "CI_GATE_VERDICT=passed\nCI_GATE_EXIT_CODE=0\nCI_GATE_MASTER_ID=1\n"


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("BLAZEMETER_API_KEY_ID", "key-id-of-test-gate-env")
    monkeypatch.setenv("BLAZEMETER_API_KEY_SECRET", "key-secret-of-test-gate-env")
    for name in ("GITLAB_CI", "GITHUB_ACTIONS", "TF_BUILD", "CI_GATE_REPORT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    yield
    forget_secrets()  # the process-wide redactor: no other test's text is redacted


def _earlier_set(folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    for name in SET_NAMES:
        (folder / name).write_text(EARLIER if name == "gate.env" else "earlier run")


def _start_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from ci_gate.commands import start

    def refused(*args: object, **kwargs: object) -> str:
        raise ApiError("could not start test 1: refused; no run was started")

    monkeypatch.setattr(start, "start_test", refused)


def _code(argv: list[str]) -> int:
    try:
        return cli.main(argv)
    except SystemExit as leaving:
        return int(str(leaving.code))


@pytest.mark.usefixtures("keys")
@pytest.mark.parametrize(
    "argv",
    [
        ["wait", "not-an-id", "--report-dir", "rD"],
        ["run", "1", "--timeout", "-5", "--report-dir", "rD"],
        ["start", "not-an-id"],
    ],
)
def test_a_usage_error_inside_gitlab_leaves_no_earlier_verdict_standing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, argv: list[str]
) -> None:
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_GATE_REPORT_DIR", "rD")
    _earlier_set(tmp_path / "rD")
    assert _code(argv) == 2
    assert (tmp_path / "rD" / "gate.env").read_text() == "CI_GATE_EXIT_CODE=2\n"
    assert not (tmp_path / "rD" / "summary.json").exists()


@pytest.mark.usefixtures("keys")
def test_a_failed_start_inside_gitlab_leaves_no_earlier_verdict_standing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_GATE_REPORT_DIR", "rD")
    _earlier_set(tmp_path / "rD")
    _start_fails(monkeypatch)
    assert _code(["start", "1"]) == 4
    assert (tmp_path / "rD" / "gate.env").read_text() == "CI_GATE_EXIT_CODE=4\n"
    assert not (tmp_path / "rD" / "summary.json").exists()


@pytest.mark.usefixtures("keys")
def test_stop_never_touches_the_gate_env_of_the_wait_before_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`stop` runs in GitLab's after_script, after the wait wrote its verdict."""
    monkeypatch.setenv("GITLAB_CI", "true")
    _earlier_set(tmp_path / "ci-gate-report")
    assert _code(["stop", "not-an-id"]) == 2
    assert (tmp_path / "ci-gate-report" / "gate.env").read_text() == EARLIER


@pytest.mark.usefixtures("keys")
def test_outside_gitlab_start_makes_no_report_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ci_gate.commands import start

    monkeypatch.setattr(start, "start_test", lambda *args, **kwargs: "123")
    assert _code(["start", "1"]) == 0
    assert not (tmp_path / "ci-gate-report").exists()
    monkeypatch.setenv("CI_GATE_REPORT_DIR", "/proc/nope")
    assert _code(["start", "1"]) == 0


@pytest.mark.usefixtures("keys")
def test_inside_gitlab_start_names_the_variable_that_chose_its_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITLAB_CI", "true")
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("CI_GATE_REPORT_DIR", str(tmp_path / "a-file" / "reports"))
    _start_fails(monkeypatch)  # never reached
    assert _code(["start", "1"]) == 2
    error = capsys.readouterr().err
    assert "CI_GATE_REPORT_DIR" in error and "--report-dir" not in error


@pytest.mark.usefixtures("keys")
@pytest.mark.parametrize("kind", ["a folder", "a missing folder", "a fifo"])
def test_stop_proves_github_output_first_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    import os

    output = tmp_path / "out"
    if kind == "a folder":
        output.mkdir()
    elif kind == "a missing folder":
        output = tmp_path / "nope" / "out"
    else:
        os.mkfifo(output)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    assert _code(["stop", "1", "--api-url", "http://127.0.0.1:9/api/v4"]) == 2
    assert str(output) in capsys.readouterr().err


def test_the_gate_env_of_a_start_stays_and_is_given_the_exit_code_of_what_failed_after(
    tmp_path: Path,
) -> None:
    """`start` then `wait` in one job: the wait proves its outputs (the master id stays),
    then fails before its reports: the code is added beside the id."""
    from ci_gate.ci.gitlab import hand_exit_code
    from ci_gate.commands.outputs import prepare_outputs
    from ci_gate.config.ci_env import detect_ci

    (tmp_path / "gate.env").write_text("CI_GATE_MASTER_ID=9\n")
    prepare_outputs(tmp_path, detect_ci({"GITLAB_CI": "true"}))
    assert (tmp_path / "gate.env").read_text() == "CI_GATE_MASTER_ID=9\n"
    hand_exit_code(tmp_path, 0)  # `start` itself: left as it wrote it
    assert (tmp_path / "gate.env").read_text() == "CI_GATE_MASTER_ID=9\n"
    hand_exit_code(tmp_path, 4)
    assert (tmp_path / "gate.env").read_text() == "CI_GATE_MASTER_ID=9\nCI_GATE_EXIT_CODE=4\n"
    hand_exit_code(tmp_path, 3)  # the reports' own (or a code already handed): left
    assert (tmp_path / "gate.env").read_text() == "CI_GATE_MASTER_ID=9\nCI_GATE_EXIT_CODE=4\n"
    _earlier_set(tmp_path)
    prepare_outputs(tmp_path, detect_ci({"GITLAB_CI": "true"}))  # an earlier verdict: gone
    assert not (tmp_path / "gate.env").exists() and not (tmp_path / "summary.json").exists()


def test_a_usage_error_about_a_report_path_still_replaces_the_earlier_verdict(
    tmp_path: Path,
) -> None:
    from ci_gate.ci.gitlab import hand_exit_code

    _earlier_set(tmp_path)
    (tmp_path / "junit.xml").unlink()
    (tmp_path / "junit.xml").mkdir()
    hand_exit_code(tmp_path, 2)
    assert (tmp_path / "gate.env").read_text() == "CI_GATE_EXIT_CODE=2\n"
    assert not (tmp_path / "summary.json").exists()


@pytest.mark.usefixtures("keys")
@pytest.mark.parametrize(
    "argv",
    [
        ["wait", "111", "--bogus"],
        ["wait"],
        ["wait", "111", "--level"],
        ["waitt", "111"],
        [],
        ["run", "5", "--bogus"],
        ["--bogus"],
        ["wait", "111", "--stop-on-cancel=yes"],
        ["start", "1", "--bogus"],
    ],
)
def test_a_usage_error_argparse_caught_inside_gitlab_replaces_the_earlier_verdict(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, argv: list[str]
) -> None:
    """The parser's own usage errors hand their code where the command would have written."""
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_GATE_REPORT_DIR", "rg")
    _earlier_set(tmp_path / "rg")
    assert _code(argv) == 2
    assert (tmp_path / "rg" / "gate.env").read_text() == "CI_GATE_EXIT_CODE=2\n"
    assert not (tmp_path / "rg" / "summary.json").exists()
    assert not (tmp_path / "rg" / "junit.xml").exists()


@pytest.mark.usefixtures("keys")
@pytest.mark.parametrize("form", ["spaced", "joined"])
def test_a_usage_error_argparse_caught_finds_the_report_dir_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, form: str
) -> None:
    monkeypatch.setenv("GITLAB_CI", "true")
    _earlier_set(tmp_path / "ci-gate-report")
    _earlier_set(tmp_path / "mine")
    flag = ["--report-dir", "mine"] if form == "spaced" else ["--report-dir=mine"]
    assert _code(["wait", "111", *flag, "--bogus"]) == 2
    assert (tmp_path / "mine" / "gate.env").read_text() == "CI_GATE_EXIT_CODE=2\n"
    assert (tmp_path / "ci-gate-report" / "gate.env").read_text() == EARLIER
    assert _code(["wait", "--bogus"]) == 2  # none given: the default folder
    assert (tmp_path / "ci-gate-report" / "gate.env").read_text() == "CI_GATE_EXIT_CODE=2\n"


@pytest.mark.usefixtures("keys")
@pytest.mark.parametrize("argv", [["stop", "111", "--bogus"], ["stop"], ["demo", "--bogus"]])
def test_a_usage_error_argparse_caught_for_stop_leaves_the_wait_verdict(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, argv: list[str]
) -> None:
    monkeypatch.setenv("GITLAB_CI", "true")
    _earlier_set(tmp_path / "ci-gate-report")
    assert _code(argv) == 2
    assert (tmp_path / "ci-gate-report" / "gate.env").read_text() == EARLIER


@pytest.mark.usefixtures("keys")
@pytest.mark.parametrize("folder", ["", "a-file", "unwritable"])
def test_a_usage_error_argparse_caught_with_an_unusable_folder_still_exits_2(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    folder: str,
) -> None:
    monkeypatch.setenv("GITLAB_CI", "true")
    (tmp_path / "a-file").write_text("")
    if folder == "unwritable":
        _earlier_set(tmp_path / folder)
        (tmp_path / folder / "gate.env").unlink()
        (tmp_path / folder / "gate.env").mkdir()  # cannot be replaced
    assert _code(["wait", "111", f"--report-dir={folder}", "--bogus"]) == 2
    warnings = [line for line in capsys.readouterr().err.splitlines() if "gate.env" in line]
    assert len(warnings) <= 1
    if folder == "":
        assert warnings == ["ci-gate: gate.env not replaced: --report-dir is empty: name a folder"]
