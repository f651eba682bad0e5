"""`cli.main` in process: argument mistakes that must not echo, and the last-resort path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ci_gate import cli
from tools import release


def test_an_unknown_options_value_is_never_echoed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as leaving:
        cli.main(["wait", "1", "--api-key-secret", "S3CR3T", "--x=S3CR3T", "S3CR3T"])
    assert leaving.value.code == 2
    err = capsys.readouterr().err
    assert "S3CR3T" not in err
    assert "unrecognized arguments: --api-key-secret --x (and 2 values, not shown)" in err


@pytest.mark.parametrize("debug", ["", "1"])
def test_a_crash_is_exit_4_with_one_line_and_debug_adds_only_the_trace(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], debug: str
) -> None:
    from ci_gate.commands import stop

    def crash(*args: object, **kwargs: object) -> int:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(stop, "run_stop", crash)
    monkeypatch.setenv("CI_GATE_DEBUG", debug)
    monkeypatch.setenv("BLAZEMETER_API_KEY_ID", "id")
    monkeypatch.setenv("BLAZEMETER_API_KEY_SECRET", "secret")
    assert cli.main(["stop", "1"]) == 4
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == (
        "ci-gate: internal error: ZeroDivisionError: a bug (set CI_GATE_DEBUG=1 for details)"
    )
    assert ("Traceback" in err) == bool(debug)


@pytest.mark.parametrize(
    ("argv", "env", "words"),
    [
        (["wait", "1", "--level", ""], {}, "unknown level ''"),
        (["demo", "--timeout", "nan"], {}, "--timeout must be a number of seconds above 0"),
        (["demo", "--timeout", "0"], {}, "--timeout must be a number of seconds above 0"),
        (["wait", "1"], {"CI_GATE_TIMEOUT": "abc"}, "CI_GATE_TIMEOUT 'abc' is not a duration"),
        (["wait", "1"], {"REQUESTS_CA_BUNDLE": "/nowhere/ca.pem"}, "'/nowhere/ca.pem': no such"),
    ],
)
def test_bad_values_are_exit_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    argv: list[str],
    env: dict[str, str],
    words: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BLAZEMETER_API_KEY_ID", "id")
    monkeypatch.setenv("BLAZEMETER_API_KEY_SECRET", "secret")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1, err


# -- issue 19: usage errors that must be caught (and must not echo a secret) ------------------


@pytest.mark.parametrize(
    "url",
    [
        "htps://user:SECRET@host/api/v4",
        "https://user:SECRET@a.blazemeter.com/api/v4",
        "https://user:SE/CRET@a.blazemeter.com/api/v4",
        "user:SECRET@a.blazemeter.com",
        "http:/user:SECRET@host",
        "https://user:SECRET@[::1/api",
        "https://user:SECRET@host:99999999/api",
        "ftp://SECRET@host",
    ],
)
def test_no_url_shaped_usage_error_echoes_the_userinfo(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BLAZEMETER_API_KEY_ID", "id")
    monkeypatch.setenv("BLAZEMETER_API_KEY_SECRET", "secret")
    for argv in (["wait", "1", "--api-url", url], ["stop", "1", "--api-url", url]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert "SECRET" not in err and "CRET" not in err, err
        assert err.startswith("ci-gate: --api-url ") and err.count("\n") == 1, err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["wait", "0"], "master id '0' is not a positive whole number"),
        (["wait", "-3"], "master id '-3' is not a positive whole number"),
        (["stop", "12x"], "master id '12x' is not a positive whole number"),
        (
            ["wait", "1", "--regression", "p90=+10%", "--regression", "P90=+20%"],
            "--regression gives a limit for p90 more than once",
        ),
    ],
)
def test_bad_master_ids_and_a_metric_limited_twice_are_exit_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    argv: list[str],
    words: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BLAZEMETER_API_KEY_ID", "id")
    monkeypatch.setenv("BLAZEMETER_API_KEY_SECRET", "secret")
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1, err
    assert not (tmp_path / "ci-gate-report").exists()  # nothing polled, nothing written


@pytest.mark.parametrize(
    ("argv", "usage", "hint"),
    [
        (["wait", "1", "--timout", "5"], "usage: ci-gate wait ", "(did you mean --timeout?)"),
        (
            ["run", "7", "--stop-on-timout"],
            "usage: ci-gate run ",
            "(did you mean --stop-on-timeout?)",
        ),
        (["stop", "1", "--verbos"], "usage: ci-gate stop ", ""),
    ],
)
def test_an_unknown_option_shows_its_subcommands_usage_and_the_nearest_option(
    capsys: pytest.CaptureFixture[str], argv: list[str], usage: str, hint: str
) -> None:
    with pytest.raises(SystemExit) as leaving:
        cli.main(argv)
    assert leaving.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(usage), err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"ci-gate {argv[0]}: error: unrecognized arguments: {argv[2]}")
    assert last.endswith(hint)


def test_every_argument_of_every_command_says_what_it_is() -> None:
    """`ci-gate stop --help` listed a bare MASTER_ID, `demo --help` a bare --report-dir."""
    import argparse

    from ci_gate.cli.parser import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = [
        f"{name} {action.metavar or action.dest}"
        for name, sub in commands.choices.items()
        for action in sub._actions
        if not isinstance(action, argparse._HelpAction) and not action.help
    ]
    assert missing == []


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code` (a start-up's imports)."""
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(done.stdout.split())


