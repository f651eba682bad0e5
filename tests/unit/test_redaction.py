"""The secrets promise, kept in one place (`text.redact`) and attacked here (issue 29
item 4): no run of `text.RUN` (8) consecutive characters of a registered secret, in any
case, raw or in any escaped form the gate's renderers write (percent-encoding in either
case, JSON, HTML, XML, Markdown, Python's repr, GitHub's and Azure's workflow-command
escaping, and these nested), survives redaction; and every sink (the console streams, the
report set, the GitHub files, the bodies sent) redacts what it writes, whatever path built
it (the report URL from a public token, a `--report-dir`, a redirect's host).
"""

from __future__ import annotations

import html
import io
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote
from xml.etree import ElementTree
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ci_gate import text
from ci_gate.ci import azure, github
from ci_gate.cli.streams import SteadyStream
from ci_gate.config.ci_env import GitHubCi
from ci_gate.config.context import resolve_context
from ci_gate.domain.run import Event
from ci_gate.report import atomic
from ci_gate.report.formats import COMMIT_MARK


@pytest.fixture(autouse=True)
def _no_secrets() -> Iterator[None]:
    text.forget_secrets()
    yield
    text.forget_secrets()


#: Every way our own renderers can write a character, alone and nested.
ENCODERS: dict[str, Callable[[str], str]] = {
    "raw": lambda s: s,
    "percent": lambda s: quote(s, safe=""),
    "percent, lower case": lambda s: quote(s, safe="").lower(),
    "percent, path": quote,
    "percent, plus": quote_plus,
    "percent twice": lambda s: quote(quote(s, safe=""), safe=""),
    "json": lambda s: json.dumps(s),
    "json, ascii off": lambda s: json.dumps(s, ensure_ascii=False),
    "json twice": lambda s: json.dumps(json.dumps(s)),
    "html": lambda s: html.escape(s, quote=True),
    "html twice": lambda s: html.escape(html.escape(s)),
    "xml text": xml_escape,
    "xml attribute": quoteattr,
    "repr": repr,
    "github data": github.escape_data,
    "github property": github.escape_property,
    "azure data": azure.escape_data,
    "azure property": azure.escape_property,
    "json of a url": lambda s: json.dumps(quote(s, safe="")),
    "html of a url": lambda s: html.escape(quote(s, safe="")),
    "markdown cell": lambda s: s.replace("|", "\\|"),
    "lower": str.lower,
}

#: What a secret may be made of: what can travel in a Basic header (printable Latin-1).
SECRET_CHARS = st.characters(min_codepoint=0x21, max_codepoint=0xFF, exclude_characters="\x7f")
SECRETS = st.text(SECRET_CHARS, min_size=8, max_size=40).filter(
    lambda s: any(c.isalnum() for c in s) and "redacted" not in s.lower()
)
#: The line breaks and blanks `str.splitlines`/`str.strip` know, and the controls JSON and
#: repr write as letter escapes (`\n`, `\f`, `\b`): a registered value (a token, a key
#: refused later) may hold any of them (ASCII blanks at its ends are how a file or a shell
#: carries a value: not registered, `text.register_secret`).
BREAKS = "\t\n\r\x08\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2028\u2029"
REGISTERED = st.text(
    st.one_of(SECRET_CHARS, st.sampled_from(BREAKS)), min_size=8, max_size=40
).filter(
    lambda s: (
        any(c.isalnum() for c in s) and "redacted" not in s.lower() and s == s.strip(" \t\r\n")
    )
)
CONTEXT = st.text(max_size=30)


def _windows(secret: str) -> set[str]:
    folded = secret.lower()
    size = min(len(folded), text.RUN)
    return {folded[i : i + size] for i in range(len(folded) - size + 1)}


def _leaks(secret: str, shown: str, encode: Callable[[str], str]) -> list[str]:
    """Each run of `RUN` characters of the secret whose encoded form is still in `shown`."""
    low = shown.lower()
    return [w for w in _windows(secret) if encode(w).lower() in low and w.lower() in low]


