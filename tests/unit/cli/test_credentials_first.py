"""Every credential is known to the redactor before any argument is checked (issue 29
item 4): a secret pasted as a master id, a test id or an option value is never shown back,
whichever credential it is (the API key from the environment or `--api-key-file`,
`GITHUB_TOKEN`, `CI_GATE_GITLAB_TOKEN`) and whichever check refuses it (ours or argparse's).

`cli.main` in process, with the commands replaced by a tripwire: every argv here is a
usage error, so nothing may be polled.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ci_gate import cli, text

KEY_ID = "key-id-4242"

#: Where a pasted value lands: every place a value is checked before anything is polled.
PLACES: tuple[tuple[str, ...], ...] = (
    ("wait", "{}"),
    ("wait", "1", "{}"),
    ("wait", "{}", "1"),
    ("stop", "{}"),
    ("stop", "1", "{}"),
    ("start", "{}"),
    ("run", "{}"),
    ("wait", "1", "--timeout", "{}"),
    ("wait", "1", "--timeout={}"),
    ("wait", "1", "--interval", "{}"),
    ("wait", "1", "--level", "{}"),
    ("wait", "1", "--criteria", "{}"),
    ("wait", "1", "--trend", "{}"),
    ("wait", "1", "--baseline", "{}"),
    ("wait", "1", "--regression", "{}"),
    ("wait", "1", "--api-url", "{}"),
    ("run", "7", "--timeout", "{}"),
    ("start", "7", "--api-url", "{}"),
    ("stop", "1", "--api-url", "{}"),
    ("{}",),
    ("wait", "1", "--concurrency", "{}"),
    ("simulate", "--port", "{}"),
    ("simulate", "--latency", "{}"),
    ("demo", "--timeout", "{}"),
    ("demo", "--level", "{}"),
)

#: Where the secret comes from: an environment variable, or the key file.
SOURCES = (
    "BLAZEMETER_API_KEY_SECRET",
    "GITHUB_TOKEN",
    "CI_GATE_GITLAB_TOKEN",
    "--api-key-file",
    "--api-key-file=",
)


def _tripwire(*args: object, **kwargs: object) -> int:
    raise AssertionError("a command ran: the argv was meant to be refused before it")


@contextlib.contextmanager
def _commands_refused() -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for module, name in (
            ("ci_gate.commands.wait", "run_wait"),
            ("ci_gate.commands.run", "run_run"),
            ("ci_gate.commands.start", "run_start"),
            ("ci_gate.commands.stop", "run_stop"),
            ("ci_gate.commands.simulate", "run_simulate"),
        ):
            stack.enter_context(mock.patch(f"{module}.{name}", _tripwire))
        yield


def _run(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """`cli.main(argv)` with exactly `env`: its exit code and everything it printed."""
    text.forget_secrets()
    out, err = io.StringIO(), io.StringIO()
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CI_GATE_", "BLAZEMETER_", "GITHUB_", "GITLAB_", "CI_"))
    }
    with (
        mock.patch.dict(os.environ, {**clean, **env}, clear=True),
        _commands_refused(),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = cli.main(argv)
        except SystemExit as leaving:
            code = leaving.code if isinstance(leaving.code, int) else 2
    return code, out.getvalue() + err.getvalue()


def _setup(source: str, secret: str, folder: Path) -> tuple[dict[str, str], list[str]]:
    """The environment and the extra arguments that make `secret` a credential."""
    env = {"BLAZEMETER_API_URL": "http://127.0.0.1:9/api/v4"}
    if source.startswith("--api-key-file"):
        key_file = folder / "key.txt"
        key_file.write_text(f"{KEY_ID}:{secret}\n", encoding="utf-8")
        extra = (
            [f"--api-key-file={key_file}"]
            if source.endswith("=")
            else ["--api-key-file", str(key_file)]
        )
        return env, extra
    env.update(BLAZEMETER_API_KEY_ID=KEY_ID, BLAZEMETER_API_KEY_SECRET="another-s3cret")
    env[source] = secret
    return env, []


#: The commands that talk to the API: the only ones that take --api-key-file.
API_COMMANDS = ("wait", "run", "start", "stop")


def _argv(place: tuple[str, ...], secret: str, extra: list[str]) -> list[str]:
    argv = [part.format(secret) for part in place]
    return argv + (extra if argv[0] in API_COMMANDS else [])


#: Every place with every source that can reach it (--api-key-file only with the API
#: commands: the others do not take it, so there is no case to run).
CASES = [
    pytest.param(place, source, id=f"{' '.join(place)}-{source}")
    for place in PLACES
    for source in SOURCES
    if place[0] in API_COMMANDS or not source.startswith("--api-key-file")
]


@pytest.mark.parametrize(("place", "source"), CASES)
def test_a_pasted_credential_is_refused_without_being_shown(
    tmp_path: Path, source: str, place: tuple[str, ...]
) -> None:
    secret = "probe-S3cr3t-0815"
    env, extra = _setup(source, secret, tmp_path)
    code, printed = _run(_argv(place, secret, extra), env)
    assert code == 2, printed
    assert printed.strip(), "the mistake must still be named"
    assert secret not in printed, printed


def test_the_key_files_secret_pasted_as_a_master_id_is_not_echoed(tmp_path: Path) -> None:
    secret = "filesecret-99-abc"
    env, extra = _setup("--api-key-file", secret, tmp_path)
    code, printed = _run(["wait", secret, *extra], env)
    assert code == 2
    assert printed.strip() == (
        "ci-gate: master id '[redacted]' is not a positive whole number (BlazeMeter's masterId)"
    )


def test_an_unreadable_key_file_is_still_one_line_naming_it(tmp_path: Path) -> None:
    code, printed = _run(
        ["wait", "1", "--api-key-file", str(tmp_path / "missing")],
        {"BLAZEMETER_API_URL": "http://127.0.0.1:9/api/v4"},
    )
    assert code == 2
    assert printed.strip().endswith("missing': cannot read it (No such file or directory)"), printed


#: Secrets as users and platforms make them, plus quotes and backslashes (a message that
#: shows a value with `!r` escapes a backslash: the redactor must know that form too).
_SECRET_TEXT = st.text(
    alphabet=st.sampled_from(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/+=~'\"\\ $%é"
    ),
    min_size=4,
    max_size=40,
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=_SECRET_TEXT,
    source=st.sampled_from(SOURCES),
    place=st.sampled_from([p for p in PLACES if p[0] in API_COMMANDS]),
)
def test_no_credential_is_ever_shown_back_from_the_command_line(
    tmp_path: Path, body: str, source: str, place: tuple[str, ...]
) -> None:
    # "sk" first: never a number, a duration, a level or a URL scheme, so always refused
    secret = f"sk{body}Q9"
    env, extra = _setup(source, secret, tmp_path)
    code, printed = _run(_argv(place, secret, extra), env)
    assert code == 2, printed
    assert secret not in printed, printed
    assert repr(secret)[1:-1] not in printed, printed