def test_the_simulator_starts_without_the_http_client_or_the_gate() -> None:
    """`ci-gate simulate` is started by pipelines and by almost every end-to-end test: it
    loads what a server needs, not requests, backoff, the wait loop or the reports."""
    loaded = _modules_after(
        "from ci_gate.cli import handlers\nfrom ci_gate.commands.simulate import run_simulate"
    )
    heavy = {"requests", "urllib3", "backoff", "asyncio", "importlib.metadata"}
    gate = {name for name in loaded if name.startswith(("ci_gate.wait.loop", "ci_gate.report"))}
    assert loaded & heavy == set() and gate == set()


def test_version_is_read_when_asked_for_and_printed_on_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert "importlib.metadata" not in _modules_after("import ci_gate.cli.main")
    with pytest.raises(SystemExit) as leaving:
        cli.main(["--version"])
    assert leaving.value.code == 0
    out, err = capsys.readouterr()
    assert (out, err) == (f"ci-gate {release.current().version}\n", "")


# -- issue 30 item 8: the debug traceback is redacted --------------------------------------------

CANARY = "s3cr3t-canary-4711"


def _leak(secret: str) -> None:
    """A bug whose message and local variable both hold the secret."""
    header = {"Authorization": f"Bearer {secret}"}
    raise RuntimeError(f"the upstream echoed {header}")


@pytest.mark.parametrize("debug", ["true", "1", "YES", " on "])
def test_the_debug_traceback_of_a_crash_never_shows_a_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], debug: str
) -> None:
    from ci_gate.commands import stop

    def crash(*args: object, **kwargs: object) -> int:
        try:
            _leak(CANARY)
        except RuntimeError as error:
            raise ValueError(f"while stopping with {CANARY}") from error
        return 0

    monkeypatch.setattr(stop, "run_stop", crash)
    monkeypatch.setenv("CI_GATE_DEBUG", debug)
    monkeypatch.setenv("BLAZEMETER_API_KEY_ID", "id")
    monkeypatch.setenv("BLAZEMETER_API_KEY_SECRET", CANARY)
    assert cli.main(["stop", "1"]) == 4
    err = capsys.readouterr().err
    assert "Traceback" in err and "_leak" in err  # the trace is there, chain included
    assert "RuntimeError: the upstream echoed {'Authorization': 'Bearer [redacted]'}" in err
    assert CANARY not in err
    assert err.strip().splitlines()[-1] == (
        "ci-gate: internal error: ValueError: while stopping with [redacted] "
        "(set CI_GATE_DEBUG=1 for details)"
    )