@settings(max_examples=200, deadline=None)
@example(  # JSON twice writes a backslash as four, which one reading took for one escape
    secret="00\\:0000",
    start=0,
    length=8,
    flips=[False] * 40,
    encoder="json twice",
    before="",
    after="",
)
@example(  # and four backslashes then an escape: which backslashes escape which
    secret="000000\\\x80",
    start=0,
    length=8,
    flips=[False] * 40,
    encoder="json twice",
    before="",
    after="",
)
@example(  # a raw run ending in an escaped backslash took the closing quote with it
    secret="0000000\\", start=0, length=8, flips=[False] * 40, encoder="json", before="", after=""
)
@given(
    secret=REGISTERED,
    start=st.integers(0, 40),
    length=st.integers(text.RUN, 40),
    flips=st.lists(st.booleans(), min_size=40, max_size=40),
    encoder=st.sampled_from(sorted(ENCODERS)),
    before=CONTEXT,
    after=CONTEXT,
)
def test_no_run_of_a_secret_survives_in_any_case_or_escaped_form(
    secret: str,
    start: int,
    length: int,
    flips: list[bool],
    encoder: str,
    before: str,
    after: str,
) -> None:
    text.forget_secrets()
    text.register_secret(secret)
    start = min(start, len(secret) - text.RUN)
    piece = secret[start : start + length]
    piece = "".join(
        c.swapcase() if flip and len(c.swapcase()) == 1 else c
        for c, flip in zip(piece, flips, strict=False)
    )
    encode = ENCODERS[encoder]
    shown = text.redact(encode(before + piece + after))
    for window in _windows(piece):
        encoded = encode(window).lower()
        assert encoded not in shown.lower(), (encoder, window, shown)
    # and what is left is still well formed where the format has a grammar
    if encoder == "json":
        json.loads(shown)
    if encoder == "xml text":  # an escape is redacted whole or not at all
        ElementTree.fromstring(f"<a>{text.xml_safe(shown)}</a>")


@settings(max_examples=100, deadline=None)
@given(secret=REGISTERED, words=st.text(max_size=200))
def test_text_with_no_run_of_a_secret_is_left_as_it_is(secret: str, words: str) -> None:
    text.forget_secrets()
    text.register_secret(secret)
    plain = not any(w in words.lower() for w in _windows(secret))
    if plain and not any(mark in words for mark in "%&\\"):
        assert text.redact(words) == words


@pytest.mark.parametrize("char", ["\n", "\r", "\t", "\x0c", "\x08"])
@pytest.mark.parametrize("encode", [json.dumps, repr])
def test_a_control_written_as_a_letter_escape_is_read(
    char: str, encode: Callable[[str], str]
) -> None:
    """JSON and repr write these as `\\n`, `\\f`...: an escaped form like `\\x0c`."""
    text.register_secret(f"Ab3d{char}Ef5hXy")
    assert text.redact(encode(f"x AB3D{char}ef5h y")) == encode("x [redacted] y")


def test_a_secret_holding_a_tab_is_found_before_one_line_shows_the_tab_as_a_blank() -> None:
    text.register_secret("Ab3d\tEf5hXy")
    assert text.one_line("x AB3D\tef5h y") == "x [redacted] y"
    text.register_secret("Zq9 SECRETx")  # and a space is still a space
    assert text.one_line("x 9\tSECRETx y") == "x [redacted] y"


@pytest.mark.parametrize("blank", ["\x85", "\xa0", "\x0b", "\x0c", "\x1c", "\u2028", "\u2029"])
@pytest.mark.parametrize("end", ["leading", "trailing"])
def test_a_key_is_known_as_it_was_set_not_only_stripped(blank: str, end: str) -> None:
    """The key is sent stripped, and `strip` drops Unicode blanks too: seven characters of
    the key with the blank the user set are a run of 8 of the secret (the NEL Hypothesis
    found); a newline or a space around it is how a file or a shell carries a value."""
    from ci_gate.config.credentials import resolve_credentials

    given = blank + "Zq9SECRETx" if end == "leading" else "Zq9SECRETx" + blank
    env = {"BLAZEMETER_API_KEY_ID": "key-id-7", "BLAZEMETER_API_KEY_SECRET": given + "\n"}
    assert resolve_credentials(None, env).key_secret == "Zq9SECRETx"
    echoed = blank + "Zq9SECR" if end == "leading" else "SECRETx" + blank
    assert text.redact(f"echo {echoed}!") == "echo [redacted]!"
    assert text.redact("echo SECRETx\n") == "echo SECRETx\n"  # 7 of the key, a line end


