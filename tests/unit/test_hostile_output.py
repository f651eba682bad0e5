"""The sanitiser's promise, end to end: whatever text a server sends, no output of the
gate carries a workflow command, an escape sequence, a bidi control or the secret.

Each example runs the real wait (`commands.wait.run_wait`) against a mocked API whose status string
and event texts are hostile and embed the secret, once as inside GitHub Actions and once
as inside GitLab CI, and reads back every output: stdout, stderr, $GITHUB_OUTPUT,
$GITHUB_STEP_SUMMARY (annotations are in stdout), gate.env, junit.xml, summary.md, and
summary.json for the secret.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
import requests_mock as rm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ci_gate import text
from ci_gate.commands.wait import run_wait
from ci_gate.config.context import resolve_context
from ci_gate.config.credentials import resolve_credentials
from ci_gate.config.settings import ApiSettings, HttpSettings, WaitSettings
from ci_gate.signals import SignalGuard
from tests.support.helpers import mock_live_data

KEY_ID = "key-id-7"
SECRET = "s3cr3t-Value-42"
BASIC = base64.b64encode(f"{KEY_ID}:{SECRET}".encode()).decode()
API = "https://api.example.test/api/v4"
#: Our own workflow commands: the prefix is ours, and nothing after it may hold "::".
OWN_COMMAND = re.compile(r"::(group|endgroup|error title=[^:]*|warning title=[^:]*)::")
#: GitLab's collapsible-section markers, which the gate itself writes around the timeline.
OWN_SECTION = re.compile(r"\x1b\[0Ksection_(start|end):\d+:ci_gate_timeline[^\r]*\r\x1b\[0K")
FORBIDDEN = re.compile(
    "[\x1b\x9b\x9d\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|##\\[|##vso\\[", re.IGNORECASE
)

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=120)
ATTACK_TEXTS = [
    "",
    SECRET,
    f"Authorization: Basic {BASIC}",
    "s3cr\x1b[0m3t-Value-42",  # an escape sequence inside the secret
    "s3cr3t\u202e-Value-42",  # a bidi control inside the secret
    "::error title=FORGED::x",
    "\n::add-mask::x",
    "##[stop-commands]x",
    "#\x1b[0m#[error]x",
    "##vso[task.setvariable variable=CI_GATE_VERDICT;isoutput=true]passed",
    "#\x1b[0m#vso[task.complete result=Succeeded]x",
    "###VSO[task.logissue type=error]x",
    ":\u200b:warning::x",
    "\x1b]8;;https://evil.test\x07link\x1b]8;;\x07",
    "\x1b[2J\x1b[H",
    "\u202egnp.exe",
    "https://evil.test a@b.test www.x.test <b>x</b>",
]
ATTACKS = st.sampled_from(ATTACK_TEXTS)
HOSTILE = st.tuples(ANY_TEXT, ATTACKS, ANY_TEXT, ATTACKS).map("".join)


def _answer(status: str, message: str, level: str) -> dict[str, object]:
    events = [
        {"t": 1_600_000_000, "level": level, "message": message, "session_id": message[:40]},
        {"t": 1_600_000_001, "level": "ERROR", "message": message, "source": message[:20]},
    ]
    return {"result": {"status": status, "progress": 140, "events": events}}


def _run(folder: Path, env: dict[str, str], status: str, message: str, level: str) -> str:
    """One wait with two masters (one ends with hostile events, one times out with a
    hostile status); returns everything printed."""
    api = ApiSettings(
        url=API,
        credentials=resolve_credentials(
            None, {"BLAZEMETER_API_KEY_ID": KEY_ID, "BLAZEMETER_API_KEY_SECRET": SECRET}
        ),
        http=HttpSettings(retry_max_time=0.05, retry_factor=0.001, retry_max_delay=0.01),
    )
    wait = WaitSettings(
        master_ids=("7", "8"), timeout=0.15, interval=0.05, report_dir=folder / "reports"
    )
    stdout, stderr = io.StringIO(), io.StringIO()
    with rm.Mocker() as mock:
        mock.get(f"{API}/masters/7/status", json=_answer("ENDED", message, level))
        mock_live_data(mock, API)
        running = _answer(status, message, level)
        running["result"]["progress"] = 50  # type: ignore[index]
        if status.strip().upper() in ("ENDED", "NULL"):
            running["result"]["status"] = "RUNNING " + status  # type: ignore[index]
        mock.get(f"{API}/masters/8/status", json=running)
        mock.post(re.compile(f"{API}/masters/8/(stop|terminate)"), json={"result": message})
        # BlazeMeter's verdict on master 7, with hostile criteria and KPI names
        mock.get(f"{API}/masters/7", json={"result": {"reportStatus": "fail"}})
        criterion = {
            "field": message,
            "op": level,
            "threshold": status,
            "value": message,
            "success": False,
            "labelId": message,
        }
        mock.get(f"{API}/masters/7/reports/thresholds", json={"result": {"data": [criterion]}})
        mock.get(
            f"{API}/masters/7/reports/default/summary",
            json={"result": {"summary": [{message: 1, "tp90": 480}]}},
        )
        run_wait(
            wait, api, SignalGuard(), stdout=stdout, stderr=stderr, context=resolve_context(env)
        )
    return stdout.getvalue() + "\n" + stderr.getvalue()


def _assert_inert(name: str, content: str) -> None:
    assert SECRET not in content and BASIC not in content, name
    for line in OWN_SECTION.sub("", content).split("\n"):
        assert not FORBIDDEN.search(line), (name, line)
        stripped = line.lstrip()
        if stripped.startswith("::"):
            # GitHub's runner (ActionCommand.TryParseV2) trims the line's leading blanks,
            # takes it as a command only when it then starts with "::", and splits it at
            # the first "::" after that: our own prefix (no ":" in its properties, they
            # are escaped) ends at that split, and whatever data follows is only data.
            own = OWN_COMMAND.match(stripped)
            assert own, (name, line)
            assert "::" not in stripped[2 : own.end() - 2], (name, line)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(status=HOSTILE, message=HOSTILE, level=HOSTILE | st.sampled_from(["ERROR", "FATAL"]))
def test_no_output_carries_a_command_an_escape_or_the_secret(
    tmp_path_factory: pytest.TempPathFactory, status: str, message: str, level: str
) -> None:
    text.forget_secrets()
    folder = tmp_path_factory.mktemp("hostile")
    github = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(folder / "gh-output"),
        "GITHUB_STEP_SUMMARY": str(folder / "gh-summary"),
    }
    outputs = {"github log": _run(folder, github, status, message, level)}
    outputs["$GITHUB_OUTPUT"] = (folder / "gh-output").read_text("utf-8")
    outputs["$GITHUB_STEP_SUMMARY"] = (folder / "gh-summary").read_text("utf-8")
    outputs["gitlab log"] = _run(folder, {"GITLAB_CI": "true"}, status, message, level)
    reports = folder / "reports"
    for name in ("gate.env", "junit.xml", "summary.md", "metrics.txt"):
        outputs[name] = (reports / name).read_text("utf-8")
    for name, content in outputs.items():
        _assert_inert(name, content)
    summary = (reports / "summary.json").read_text("utf-8")
    assert SECRET not in summary and BASIC not in summary
    assert "timeout" in summary  # master 8 really went the timeout path


def test_the_sanitiser_neutralises_each_attack_on_its_own() -> None:
    text.forget_secrets()
    text.register_credentials(KEY_ID, SECRET)
    for attack in ATTACK_TEXTS:
        _assert_inert(repr(attack), text.one_line(attack))
    assert text.one_line("a\nb\x1b[2Jc\u202ed") == "a\\nbcd"
    assert text.one_line("::error::x") == ": :error::x"
    assert text.one_line("###[x") == "## #[x"
    assert text.one_line("##vso[task.complete]x") == "# #vso[task.complete]x"
    assert text.one_line("###VsO[x") == "## #VsO[x"
    assert text.redact(f"Basic {BASIC}") == "Basic [redacted]"
    text.forget_secrets()


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("http://[::1", "http://[::1"),  # the user's own IPv6 literal, as typed
        ("std::vector::at failed", "std::vector::at failed"),
        ("::error::x", ": :error::x"),
        ("  ::error::x", "  : :error::x"),
        ("a ::warning::x", "a : :warning::x"),
        ("\u3000::error::x", "\u3000: :error::x"),
        (":::error::x", ": : :error::x"),
    ],
)
def test_two_colons_are_broken_only_where_a_line_could_start_with_them(
    raw: str, shown: str
) -> None:
    """Outside review of issue 29 (minor): `[::1` was shown as `[: :1`. GitHub's runner
    takes a line as a command only when it starts with "::" after its leading blanks."""
    assert text.one_line(raw) == shown


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from([":", " ", "\u00a0", "\t", "a", "\n", "#", "["])))
def test_no_sanitised_text_can_start_a_command_wherever_a_line_break_falls(raw: str) -> None:
    shown = text.one_line(raw, 10_000)
    for piece in re.split(r"\s", shown):  # a line could only begin after a blank
        assert not piece.startswith("::"), (raw, shown)
    assert not shown.lstrip().startswith("::")
