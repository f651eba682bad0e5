"""No value can cost the reports (issue 29 item 3): every renderer is a total function of
the outcome. Outcomes built from generated extreme values (integers of 400 digits,
±1.7e308, NaN, infinities, negative and far-future times, out-of-order timelines, odd
text) render in every format, and each format still reads as its readers expect."""

from __future__ import annotations

import io
import json
import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from ci_gate.ci import publish, tell_exit_code
from ci_gate.commands.conclude import _closing_lines
from ci_gate.config.ci_env import detect_ci
from ci_gate.config.fail_on import parse_fail_on
from ci_gate.domain.findings import (
    BaselineOutcome,
    Comparison,
    CriteriaMode,
    CriteriaOutcome,
    Criterion,
    Limit,
)
from ci_gate.domain.live import KpiPoint
from ci_gate.domain.live_criteria import JudgeState, LiveJudgement
from ci_gate.domain.outcome import (
    IgnoredEvent,
    LiveCriterionOutcome,
    MasterOutcome,
    Outcome,
    Seen,
    StatusChange,
    StopRequest,
)
from ci_gate.domain.trend import Trend, TrendPoint
from ci_gate.domain.verdict import Verdict
from ci_gate.report import render_reports, write_reports
from tests.support.helpers import (
    assert_valid_junit,
    event,
    make_outcome,
    parse_github_outputs,
)

#: Numbers a server (or a bug) can put anywhere a number goes.
EXTREME_INTS = (
    st.sampled_from([0, -1, 140, 10**400, -(10**400), 2**63, -(2**63) - 1, 10**308, 10**5000])
    | st.integers()
)
EXTREME_FLOATS = (
    st.sampled_from(
        [1.7e308, -1.7e308, math.inf, -math.inf, math.nan, 5e-324, -5e-324, 0.0, -0.0, 1e300]
    )
    | st.floats()
)
NUMBERS = EXTREME_INTS | EXTREME_FLOATS
#: Times: negative, zero, now, far future, beyond any calendar, NaN.
TIMES = (
    st.none()
    | st.sampled_from([0, -1, -(10**12), 1_700_000_000, 253_402_300_800, 10**18, 10**400])
    | st.integers()
)
ODD_TEXT = st.text(max_size=40) | st.sampled_from(
    ["", "nan", "inf", "-1e400", "<svg onload=x>", "\x00\ud800", "]]>", "# EOF\n"]
)


def _events(times: list[int | None], texts: list[str]) -> tuple[Any, ...]:
    levels = ["ERROR", "INFO", "odd"]  # 400, 200, unrecognised
    return tuple(
        event(
            level=levels[i % 3],
            t=t,
            message=texts[i % len(texts)] if texts else "m",
        )
        for i, t in enumerate(times)
    )


#: criteria on ALL and on a label, on each kind of chart
LIVE_CRITERIA = [
    parse_fail_on(text, "--fail-on")
    for text in ("avg-rt>1500ms for 30s", "p90 of x>2s", "fail>5% within 1m", "hits<10 for 5s")
]