def test_the_debug_traceback_of_a_wait_that_crashed_never_shows_a_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The wait's own last resort (the reports still come) shows the trace, redacted."""
    from ci_gate.wait.loop import WaitLoop

    def crash(self: WaitLoop) -> object:
        _leak(CANARY)
        return None

    monkeypatch.setattr(WaitLoop, "run", crash)
    monkeypatch.setenv("CI_GATE_DEBUG", "true")
    monkeypatch.setenv("BLAZEMETER_API_KEY_ID", "id")
    monkeypatch.setenv("BLAZEMETER_API_KEY_SECRET", CANARY)
    report_dir = tmp_path / "r"
    api_url = "http://127.0.0.1:9/api/v4"  # never asked: the loop crashes first
    assert cli.main(["wait", "1", "--api-url", api_url, "--report-dir", str(report_dir)]) == 4
    captured = capsys.readouterr()
    assert "Traceback" in captured.err and "_leak" in captured.err
    assert "Bearer [redacted]" in captured.err
    assert CANARY not in captured.err + captured.out
    assert (report_dir / "summary.json").is_file()


def test_without_debug_a_caught_bug_prints_nothing_and_the_handler_is_gone_after_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`commands.bugs.note_bug` shows nothing unless `cli.main` runs with CI_GATE_DEBUG on,
    and only while it runs (no handler outlives the call, none reaches the root logger)."""
    import logging

    from ci_gate.commands import stop
    from ci_gate.commands.bugs import BUG_LOGGER, note_bug

    def noted(*args: object, **kwargs: object) -> int:
        try:
            _leak(CANARY)
        except RuntimeError:
            note_bug()
        return 0

    monkeypatch.setattr(stop, "run_stop", noted)
    monkeypatch.setenv("BLAZEMETER_API_KEY_ID", "id")
    monkeypatch.setenv("BLAZEMETER_API_KEY_SECRET", CANARY)
    monkeypatch.setenv("CI_GATE_DEBUG", "true")
    assert cli.main(["stop", "1"]) == 0
    shown = capsys.readouterr().err
    assert "Traceback" in shown and "Bearer [redacted]" in shown and CANARY not in shown
    monkeypatch.setenv("CI_GATE_DEBUG", "false")
    assert cli.main(["stop", "1"]) == 0
    assert capsys.readouterr().err == ""
    noted()  # outside main: no handler left to show it
    assert capsys.readouterr().err == ""
    assert logging.getLogger(BUG_LOGGER).propagate is False


def test_a_usage_error_shows_the_users_ipv6_literal_as_typed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Outside review of issue 29 (minor): `[::1` was shown as `[: :1`; two colons that
    cannot start a line are no workflow command (GitHub's rule), so they are left alone."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BLAZEMETER_API_KEY_ID", "id")
    monkeypatch.setenv("BLAZEMETER_API_KEY_SECRET", "secret")
    assert cli.main(["wait", "1", "--api-url", "http://[::1"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "ci-gate: --api-url 'http://[::1' is not an http(s) URL (check the host and the port)\n"
    )


def _every_exit_code_output(path: Path) -> list[str]:
    from tests.support.helpers import parse_github_outputs

    text = path.read_text() if path.exists() else ""
    blocks = text.split("exit-code<<")[1:]
    return [parse_github_outputs("exit-code<<" + block)["exit-code"] for block in blocks]


@pytest.mark.parametrize(
    ("outcome", "code"),
    [("returns", 0), ("a verdict", 1), ("cancelled", 130), ("a bug", 4)],
)
def test_every_path_hands_its_exit_code_to_the_ci_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, outcome: str, code: int
) -> None:
    """GitHub's `exit-code` output is written by one writer, once, after the command: the
    process's own code on every path (issue 30 item 2), a command's return as much as a
    signal or a bug; and a command below `cli` is handed the context, not the env."""
    from ci_gate.commands import stop
    from ci_gate.signals import Cancelled

    seen: list[object] = []

    def command(*args: object, **kwargs: object) -> int:
        seen.extend([*args, *kwargs.values()])
        if outcome == "cancelled":
            raise Cancelled(2)
        if outcome == "a bug":
            raise ZeroDivisionError("a bug")
        return code

    output = tmp_path / "gh-output"
    monkeypatch.setattr(stop, "run_stop", command)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.setenv("BLAZEMETER_API_KEY_ID", "id")
    monkeypatch.setenv("BLAZEMETER_API_KEY_SECRET", "secret")
    assert cli.main(["stop", "1"]) == code
    assert _every_exit_code_output(output) == [str(code)]
    assert not any(isinstance(arg, dict) and "GITHUB_OUTPUT" in arg for arg in seen)


@pytest.mark.parametrize("argv", [["wait", "1", "--level", "NOPE"], ["wiat", "1"]])
def test_a_usage_error_hands_exit_code_2_to_the_ci_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, argv: list[str]
) -> None:
    """A bad value (the handler's) and a command line argparse refuses alike."""
    output = tmp_path / "gh-output"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    try:
        code = cli.main(argv)
    except SystemExit as leaving:
        code = int(str(leaving.code))
    assert code == 2
    assert _every_exit_code_output(output) == ["2"]


def _in_github(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    output = tmp_path / "gh-output"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.setenv("BLAZEMETER_API_KEY_ID", "id")
    monkeypatch.setenv("BLAZEMETER_API_KEY_SECRET", "secret")
    return output


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["wait", "--help"]])
def test_help_and_version_hand_exit_code_0_to_the_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, argv: list[str]
) -> None:
    """Attack A #4: every path writes the exit code, argparse's own exit 0 too."""
    output = _in_github(monkeypatch, tmp_path)
    with pytest.raises(SystemExit) as leaving:
        cli.main(argv)
    assert leaving.value.code in (0, None)
    assert _every_exit_code_output(output) == ["0"]


