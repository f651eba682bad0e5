"""Each command resolves only its own settings, from the one declaration of each option
(issue 30's bug; issue 32 items 4 and 5; issue 29 item 6's ids and URLs): the parser and
the handler together, in process, with the command itself replaced by a recorder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate import cli
from ci_gate.commands import run, start, stop, wait
from ci_gate.config.parsers import parse_master_ids

CREDS = {"BLAZEMETER_API_KEY_ID": "id", "BLAZEMETER_API_KEY_SECRET": "secret"}


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[str, tuple[Any, ...]]]:
    """Every command replaced by a recorder of the settings it was handed."""
    seen: list[tuple[str, tuple[Any, ...]]] = []

    def recorder(name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> int:
            seen.append((name, args + tuple(kwargs.values())))
            return 0

        return record

    monkeypatch.setattr(start, "run_start", recorder("start"))
    monkeypatch.setattr(stop, "run_stop", recorder("stop"))
    monkeypatch.setattr(run, "run_run", recorder("run"))
    monkeypatch.setattr(wait, "run_wait", recorder("wait"))
    monkeypatch.chdir(tmp_path)
    for name in list(__import__("os").environ):
        if name.startswith(("CI_GATE_", "BLAZEMETER_", "GITHUB_", "GITLAB_")):
            monkeypatch.delenv(name)
    for name, value in CREDS.items():
        monkeypatch.setenv(name, value)
    return seen


def _handed(calls: list[tuple[str, tuple[Any, ...]]], kind: type) -> Any:
    [(_, args)] = calls
    [found] = [arg for arg in args if isinstance(arg, kind)]
    return found


@pytest.mark.parametrize(
    "variable", ["CI_GATE_TREND", "CI_GATE_LEVEL", "CI_GATE_BASELINE", "CI_GATE_IGNORE"]
)
@pytest.mark.parametrize("argv", [["start", "7"], ["stop", "7"]])
def test_start_and_stop_never_read_an_option_they_do_not_take(
    calls: list[Any], monkeypatch: pytest.MonkeyPatch, variable: str, argv: list[str]
) -> None:
    monkeypatch.setenv(variable, "999 is not a value of any of these")
    assert cli.main(argv) == 0
    assert [name for name, _ in calls] == [argv[0]]


def test_start_still_finds_its_report_dir_for_gate_env(
    calls: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI_GATE_REPORT_DIR", "elsewhere")
    monkeypatch.setenv("CI_GATE_TREND", "999")
    assert cli.main(["start", "7"]) == 0
    [(_, args)] = calls
    assert Path("elsewhere") in args


@pytest.mark.parametrize(
    ("argv", "env", "seconds"),
    [
        (["start", "7"], {}, 300.0),
        (["start", "7", "--timeout", "5"], {}, 5.0),
        (["start", "7"], {"CI_GATE_TIMEOUT": "1m"}, 60.0),
        (["start", "7", "--timeout", "5"], {"CI_GATE_TIMEOUT": "1m"}, 5.0),
        (["stop", "7"], {}, 60.0),
        (["stop", "7", "--timeout", "2.5"], {}, 2.5),
        (["stop", "7"], {"CI_GATE_TIMEOUT": "90s"}, 90.0),
    ],
)
def test_start_and_stop_take_a_timeout_with_their_own_defaults(
    calls: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    env: dict[str, str],
    seconds: float,
) -> None:
    from ci_gate.config.settings import StartCommandSettings, StopSettings

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli.main(argv) == 0
    kind = StartCommandSettings if argv[0] == "start" else StopSettings
    assert _handed(calls, kind).timeout == seconds


@pytest.mark.parametrize(
    "argv", [["start", "7", "--timeout", "0"], ["stop", "7", "--timeout", "x"]]
)
def test_a_bad_timeout_of_start_or_stop_is_exit_2(
    calls: list[Any], capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert cli.main(argv) == 2
    assert "--timeout" in capsys.readouterr().err
    assert calls == []


@pytest.mark.parametrize(
    ("argv", "env", "on"),
    [
        (["run", "7"], {}, True),
        (["run", "7", "--no-stop-on-cancel"], {}, False),
        (["run", "7", "--stop-on-cancel"], {}, True),
        (["run", "7"], {"CI_GATE_STOP_ON_CANCEL": "false"}, False),
        (["run", "7"], {"CI_GATE_STOP_ON_CANCEL": "true"}, True),
        (["run", "7"], {"CI_GATE_STOP_ON_CANCEL": ""}, True),  # an empty action input
        (["run", "7", "--no-stop-on-cancel"], {"CI_GATE_STOP_ON_CANCEL": "true"}, False),
        (["run", "7", "--stop-on-cancel"], {"CI_GATE_STOP_ON_CANCEL": "false"}, True),
        (["wait", "7"], {}, False),
        (["wait", "7"], {"CI_GATE_STOP_ON_CANCEL": ""}, False),
        (["wait", "7", "--stop-on-cancel"], {}, True),
        (["wait", "7"], {"CI_GATE_STOP_ON_CANCEL": "true"}, True),
    ],
)
def test_run_stops_what_it_started_on_cancel_unless_told_not_to_and_wait_does_not(
    calls: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    env: dict[str, str],
    on: bool,
) -> None:
    from ci_gate.config.settings import WaitSettings

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli.main(argv) == 0
    assert _handed(calls, WaitSettings).stop_on_cancel is on


def test_wait_has_no_negated_switch(calls: list[Any]) -> None:
    with pytest.raises(SystemExit) as leaving:
        cli.main(["wait", "7", "--no-stop-on-cancel"])
    assert leaving.value.code == 2


def test_the_help_says_each_commands_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    for argv, words in (
        (["run", "--help"], "--no-stop-on-cancel"),
        (["start", "--help"], "default 300"),
        (["stop", "--help"], "default 60"),
    ):
        with pytest.raises(SystemExit):
            cli.main(argv)
        help_text = " ".join(capsys.readouterr().out.split())
        assert words in help_text, (argv, help_text)
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    run_help = " ".join(capsys.readouterr().out.split())
    assert "CI_GATE_STOP_ON_CANCEL=false" in run_help


@pytest.mark.parametrize(
    ("argv", "ids"),
    [
        (["wait", "1001", "01001"], ("1001",)),
        (["wait", "0007,7", "8"], ("7", "8")),
        (["stop", "1001", "01001"], ("1001",)),
        (["stop", "000042"], ("42",)),
    ],
)
def test_master_ids_are_integers_and_one_master_is_named_once(
    calls: list[Any], argv: list[str], ids: tuple[str, ...]
) -> None:
    from ci_gate.config.settings import WaitSettings

    assert cli.main(argv) == 0
    [(_, args)] = calls
    if argv[0] == "wait":
        assert _handed(calls, WaitSettings).master_ids == ids
    else:
        assert ids in args


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:99999/api/v4",
        "http://127.0.0.1:-1/api/v4",
        "http://127.0.0.1:http/api/v4",
        "https://a.blazemeter.com:65536/api/v4",
        "https://user:SECRET@127.0.0.1:99999/api/v4",
    ],
)
@pytest.mark.parametrize("command", [["wait", "1"], ["run", "7"], ["start", "7"], ["stop", "1"]])
def test_an_api_url_that_cannot_be_one_is_exit_2_before_anything_is_sent(
    calls: list[Any], capsys: pytest.CaptureFixture[str], url: str, command: list[str]
) -> None:
    assert cli.main([*command, "--api-url", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ci-gate: --api-url ") and err.count("\n") == 1, err
    assert "SECRET" not in err
    assert calls == []


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=10**19), st.integers(0, 3)),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from([",", " ", "\n", ", "]),
)
def test_a_master_is_one_master_however_its_id_is_written(
    written: list[tuple[int, int]], separator: str
) -> None:
    """Ids are integers: leading zeros, repeats and separators never make two masters."""
    raw = separator.join("0" * zeros + str(number) for number, zeros in written)
    expected = tuple(dict.fromkeys(str(number) for number, _ in written))
    assert parse_master_ids([raw]) == expected