def test_the_rule_in_examples() -> None:
    text.register_credentials("keyidAAAA1111", "Zq9SECRETxYwV7mPq")
    text.register_secret("ghp_TOKENs3cr3tAbCdEf987", 'Zq9+SEC/RET=xY&w<V7>"q')
    shown = {
        # F3: a host name lowercased by urlsplit
        "redirect (HTTP 302) to zq9secretxywv7mpq.evil.example": (
            "redirect (HTTP 302) to [redacted].evil.example"
        ),
        # F6: the key id is a credential; a prefix of 8 is part of the secret
        "master id 'keyidAAAA1111' is not": "master id '[redacted]' is not",
        "master id 'Zq9SECRETx' is not": "master id '[redacted]' is not",
        # shorter than 8: not a run of the secret, shown
        "Zq9SECR and 1700000000": "Zq9SECR and 1700000000",
        # F2: percent-encoded in a report link, either case
        "public-token=Zq9%2BSEC%2FRET%3DxY%26w%3CV7%3E%22q#/x": "public-token=[redacted]#/x",
        "t=zq9%2bsec%2fret%3dxy%26w%3cv7%3e%22q": "t=[redacted]",
        "&lt;b&gt;Zq9+SEC/RET=xY&amp;w&lt;V7&gt;&quot;q&lt;/b&gt;": (
            "&lt;b&gt;[redacted]&lt;/b&gt;"
        ),
        "GHP_TOKENS3CR3TABCDEF987": "[redacted]",
    }
    for before, after in shown.items():
        assert text.redact(before) == after, before


SECRET = 'Zq9+SEC/RET=xY&w<V7>"q'


def test_the_console_sink_redacts_whole_lines_whatever_built_them() -> None:
    text.register_secret(SECRET)
    out = io.StringIO()
    stream = SteadyStream(out)
    stream.write("reports: /tmp/Zq9+SEC")  # a line written in pieces
    stream.write("/RET=xY/junit.xml\nlink ")
    stream.write(quote(SECRET, safe="") + "\n")
    stream.write("no newline " + SECRET.upper())
    stream.flush()
    assert (
        out.getvalue()
        == "reports: /tmp/[redacted]/junit.xml\nlink [redacted]\nno newline [redacted]"
    )


def test_the_report_set_and_the_github_files_are_redacted(tmp_path: Path) -> None:
    text.register_secret(SECRET)
    link = f"https://a.blazemeter.com/app/?public-token={quote(SECRET, safe='')}#/masters/1"
    atomic.write_set(tmp_path, {COMMIT_MARK: json.dumps({"report_url": link}).encode()})
    assert json.loads((tmp_path / COMMIT_MARK).read_text())["report_url"] == (
        "https://a.blazemeter.com/app/?public-token=[redacted]#/masters/1"
    )
    github.write_outputs(tmp_path / "out", {"report-url": link})
    github.write_step_summary(tmp_path / "summary", f"[report]({link})")
    for name in ("out", "summary"):
        content = (tmp_path / name).read_text()
        assert "public-token=[redacted]#" in content and "Zq9" not in content


def test_a_body_sent_to_a_platform_is_redacted() -> None:
    import requests_mock

    from ci_gate.ci.http import PlatformClient

    text.register_secret(SECRET)
    with requests_mock.Mocker() as mock:
        mock.post("https://api.example.test/comments", json={"id": 1})
        client = PlatformClient({}, time.monotonic() + 5)
        client.request("POST", "https://api.example.test/comments", {"body": f"x {SECRET} y"})
        client.close()
        sent = mock.request_history[0].json()
    assert sent == {"body": "x [redacted] y"}