def test_a_signal_before_the_command_began_cancels_it_and_the_ci_is_told(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Attack A #4 (b): the handlers come first; a SIGINT while the command line is still
    being read is the gate's: cancelled by SIGINT, 130, handed to the CI."""
    import os
    import signal

    from ci_gate.commands import stop
    from ci_gate.config import credentials

    real = credentials.register_every_credential

    def signalled(*args: object) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        real(*args)  # type: ignore[arg-type]

    def command(*args: object, **kwargs: object) -> int:
        raise AssertionError("a cancelled command does not begin")

    output = _in_github(monkeypatch, tmp_path)
    monkeypatch.setattr(credentials, "register_every_credential", signalled)
    monkeypatch.setattr(stop, "run_stop", command)
    assert cli.main(["stop", "1"]) == 130
    assert _every_exit_code_output(output) == ["130"]
    assert capsys.readouterr().err == "ci-gate: cancelled by SIGINT\n"


def test_a_signal_while_the_ci_is_told_the_exit_code_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Attack A #4 (a): once the outcome is concluded, a signal neither kills the process
    (the default handler, back too early) nor changes the exit code already written."""
    import os
    import signal

    from ci_gate import ci
    from ci_gate.commands import stop

    real = ci.tell_exit_code

    def signalled(*args: object, **kwargs: object) -> None:
        real(*args, **kwargs)  # type: ignore[arg-type]
        os.kill(os.getpid(), signal.SIGINT)

    output = _in_github(monkeypatch, tmp_path)
    monkeypatch.setattr(ci, "tell_exit_code", signalled)
    monkeypatch.setattr(stop, "run_stop", lambda *args, **kwargs: 0)
    assert cli.main(["stop", "1"]) == 0
    assert _every_exit_code_output(output) == ["0"]
