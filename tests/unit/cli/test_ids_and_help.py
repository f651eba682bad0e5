"""Test ids are read like master ids, and start's and stop's --help fit a terminal
(outside review of the stop paths, item 3)."""

from __future__ import annotations

import pytest

from ci_gate import cli


@pytest.mark.parametrize("command", ["run", "start"])
@pytest.mark.parametrize("test_id", ["0", "000", "1.5", "-3", "12x"])
def test_a_test_id_is_a_positive_whole_number(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: object,
    command: str,
    test_id: str,
) -> None:
    monkeypatch.chdir(str(tmp_path))
    monkeypatch.setenv("BLAZEMETER_API_KEY_ID", "id")
    monkeypatch.setenv("BLAZEMETER_API_KEY_SECRET", "ids-test-Qx7-secret")
    # a loopback URL that refuses: were the id accepted, the start would be sent there
    argv = [command, test_id, "--api-url", "http://127.0.0.1:9/api/v4", "--timeout", "1"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert f"test id {test_id!r} is not a positive whole number" in err, err
    assert err.count("\n") == 1, err


@pytest.mark.parametrize("command", ["start", "stop"])
def test_start_and_stop_descriptions_are_wrapped(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    text = capsys.readouterr().out
    description = text.split("\n\n", 1)[1].split("positional arguments:")[0]
    assert description.strip(), text
    assert all(len(line) <= 80 for line in description.splitlines()), description