@settings(max_examples=10, deadline=None)
@example(secret="00000000\x85", cut=1, flips=[False] * 40)  # NEL: a line break to splitlines
@example(secret="CI_GATE_", cut=0, flips=[False] * 40)  # the GitHub outputs' delimiter's prefix
@given(
    secret=SECRETS.filter(lambda s: ":" not in s),
    cut=st.integers(0, 30),
    flips=st.lists(st.booleans(), min_size=40, max_size=40),
)
def test_the_real_wait_shows_no_run_of_a_generated_secret_anywhere(
    tmp_path_factory: pytest.TempPathFactory, secret: str, cut: int, flips: list[bool]
) -> None:
    """F1/F2 through every renderer: the secret echoed as the public token (the report
    link in every report, the GitHub output and step summary), and a case-changed run of
    it in an event message and the status; every output read back, decoded where it has
    an encoding, and searched for any run of `RUN` characters of it."""
    import re as regex_module

    import requests_mock as rm

    from ci_gate.commands.wait import run_wait
    from ci_gate.config.credentials import resolve_credentials
    from ci_gate.config.settings import ApiSettings, HttpSettings, WaitSettings
    from ci_gate.signals import SignalGuard
    from tests.support.helpers import mock_live_data

    text.forget_secrets()
    api_url = "https://api.example.test/api/v4"
    folder = tmp_path_factory.mktemp("redacted")
    start = min(cut, len(secret) - text.RUN)
    run = "".join(
        c.swapcase() if flip and len(c.swapcase()) == 1 else c
        for c, flip in zip(secret[start:], flips, strict=False)
    )
    api = ApiSettings(
        url=api_url,
        credentials=resolve_credentials(
            None, {"BLAZEMETER_API_KEY_ID": "key-id-7", "BLAZEMETER_API_KEY_SECRET": secret}
        ),
        http=HttpSettings(retry_max_time=0.05, retry_factor=0.001, retry_max_delay=0.01),
    )
    wait = WaitSettings(
        master_ids=("7",),
        timeout=2,
        interval=0.05,
        report_dir=folder / "reports",
        public_report=True,
    )
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(folder / "gh-output"),
        "GITHUB_STEP_SUMMARY": str(folder / "gh-summary"),
    }
    answer = {
        "result": {
            "status": "ENDED",
            "progress": 140,
            "events": [{"t": 1_600_000_000, "level": "ERROR", "message": f"echo {run}!"}],
        }
    }
    console = io.StringIO()
    stream = SteadyStream(console)
    with rm.Mocker() as mock:
        mock.register_uri(rm.ANY, rm.ANY, json={"result": {}})  # what else the wait reads
        mock.get(f"{api_url}/masters/7/status", json=answer)
        mock_live_data(mock, api_url)
        mock.post(f"{api_url}/masters/7/public-token", json={"result": {"publicToken": secret}})
        mock.get(f"{api_url}/masters/7", json={"result": {"reportStatus": "fail"}})
        run_wait(
            wait,
            api,
            SignalGuard(),
            stdout=stream,  # type: ignore[arg-type]
            stderr=stream,  # type: ignore[arg-type]
            context=resolve_context(env),
        )
    stream.flush()
    outputs = {"console": console.getvalue()}
    outputs["$GITHUB_OUTPUT"] = (folder / "gh-output").read_text("utf-8")
    outputs["$GITHUB_STEP_SUMMARY"] = (folder / "gh-summary").read_text("utf-8")
    for path in (folder / "reports").iterdir():
        outputs[path.name] = path.read_text("utf-8")
    # a structured output: its values, not the gate's own keys and words (docs/SECURITY.md)
    outputs["summary.json"] = "\n".join(_values(json.loads(outputs["summary.json"])))
    assert "[redacted]" in outputs["summary.md"]
    windows = _windows(secret)
    for name, shown in outputs.items():
        decoded = html.unescape(shown)
        decoded = regex_module.sub(
            r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), decoded
        )
        for form in (shown, decoded, unquote(shown), unquote(decoded)):
            low = form.lower()
            leaked = [w for w in windows if w in low]
            assert not leaked, (name, leaked)


#: summary.json's fields that hold the gate's own words (`text.Word`), never redacted
#: (`level` only at the top: an event's level is the server's).
OWN_FIELDS = {"verdict", "report_id", "started_at", "finished_at", "mode"}


def _values(value: object, key: str = "", top: bool = True) -> list[str]:
    """Every text in a structured output but its keys and the gate's own words."""
    if isinstance(value, dict):
        own = OWN_FIELDS | {"level"} if top else OWN_FIELDS
        return [
            text
            for name, item in value.items()
            if name not in own
            for text in _values(item, name, top=False)
        ]
    if isinstance(value, list):
        return [text for item in value for text in _values(item, key, top=False)]
    return [value] if isinstance(value, str) else []


