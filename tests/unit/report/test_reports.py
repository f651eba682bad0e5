"""Reports: junit.xml valid in every verdict and for any server text; escaped Markdown."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped

from ci_gate.domain.outcome import IgnoredEvent, StopRequest
from ci_gate.domain.run import Traffic
from ci_gate.report import write_reports
from ci_gate.report.html import render_html
from ci_gate.report.junit import MAX_FAILURE_CASES, render_junit
from ci_gate.report.markdown import md_cell, md_code
from ci_gate.report.summary import render_markdown
from ci_gate.report.views import EVENT_CAP
from tests.support.helpers import (
    assert_inert_markdown,
    assert_valid_junit,
    event,
    make_outcome,
    markdown_html,
    master_outcome,
)

HOSTILE = [
    "]]><injected attr='x'/>",
    "\x00\x01\x08\x0b\x1b[31mred\x1b[0m\x7f",
    "lone surrogate \ud800 and \udfff",
    "line one\r\n::error::forged\n## heading",
    "<script>alert(1)</script> **bold** [link](http://evil.test) ![img](x) | cell |",
    "\ufffe\uffff emoji 🚀 and RTL \u202e override",
    "x" * 20000,
]


@pytest.mark.parametrize(
    "verdict", ["passed", "failed", "timeout", "error", "cancelled", "unfinished"]
)
def test_junit_is_valid_in_every_verdict(tmp_path: Path, verdict: str) -> None:
    offending = (event(),) if verdict == "failed" else ()
    master = master_outcome(
        verdict, offending, error=None if verdict in ("passed", "failed") else f"{verdict} why"
    )
    outcome = make_outcome(master, master_outcome("passed", master_id="9"))
    paths = write_reports(outcome, tmp_path / "r")
    document = paths.junit.read_bytes()
    assert_valid_junit(document)
    assert b"disabled" not in document
    suites = list(JUnitXml.fromfile(str(paths.junit)))
    assert [suite.name for suite in suites] == ["BlazeMeter master 123", "BlazeMeter master 9"]
    results = [type(r) for case in suites[0] for r in case.result]
    expected = {
        "failed": [Failure],
        "timeout": [Error],
        "error": [Error],
        "cancelled": [Error],
        "unfinished": [Skipped],
        "passed": [],
    }[verdict]
    assert results == expected
    json.loads(paths.summary_json.read_text())


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_no_server_text_can_break_the_junit(text: str) -> None:
    hostile = event(level=text[:50], message=text, session=text)
    outcome = make_outcome(
        master_outcome("failed", (hostile,), status=text, error=text, notes=(text,))
    )
    document = render_junit(outcome)
    assert_valid_junit(document)
    suites = JUnitXml.fromstring(document)
    failures = [
        r for suite in suites for case in suite for r in case.result if isinstance(r, Failure)
    ]
    assert len(failures) == 1


def test_each_offending_event_is_its_own_failure_with_level_time_session_message() -> None:
    events = tuple(
        event("ERROR", f"engine {n} died", t=1_599_142_721 + n, session=f"r-v4-{n}")
        for n in range(3)
    )
    document = render_junit(make_outcome(master_outcome("failed", events)))
    cases = [case for suite in JUnitXml.fromstring(document) for case in suite]
    failures = [r for case in cases for r in case.result if isinstance(r, Failure)]
    assert len(failures) == 3
    assert failures[1].type == "ERROR"
    assert failures[1].message == "ERROR at 2020-09-03T14:18:42Z session r-v4-1: engine 1 died"


def test_junit_caps_failures_and_counts_the_rest() -> None:
    events = tuple(event(message=f"e{n}") for n in range(MAX_FAILURE_CASES + 7))
    document = render_junit(make_outcome(master_outcome("failed", events)))
    assert_valid_junit(document)
    assert b"and 7 more offending events" in document


def test_markdown_shows_server_text_as_code_without_needless_escapes() -> None:
    assert md_code("DATA_RECEIVED") == "`DATA_RECEIVED`"
    assert md_code("credentials rejected (HTTP 401)") == "`credentials rejected (HTTP 401)`"
    assert md_code("a `tick` b") == "``a `tick` b``"
    assert md_code("`edge`") == "`` `edge` ``"
    assert md_code("") == "(empty)"
    assert md_cell("a | b") == "`a \\| b`"


def test_a_code_span_keeps_the_spaces_at_both_ends_of_server_text() -> None:
    """CommonMark strips one space from each end of a code span that has one at both:
    the label ` 0 ` would read `0` in summary.md and ` 0 ` in report.html."""
    for text in (" 0 ", "  x  ", " a `b` c "):
        rendered = markdown_html(md_code(text))
        inner = re.search(r"<code>(.*)</code>", rendered, flags=re.S)
        assert inner is not None and inner.group(1) == text


def test_markdown_renders_no_html_link_autolink_or_heading_from_the_server() -> None:
    hostile = event(
        message="<img src=x onerror=alert(1)>\n# Title | x https://evil.test/a "
        "www.evil.test mail@evil.test @someone **bold** [l](http://e.test)",
        session="<b>s</b> | x",
    )
    markdown = render_markdown(
        make_outcome(master_outcome("failed", (hostile,), error=hostile.message))
    )
    assert_inert_markdown(markdown)
    assert "\n# Title" not in markdown
    # and it reads as plain text: the server's words as they were, with no backslashes
    assert "https://evil.test/a www.evil.test mail@evil.test" in markdown
    assert "DATA\\_" not in render_markdown(make_outcome(master_outcome(status="DATA_RECEIVED")))


def test_markdown_caps_the_event_list() -> None:
    events = tuple(event(message=f"e{n}") for n in range(60))
    markdown = render_markdown(make_outcome(master_outcome("failed", events)))
    assert "and 10 more (every one is in summary.json)" in markdown


def test_summary_md_and_report_html_list_as_many_events() -> None:
    # one cap for both views of the same events (issue 30 item 6)
    events = tuple(event(message=f"e{n}") for n in range(EVENT_CAP + 3))
    outcome = make_outcome(master_outcome("failed", events))
    for text in (render_markdown(outcome), render_html(outcome)):
        assert "and 3 more (every one is in summary.json)" in text


def test_summary_json_fields(tmp_path: Path) -> None:
    hostile = event("ERROR", "bad \ud800 text", t=1_599_142_721)
    waived = IgnoredEvent(event("ERROR", "known flake", t=1_599_142_722), "flake")
    outcome = make_outcome(
        master_outcome("failed", (hostile,), events=(hostile,), ignored=(waived,) * 2)
    )
    paths = write_reports(outcome, tmp_path)
    summary = json.loads(paths.summary_json.read_text())
    assert {"verdict", "exit_code", "level", "started_at", "finished_at", "masters"} <= set(summary)
    master = summary["masters"][0]
    assert {
        "id",
        "verdict",
        "status",
        "progress",
        "error",
        "event_counts",
        "offending_events",
        "ignored_events",
    } <= set(master)
    assert master["offending_events"][0]["t"] == "2020-09-03T14:18:41Z"
    assert master["offending_events"][0]["session_id"] == "r-v4-x"
    assert master["ignored_events"] == 2
    assert master["ignored"][0]["pattern"] == "flake"
    assert master["ignored"][0]["message"] == "known flake"
    assert summary["started_at"].endswith("Z")


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path: Path) -> None:
    write_reports(make_outcome(master_outcome()), tmp_path)
    write_reports(make_outcome(master_outcome("failed", (event(),))), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "junit.xml",
        "report.html",
        "summary.json",
        "summary.md",
    ]


@pytest.mark.parametrize("verdict", ["error", "timeout", "cancelled", "unfinished"])
def test_a_master_never_judged_has_no_passing_case(verdict: str) -> None:
    outcome = replace(
        make_outcome(master_outcome(verdict, error=f"{verdict}: credentials rejected")),
        waited=15.2,
    )
    suite = next(iter(JUnitXml.fromstring(render_junit(outcome))))
    cases = list(suite)
    assert [case.name for case in cases] == ["the run ran to the end"]
    assert cases[0].time == pytest.approx(15.2)  # the wait, not the last status change


def test_summary_markdown_names_stops_retries_and_ignored_events() -> None:
    waived = IgnoredEvent(event("ERROR", "known flake"), "fla+ke")
    outcome = replace(
        make_outcome(
            master_outcome(
                "timeout",
                error="timed out",
                stop_requests=(StopRequest(5.0, "terminate", "timed out (--stop-on-timeout)"),),
                ignored=(waived,),
            )
        ),
        traffic=Traffic(requests=1, bytes_received=10, retries=2),
        ignore_patterns=("fla+ke",),
    )
    markdown = render_markdown(outcome, "abc123")
    assert "**Stop request:** sent `terminate` to BlazeMeter" in markdown
    assert "1 API request (2 retries)" in markdown
    assert "ignoring `fla+ke`" in markdown
    assert "### Ignored events (waived by --ignore)" in markdown
    assert "| `fla+ke` | `known flake` |" in markdown
    assert "Report id: `abc123`" in markdown
    assert_inert_markdown(markdown)
    skipped = [
        result
        for suite in JUnitXml.fromstring(render_junit(outcome))
        for case in suite
        for result in case.result
        if isinstance(result, Skipped)
    ]
    assert skipped and "waived by --ignore 'fla+ke'" in (skipped[0].message or "")


def test_summary_json_is_strict_json_even_with_nan_or_infinity_in_the_outcome() -> None:
    from ci_gate.report.summary import render_json

    outcome = make_outcome(master_outcome(kpis={"avg": float("nan"), "max": float("inf")}))
    text = render_json(outcome)

    def refuse(constant: str) -> None:
        raise AssertionError(f"not strict JSON: {constant}")

    summary = json.loads(text, parse_constant=refuse)
    assert summary["masters"][0]["kpis"] == {"avg": None, "max": None}
    assert summary["notes"] == ["2 value(s) the server gave as NaN or Infinity are shown as null"]


def test_junit_names_stay_the_same_from_run_to_run_and_the_master_id_is_a_property() -> None:
    def names(*masters: object) -> list[tuple[str, str]]:
        xml = JUnitXml.fromstring(render_junit(make_outcome(*masters)))  # type: ignore[arg-type]
        return [(case.classname, case.name) for suite in xml for case in suite]

    first = names(master_outcome(master_id="111", test_id="77"))
    second = names(master_outcome(master_id="222", test_id="77"))
    assert (
        first
        == second
        == [
            ("blazemeter.test.77", "the run ran to the end"),
            ("blazemeter.test.77", "no event at ERROR or above"),
        ]
    )
    assert names(master_outcome(master_id="5")) == [
        ("blazemeter.run", "the run ran to the end"),
        ("blazemeter.run", "no event at ERROR or above"),
    ]
    several = names(master_outcome(master_id="5"), master_outcome(master_id="6"))
    assert [classname for classname, _ in several] == ["blazemeter.run.1"] * 2 + [
        "blazemeter.run.2"
    ] * 2
    xml = JUnitXml.fromstring(render_junit(make_outcome(master_outcome(master_id="111"))))
    suite = next(iter(xml))
    properties = suite.properties()  # type: ignore[no-untyped-call]
    assert {p.name: p.value for p in properties}["master_id"] == "111"


def test_several_masters_put_the_failing_ones_first_and_fold_the_passing_ones() -> None:
    from ci_gate.report.summary import render_markdown

    outcome = make_outcome(
        master_outcome("passed", master_id="1"),
        master_outcome("failed", master_id="2", offending=(event(),)),
        master_outcome("passed", master_id="3"),
    )
    text = render_markdown(outcome)
    assert text.index("Master `2`") < text.index("<details>") < text.index("Master `1`")
    assert "<summary>2 more masters (passed or not judged)</summary>" in text
    assert text.index("Master `3`") < text.index("</details>")
    # one master, or all passing: nothing folded
    assert "<details>" not in render_markdown(make_outcome(master_outcome("passed")))


def test_summary_json_names_the_api_traffic_as_the_contract_does(tmp_path: Path) -> None:
    """`"api": {"requests", "bytes", "retries"}` (CONTRACT.md), each once: no second name
    for the bytes received (issue 30 item 9)."""
    outcome = replace(
        make_outcome(master_outcome()),
        traffic=Traffic(requests=3, bytes_received=2048, retries=1),
    )
    write_reports(outcome, tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["api"] == {"requests": 3, "bytes": 2048, "retries": 1}


def test_a_master_the_wait_left_before_it_ended_has_no_case_saying_it_ran_to_the_end() -> None:
    """issue 30 (attackers): --fail-fast ended a master at DATA_RECEIVED, and junit.xml
    still passed a case "the run ran to the end"."""
    left = master_outcome("failed", (event(),), status="DATA_RECEIVED", progress=100)
    suite = next(iter(JUnitXml.fromstring(render_junit(make_outcome(left)))))
    run_case = next(case for case in suite if "run" in case.name)
    assert run_case.name == "the wait ended before the run did"
    assert run_case.is_skipped and "DATA_RECEIVED (100)" in run_case.result[0].message
    assert "the run ran to the end" not in [case.name for case in suite]