@st.composite
def masters(draw: st.DrawFn) -> MasterOutcome:
    times = draw(st.lists(TIMES, max_size=8))
    texts = draw(st.lists(ODD_TEXT, max_size=3))
    events = _events(times, texts)
    base = datetime(2026, 1, 2, tzinfo=timezone.utc)
    timeline = tuple(
        StatusChange(
            base + timedelta(seconds=i),
            draw(EXTREME_FLOATS | st.integers(-(10**6), 10**6).map(float)),
            draw(ODD_TEXT | st.sampled_from(["ENDED", "DATA_RECEIVED"])),
            draw(st.none() | EXTREME_INTS),
        )
        for i in range(draw(st.integers(0, 4)))
    )
    kpis = draw(
        st.none() | st.dictionaries(ODD_TEXT | st.sampled_from(["avg", "tp90", "hits"]), NUMBERS)
    )
    trend = draw(
        st.none()
        | st.lists(
            st.builds(
                TrendPoint,
                master_id=ODD_TEXT,
                created=st.none() | NUMBERS,
                report_status=st.none() | ODD_TEXT,
                p90=st.none() | NUMBERS,
                avg=st.none() | NUMBERS,
                errors=st.none() | NUMBERS,
                hits=st.none() | NUMBERS,
            ),
            max_size=5,
        ).map(lambda points: Trend(len(points), tuple(points)))
    )
    comparisons = st.builds(
        Comparison,
        label=ODD_TEXT,
        metric=st.sampled_from(["p90", "avg", "errors"]),
        samples_baseline=EXTREME_INTS,
        samples_now=EXTREME_INTS,
        baseline=st.none() | NUMBERS,
        now=st.none() | NUMBERS,
        limit=st.none() | st.builds(Limit, st.just("p90"), EXTREME_FLOATS, st.booleans()),
        verdict=st.sampled_from(["regression", "fine", "no data", "few samples", "new label"]),
    )
    baseline = draw(
        st.none()
        | st.builds(
            BaselineOutcome,
            master_id=st.none() | ODD_TEXT,
            how_chosen=st.sampled_from(["--baseline", "last-passed"]),  # our own words
            rows=st.lists(comparisons, max_size=5).map(tuple),
        )
    )
    criteria = draw(
        st.none()
        | st.builds(
            CriteriaOutcome,
            mode=st.sampled_from(list(CriteriaMode)),
            report_status=st.none() | ODD_TEXT,
            verdict=st.sampled_from([Verdict.PASSED, Verdict.FAILED]),
            failed=st.lists(
                st.builds(
                    Criterion,
                    field=ODD_TEXT,
                    op=ODD_TEXT,
                    threshold=NUMBERS | ODD_TEXT,
                    value=NUMBERS | st.none(),
                    success=st.just(False),
                    label=ODD_TEXT,
                ),
                max_size=3,
            ).map(tuple),
        )
    )
    offending = tuple(e for e in events if e.level_number >= 400)
    stop_requests = tuple(
        draw(
            st.lists(
                st.builds(
                    StopRequest,
                    elapsed=EXTREME_FLOATS,
                    action=st.none() | st.sampled_from(["stop", "terminate"]),
                    why=ODD_TEXT,
                ),
                max_size=2,
            )
        )
    )
    return MasterOutcome(
        master_id=draw(st.sampled_from(["123", "9", "0"])),
        verdict=draw(st.sampled_from([Verdict.PASSED, Verdict.FAILED, Verdict.ERROR])),
        seen=Seen(
            status=draw(st.none() | ODD_TEXT),
            progress=draw(st.none() | EXTREME_INTS),
            events=events,
            offending=offending,
            ignored=tuple(IgnoredEvent(e, "x") for e in events[:2]),
            timeline=timeline,
            stop_requests=stop_requests,
        ),
        kpis=kpis,
        baseline=baseline,
        trend=trend,
        criteria=criteria,
        test_id=draw(st.none() | st.sampled_from(["7", "<x>"])),
        kpi_timeline=draw(
            st.dictionaries(
                ODD_TEXT | st.just("ALL"),
                st.lists(
                    st.builds(
                        KpiPoint,
                        ts=TIMES.map(lambda t: 0 if t is None else t),
                        hits=st.none() | EXTREME_INTS,
                        errors=st.none() | EXTREME_INTS,
                        users=st.none() | EXTREME_INTS,
                        avg_rt=st.none() | NUMBERS,
                        avg_lt=st.none() | NUMBERS,
                        avg_bytes=st.none() | NUMBERS,
                    ),
                    max_size=4,
                ).map(tuple),
                max_size=2,
            )
        ),
        live_criteria=tuple(
            draw(
                st.lists(
                    st.builds(
                        LiveCriterionOutcome,
                        criterion=st.sampled_from(LIVE_CRITERIA),
                        judgement=st.builds(
                            LiveJudgement,
                            state=st.sampled_from(list(JudgeState)),
                            value=st.none() | NUMBERS,
                            window=st.none() | st.tuples(EXTREME_INTS, EXTREME_INTS),
                        ),
                    ),
                    max_size=2,
                )
            )
        ),
    )


@st.composite
def outcomes(draw: st.DrawFn) -> Outcome:
    outcome = make_outcome(*draw(st.lists(masters(), min_size=1, max_size=2)))
    return Outcome(
        verdict=outcome.verdict,
        threshold=outcome.threshold,
        started_at=outcome.started_at,
        finished_at=outcome.finished_at,
        masters=outcome.masters,
        reason=outcome.reason,
        waited=draw(EXTREME_FLOATS | st.floats(0, 10**6)),
        timeout=draw(st.none() | EXTREME_FLOATS),
    )


def _refuse_constant(name: str) -> None:
    raise AssertionError(f"summary.json holds {name}, which strict JSON has not")


_COORDINATES = ("x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height")


def _assert_drawable_charts(page: str) -> None:
    """Every chart is well-formed XML whose coordinates are plain finite numbers."""
    charts = re.findall(r"<svg .*?</svg>", page, flags=re.S)
    assert charts
    for chart in charts:
        root = etree.fromstring(chart.encode())
        for element in root.iter():
            for name in _COORDINATES:
                if name in element.attrib:
                    assert math.isfinite(float(element.attrib[name])), (name, element.attrib)
            for name in ("points", "d"):
                for number in re.findall(r"[-+0-9.eEnaif]+", element.attrib.get(name, "")):
                    assert math.isfinite(float(number)), (name, element.attrib[name])