#: The sinks: every byte the gate writes outside stdout and stderr leaves through one of
#: these, each of which redacts (stdout and stderr: `cli.streams.SteadyStream`).
SINKS = {
    "report/atomic.py": {"os.fdopen(", ', "wb"'},  # the report set, redacted first
    # append_to_file and its primitive, called only by the sinks below
    "files.py": {"os.write(", "append_to_file("},
    "ci/github.py": {"append_to_file("},  # the step summary and outputs, redacted first
}
WRITERS = (
    "os.write(",
    "os.fdopen(",
    ".write_text(",
    ".write_bytes(",
    "append_to_file(",
    'open("w',
    'open("a',
    "open('w",
    "open('a",
    ', "w"',
    ', "a"',
    ', "wb"',
    ', "ab"',
)


def test_every_writer_of_the_gate_is_a_redacting_sink() -> None:
    """By construction: a new way to write a file fails here until it passes the redactor
    and is listed in SINKS (the simulator, a separate program with no secrets, aside)."""
    root = Path(text.__file__).parent
    for path in root.rglob("*.py"):
        name = path.relative_to(root).as_posix()
        if name.startswith("simulator/"):
            continue
        source = path.read_text("utf-8")
        for writer in WRITERS:
            if writer in source:
                assert writer in SINKS.get(name, set()), f"{name} writes with {writer!r}"


#: A credential the environment gave as bytes that are not UTF-8 (Python keeps them as
#: lone surrogates, `surrogateescape`).
UNDECODABLE = "SECRETPART1\udcffSECRETPART2"


def test_a_secret_that_is_not_utf8_is_known_in_every_form_it_could_take() -> None:
    """Registering never crashes, and the secret is hidden as surrogate-escaped text, with
    U+FFFD for the bad byte, and as its bytes read as Latin-1 (or escaped)."""
    text.register_secret(UNDECODABLE)
    raw = UNDECODABLE.encode("utf-8", "surrogateescape")
    for shown in (
        UNDECODABLE,
        raw.decode("utf-8", "replace"),
        raw.decode("latin-1"),
        quote(raw, safe=""),
        json.dumps(UNDECODABLE),
        "RTPART1\udcffSECR",
    ):
        redacted = text.redact(f"x {shown} y")
        assert "SECRETPART" not in redacted and "PART1" not in redacted, (shown, redacted)
    assert text.redact_bytes(b"x " + raw + b" y") == b"x [redacted] y"


