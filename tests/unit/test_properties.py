"""Property-based tests: nothing a server sends crashes the gate or escapes its escaping."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests_mock as rm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from junitparser import Failure, JUnitXml

from ci_gate.blazemeter.answers import parse_status
from ci_gate.blazemeter.api import BlazeMeterClient
from ci_gate.ci import publish
from ci_gate.config.ci_env import detect_ci
from ci_gate.config.credentials import Credentials
from ci_gate.config.settings import HttpSettings
from ci_gate.domain.run import MasterStatus
from ci_gate.errors import ApiError, MalformedResponseError
from ci_gate.report import write_reports
from tests.support.fakes import FakeClock
from tests.support.helpers import (
    assert_inert_markdown,
    assert_valid_junit,
    event,
    make_outcome,
    master_outcome,
    parse_github_outputs,
    publish_to_github,
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5)
    ),
    max_leaves=30,
)
STATUS_KEYS = st.sampled_from(
    [
        "status",
        "progress",
        "events",
        "sessions",
        "id",
        "level",
        "t",
        "message",
        "session_id",
        "source",
        "from",
    ]
)
STATUS_LIKE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 200)
    | st.text(max_size=20)
    | st.sampled_from(["ENDED", "NULL", "INFO", "ERROR", "fatal", "140"]),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(STATUS_KEYS, children, max_size=6)
    ),
    max_leaves=40,
)
# any code point, lone surrogates and control characters included
HOSTILE_TEXT = st.text(
    st.characters(codec=None, exclude_categories=()), max_size=300
) | st.sampled_from(
    [
        "::set-output name=verdict::passed",
        "x\n::error::forged",
        "a\r\n::add-mask::b",
        "%0A::warning::y",
        "]]><x/>",
        "<script>alert(1)</script>",
        "| a | b |",
        "\x1b[2J\x1b[H",
        "verdict<<EOF\npassed\nEOF",
    ]
)
PROFILE = settings(
    max_examples=75,  # the suite's time (the HTTP one runs a real transport per example)
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROFILE
@given(JSON | STATUS_LIKE)
def test_any_json_result_parses_or_is_a_clear_error(result: Any) -> None:
    try:
        status = parse_status("7", result)
    except MalformedResponseError as error:
        assert str(error).startswith("master 7: ")
        return
    assert isinstance(status, MasterStatus)
    for event_ in status.events:
        assert isinstance(event_.message, str) and isinstance(event_.level_number, int)


@PROFILE
@given(
    code=st.sampled_from([200, 201, 202, 204, 301, 400, 401, 404, 409, 418, 429, 500, 503]),
    body=st.binary(max_size=200) | JSON.map(lambda value: json.dumps(value).encode()),
)
def test_any_http_answer_is_a_status_or_an_api_error(code: int, body: bytes) -> None:
    clock = FakeClock()  # back-off sleeps advance it, never wait
    client = BlazeMeterClient(
        "https://api.example.test/api/v4",
        Credentials("i", "s"),
        http=HttpSettings(retry_max_time=0.05, retry_factor=0.001, retry_max_delay=0.01),
        clock=clock,
        sleep=clock.sleep,
    )
    with rm.Mocker() as mock:
        mock.get("https://api.example.test/api/v4/masters/7/status", status_code=code, content=body)
        try:
            client.status("7", level="ERROR")
        except ApiError as error:
            assert "master 7" in str(error) and "\n" not in str(error)


@PROFILE
@given(message=HOSTILE_TEXT, level=HOSTILE_TEXT, session=HOSTILE_TEXT, status=HOSTILE_TEXT)
def test_any_event_text_gives_valid_inert_reports(
    tmp_path_factory: pytest.TempPathFactory, message: str, level: str, session: str, status: str
) -> None:
    folder: Path = tmp_path_factory.mktemp("r")
    hostile = event(level=level, message=message, session=session)
    outcome = make_outcome(
        master_outcome("failed", (hostile, hostile), status=status, error=message, notes=(message,))
    )
    paths = write_reports(outcome, folder)
    # junit: valid against the XSD, and a JUnit parser reads back both failures
    assert_valid_junit(paths.junit.read_bytes())
    failures = [
        r
        for suite in JUnitXml.fromfile(str(paths.junit))
        for case in suite
        for r in case.result
        if isinstance(r, Failure)
    ]
    assert len(failures) == 2
    # summary.json: valid JSON with the message intact (up to unencodable surrogates)
    summary = json.loads(paths.summary_json.read_text())
    assert summary["masters"][0]["offending_events"][0]["message"] == message
    # summary.md: rendered by a real Markdown parser, only our own elements come out
    markdown = paths.summary_md.read_text()
    assert_inert_markdown(markdown)
    assert len(re.findall(r"^\| \d+ \|", markdown, flags=re.M)) == 2  # both events listed
    # GitHub: only our own workflow commands, and outputs that parse back exactly
    log, output_file, _ = publish_to_github(outcome, paths, folder)
    for line in log.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("::"):
            assert re.match(
                r"::(group|endgroup|error title=ci-gate%3A master 123|warning title=ci-gate)::",
                stripped,
            ), line
    assert parse_github_outputs(output_file.read_text())["verdict"] == "failed"
    # GitLab: a dotenv of plain keys and single-line values, far below 5 KB
    write_reports(outcome, folder, dotenv=True)
    publish(outcome, paths, detect_ci({"GITLAB_CI": "true"}), io.StringIO())
    dotenv = (folder / "gate.env").read_text()
    assert len(dotenv.encode()) < 5 * 1024
    assert all(re.fullmatch(r"[A-Z_]+=[a-z0-9]+", line) for line in dotenv.splitlines())
