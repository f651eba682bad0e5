"""What `--help` tells a newcomer (issue 32 item 10): descriptions that fit a terminal and
name every report file, the exit codes of every command, and the nearest command for a
mistyped one."""

from __future__ import annotations

import pytest

from ci_gate import cli

REPORT_FILES = ("junit.xml", "summary.json", "summary.md", "report.html", "metrics.txt", "gate.env")


def _help(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as leaving:
        cli.main([*args, "--help"])
    assert leaving.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", ["wait", "run"])
def test_wait_and_run_describe_every_report_in_lines_that_fit(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    text = _help(capsys, command)
    description = text.split("\n\n", 1)[1].split("positional arguments:")[0]
    assert all(len(line) <= 80 for line in description.splitlines()), description
    flat = " ".join(description.split())
    for name in REPORT_FILES:
        assert name in flat, name


@pytest.mark.parametrize("command", ["start", "stop"])
def test_start_and_stop_show_their_exit_codes(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    flat = " ".join(_help(capsys, command).split())
    assert "exit codes: 0 " in flat
    for code in ("2 usage", "3 timeout", "4 API error", "130 SIGINT"):
        assert code in flat, code


@pytest.mark.parametrize(("typed", "meant"), [("wiat", "wait"), ("stpo", "stop"), ("dmeo", "demo")])
def test_a_mistyped_command_gets_the_nearest_one(
    capsys: pytest.CaptureFixture[str], typed: str, meant: str
) -> None:
    with pytest.raises(SystemExit) as leaving:
        cli.main([typed, "1"])
    assert leaving.value.code == 2
    err = capsys.readouterr().err
    assert f"(did you mean {meant}?)" in err
    assert err.count("\n") <= 3


def test_demo_scenario_takes_a_file_as_simulate_does(capsys: pytest.CaptureFixture[str]) -> None:
    flat = " ".join(_help(capsys, "demo").split())
    assert "--scenario SCENARIO built-in name or scenario file" in flat