@pytest.mark.parametrize("name", ["GITHUB_TOKEN", "CI_GATE_GITLAB_TOKEN", "BLAZEMETER_API_KEY_ID"])
def test_a_credential_that_is_not_utf8_crashes_no_command(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ci_gate.cli.main import main

    for variable in ("GITHUB_TOKEN", "CI_GATE_GITLAB_TOKEN", "CI_GATE_DEBUG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("BLAZEMETER_API_KEY_ID", "key-id-7")
    monkeypatch.setenv("BLAZEMETER_API_KEY_SECRET", "a-good-secret-1")
    monkeypatch.setenv(name, UNDECODABLE)
    with pytest.raises(SystemExit) as leaving:
        main(["--version"])
    assert leaving.value.code in (0, None)
    if name.startswith("BLAZEMETER"):
        assert main(["wait", "7", "--timeout", "1"]) == 2
    shown = capsys.readouterr()
    assert "SECRETPART" not in shown.out + shown.err and "Traceback" not in shown.err


#: The gate's own vocabulary: JSON literals, verdicts, its keys and Azure's grammar. A
#: credential may spell any of them (issue 30 item 3).
OWN_WORDS = (
    "null",
    "true",
    "false",
    "passed",
    "failed",
    "verdict",
    "masters",
    "message",
    "report_id",
    "setvariable",
    "isoutput",
    "variable",
    "logissue",
    "CI_GATE_EXIT_CODE",
    "xci_gate_x",
    "CI_GATE_VERDICT",
    "exit_code",
    "error",
    "warning",
    "endgroup",
    "ci-gate: status",
)
AZURE_LINE = re.compile(
    r"##vso\[task\.(?:setvariable variable=CI_GATE_[A-Z_]+;isoutput=true"
    r"|logissue type=(?:error|warning)|uploadsummary)\][^\n]*"
)
GITHUB_LINE = re.compile(r"::(?:error|warning) title=ci-gate[^:]*::[^\n]*")
GATE_KEYS = {"CI_GATE_VERDICT", "CI_GATE_EXIT_CODE", "CI_GATE_REPORT_ID", "CI_GATE_MASTER_ID"}


@settings(max_examples=40, deadline=None)
@given(
    secret=st.sampled_from(OWN_WORDS),
    verdict=st.sampled_from(["passed", "failed"]),
    upper=st.booleans(),
)
def test_a_secret_spelling_the_gates_own_words_breaks_no_structured_output(
    tmp_path_factory: pytest.TempPathFactory, secret: str, verdict: str, upper: bool
) -> None:
    """summary.json stays strict JSON with its keys and verdicts, gate.env carries only the
    gate's keys, Azure's commands and GitHub's outputs keep their grammar; and the secret
    is still in no value that came from the server."""
    from ci_gate.ci.azure import publish_azure
    from ci_gate.report import write_reports
    from tests.support.helpers import make_outcome, master_outcome

    text.forget_secrets()
    text.register_secret(secret.upper() if upper else secret)
    folder = tmp_path_factory.mktemp("own-words")
    event = Event(t=1_700_000_000, level="ERROR", message=f"says {secret}!", source=secret)
    outcome = make_outcome(
        master_outcome(
            verdict,
            offending=(event,) if verdict == "failed" else (),
            status=f"{secret}",
            report_url=f"https://a.blazemeter.com/app/{secret}#/masters/123",
        )
    )
    paths = write_reports(outcome, folder / "reports", dotenv=True)
    summary = json.loads(
        (folder / "reports" / "summary.json").read_text("ascii"),
        parse_constant=lambda name: pytest.fail(f"not strict JSON: {name}"),
    )
    assert summary["verdict"] == outcome.verdict.value
    assert summary["masters"][0]["verdict"] == verdict
    assert {"exit_code", "masters", "report_id", "reason"} <= set(summary)
    served = [summary["masters"][0]["status"], summary["masters"][0]["report_url"]]
    served += [
        str(item[key])
        for item in summary["masters"][0]["offending_events"]
        for key in ("message", "source")
    ]
    assert all(secret.lower() not in value.lower() for value in served), served
    dotenv = (folder / "reports" / "gate.env").read_text("utf-8").splitlines()
    keys = [line.partition("=")[0] for line in dotenv]
    assert set(keys) <= GATE_KEYS | {"CI_GATE_REPORT_URL"} and "CI_GATE_VERDICT" in keys
    assert f"CI_GATE_VERDICT={outcome.verdict.value}" in dotenv
    assert all(secret.lower() not in line.lower() for line in dotenv if "URL" in line)
    console = io.StringIO()
    stream = SteadyStream(console)
    publish_azure(outcome, paths, stream)  # type: ignore[arg-type]
    from ci_gate.ci import tell_exit_code
    from ci_gate.config.ci_env import AzureCi

    tell_exit_code(AzureCi(), 1, stream)  # type: ignore[arg-type]
    stream.flush()
    commands = [line for line in console.getvalue().splitlines() if "##vso[" in line]
    assert commands and all(AZURE_LINE.fullmatch(line) for line in commands), commands
    assert f"CI_GATE_VERDICT;isoutput=true]{outcome.verdict.value}" in console.getvalue()
    assert "##[group]ci-gate: status timeline\n" in console.getvalue()
    assert "\n##[endgroup]\n" in console.getvalue()
    console = io.StringIO()
    stream = SteadyStream(console)
    github.publish_github(outcome, paths, "", GitHubCi(), stream, print)  # type: ignore[arg-type]
    stream.flush()
    shown = console.getvalue().splitlines()
    assert shown[0] == "::group::ci-gate: status timeline" and "::endgroup::" in shown
    issues = shown[shown.index("::endgroup::") + 1 :]
    assert all(GITHUB_LINE.fullmatch(line) for line in issues), issues
    assert (verdict == "failed") == bool(issues)
    messages = [line.split("::", 2)[2] for line in issues if "says" in line]
    assert (verdict == "failed") == bool(messages)
    assert all(secret.lower() not in m.lower() for m in messages), messages
    github.write_outputs(folder / "out", {"verdict": text.Word(outcome.verdict.value)})
    assert f"\n{outcome.verdict.value}\n" in (folder / "out").read_text("utf-8")
