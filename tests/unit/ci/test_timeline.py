"""A master's progress code is spelled one way wherever a status line shows it (issue 32
item 5): the live line, the heartbeat, the CI timeline group (GitHub, GitLab, Azure),
junit.xml's run case and summary.md's timeline; an unknown one is `?`, never `None`."""

from __future__ import annotations

import io
from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate.ci.timeline import timeline_lines
from ci_gate.domain.outcome import StatusChange
from ci_gate.formatting import show_progress
from ci_gate.report.junit import render_junit
from ci_gate.report.summary import render_markdown
from ci_gate.wait.progress import ConsoleProgress
from tests.support.helpers import make_outcome, master_outcome

PROGRESS = st.none() | st.integers(min_value=-(10**30), max_value=10**30)


def _change(progress: int | None) -> StatusChange:
    return StatusChange(datetime(2026, 1, 2, tzinfo=timezone.utc), 1.0, "DATA_RECEIVED", progress)


def _live(progress: int | None) -> list[str]:
    stream = io.StringIO()
    console = ConsoleProgress(stream)
    console.status_changed("123", "DATA_RECEIVED", progress, 1.0)
    console.heartbeat("123", "DATA_RECEIVED", progress, 1.0, 60.0)
    return stream.getvalue().splitlines()


def test_an_unknown_progress_is_a_question_mark_everywhere() -> None:
    outcome = make_outcome(master_outcome("passed", progress=None, timeline=(_change(None),)))
    (line,) = timeline_lines(outcome)
    assert line.endswith("DATA_RECEIVED (?)"), line
    status, heartbeat = _live(None)
    assert status.endswith("DATA_RECEIVED (?)") and "DATA_RECEIVED (?), 1m00s left" in heartbeat
    assert b"DATA_RECEIVED (?)" in render_junit(outcome)
    assert "| `DATA_RECEIVED` | ? |" in render_markdown(outcome)
    for text in (line, status, heartbeat, render_junit(outcome).decode(), render_markdown(outcome)):
        assert "None" not in text


@settings(max_examples=100, deadline=None)
@given(progress=PROGRESS)
def test_the_ci_timeline_spells_a_progress_as_the_live_line_does(progress: int | None) -> None:
    master = master_outcome("passed", progress=progress, timeline=(_change(progress),))
    outcome = make_outcome(master)
    (line,) = timeline_lines(outcome)
    status, heartbeat = _live(progress)
    shown = f"DATA_RECEIVED ({show_progress(progress)})"
    assert line.endswith(shown) and status.endswith(shown) and f"{shown}, " in heartbeat