@settings(
    max_examples=50,  # the suite's time: each example renders every report
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(outcome=outcomes(), dotenv=st.booleans())
def test_every_format_renders_any_extreme_values_and_stays_readable(
    outcome: Outcome, dotenv: bool
) -> None:
    files = render_reports(outcome, dotenv=dotenv)
    assert {"junit.xml", "summary.json", "summary.md", "report.html"} <= set(files)
    assert_valid_junit(files["junit.xml"])
    summary = json.loads(files["summary.json"], parse_constant=_refuse_constant)
    assert summary["exit_code"] == outcome.exit_code
    assert summary["verdict"] == outcome.verdict.value
    files["summary.md"].decode("utf-8")
    page = files["report.html"].decode("utf-8")
    assert lxml_html.document_fromstring(page).find(".//h1") is not None
    _assert_drawable_charts(page)
    if "metrics.txt" in files:
        families = list(text_string_to_metric_families(files["metrics.txt"].decode("utf-8")))  # type: ignore[no-untyped-call]
        assert families
    if dotenv:
        assert f"CI_GATE_EXIT_CODE={outcome.exit_code}" in files["gate.env"].decode("ascii")


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(outcome=outcomes())
def test_the_ci_hand_off_and_the_closing_lines_take_any_extreme_values(
    tmp_path_factory: pytest.TempPathFactory, outcome: Outcome
) -> None:
    """After the reports, the CI adapters and the closing lines read the same outcome: a
    value that made them raise would still end the run as an internal error (exit 4)."""
    folder = tmp_path_factory.mktemp("ci")
    paths = write_reports(outcome, folder / "r", dotenv=True)
    github = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(folder / "gh-output"),
        "GITHUB_STEP_SUMMARY": str(folder / "gh-summary"),
    }
    for env in (github, {"GITLAB_CI": "true"}, {"TF_BUILD": "True"}, {}):
        publish(outcome, paths, detect_ci(env), io.StringIO())
        tell_exit_code(detect_ci(env), outcome.exit_code, io.StringIO())  # as `cli.main`
    outputs = parse_github_outputs((folder / "gh-output").read_text())
    assert outputs["exit-code"] == str(outcome.exit_code)
    stdout, stderr = io.StringIO(), io.StringIO()
    _closing_lines(outcome, paths, stdout, stderr)
    assert f"ci-gate: {outcome.verdict}: " in stdout.getvalue() + stderr.getvalue()


def test_the_issues_own_values_render_every_report() -> None:
    """The cases the issue names: progress 10**400, an event at t 10**400, a trend at
    ±1.7e308 (each made report.html raise, and every report was lost)."""
    huge = 10**400
    master = MasterOutcome(
        master_id="123",
        verdict=Verdict.PASSED,
        seen=Seen(
            status="ENDED",
            progress=huge,
            timeline=(StatusChange(datetime(2026, 1, 2, tzinfo=timezone.utc), 0.0, "ENDED", huge),),
            events=(event(t=huge), event(t=1_700_000_000)),
        ),
        trend=Trend(
            2,
            (
                TrendPoint("1", 1.7e308, "pass", 1.7e308, -1.7e308, 1.7e308, -1.7e308),
                TrendPoint("2", -1.7e308, None, -1.7e308, 1.7e308, math.nan, math.inf, True),
            ),
        ),
    )
    files = render_reports(make_outcome(master))
    page = files["report.html"].decode()
    assert "out of range" in page
    _assert_drawable_charts(page)
    summary = json.loads(files["summary.json"], parse_constant=_refuse_constant)
    assert summary["verdict"] == "passed"


def test_summary_json_never_holds_a_lone_surrogate() -> None:
    """An environment value with bytes that are not UTF-8 (`CI_GATE_IGNORE`, kept by
    Python as lone surrogates) or a server string with a lone `\\ud800` escape: strict
    JSON parsers refuse a lone surrogate, so summary.json shows U+FFFD for it; a character
    beyond the BMP stays itself."""
    from dataclasses import replace

    from ci_gate.report.summary import render_json
    from tests.support.helpers import event, make_outcome, master_outcome

    lone = event("ERROR", "bad \ud800 byte, a real \U0001f600")
    outcome = replace(
        make_outcome(master_outcome("failed", offending=(lone,))),
        ignore_patterns=("x\udcffy",),
    )
    text = render_json(outcome, "r1")
    summary = json.loads(text)
    assert not re.search("[\ud800-\udfff]", json.dumps(summary, ensure_ascii=False))
    assert summary["ignore_patterns"] == ["x\ufffdy"]
    assert (
        summary["masters"][0]["offending_events"][0]["message"]
        == "bad \ufffd byte, a real \U0001f600"
    )


_JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**60), 2**60),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
)


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        _JSON_LEAF,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)
        ),
        max_leaves=30,
    )
)
def test_summary_json_is_indented_byte_for_byte_as_the_standard_library_does(
    value: object,
) -> None:
    """summary.json is indented in C (`msgspec.json.format`, for speed), to the same
    bytes as `json.dumps(indent=2)` writes."""
    from ci_gate.report.summary import _indented

    expected = json.dumps(value, indent=2, ensure_ascii=True, allow_nan=False)
    assert _indented(json.dumps(value, ensure_ascii=True, allow_nan=False)) == expected
