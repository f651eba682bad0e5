"""The report set as a registry of formats, and its defence in depth (issue 29 item 3): a
renderer that still fails (a bug) costs only its own file, which a stand-in replaces; the
others are written, summary.json and stderr say so in one line, the exit code stays the
verdict's."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import html as lxml_html

from ci_gate.commands.conclude import conclude
from ci_gate.domain.outcome import Outcome
from ci_gate.report import atomic, formats, html, write_reports
from ci_gate.report.formats import COMMIT_MARK, FORMATS, SET_NAMES
from ci_gate.signals import SignalGuard
from tests.support.helpers import assert_valid_junit, event, make_outcome, master_outcome


def _bug(*args: object, **kwargs: object) -> bytes:
    raise ZeroDivisionError("a bug in a chart")


def _strict(text: str) -> dict[str, object]:
    def refuse(name: str) -> None:
        raise AssertionError(name)

    loaded: dict[str, object] = json.loads(text, parse_constant=refuse)
    return loaded


def test_a_failing_chart_costs_only_report_html_and_the_exit_code_stays_the_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html, "step_chart", _bug)  # a bug deep inside one renderer
    stdout, stderr = io.StringIO(), io.StringIO()
    outcome = make_outcome(master_outcome("passed", kpis={"avg": 1.0}))
    code = conclude(outcome, tmp_path, SignalGuard(), stdout=stdout, stderr=stderr).exit_code
    assert code == 0
    names = {path.name for path in tmp_path.iterdir()}
    assert {"junit.xml", "summary.json", "summary.md", "report.html", "metrics.txt"} <= names
    assert_valid_junit((tmp_path / "junit.xml").read_bytes())
    summary = _strict((tmp_path / "summary.json").read_text())
    assert summary["verdict"] == "passed" and summary["exit_code"] == 0
    (note,) = [n for n in summary["notes"] if "report.html" in n]  # type: ignore[attr-defined]
    assert "could not be rendered" in note and "ZeroDivisionError" in note
    # the stand-in page says so, and reads as a page
    page = (tmp_path / "report.html").read_text()
    assert lxml_html.document_fromstring(page).find(".//h1").text == "ci-gate: passed"
    assert note in page
    # one line on stderr, and the closing verdict line is still the run's
    lines = stderr.getvalue().splitlines()
    assert [line for line in lines if "report.html" in line] == [f"ci-gate: warning: {note}"]
    assert "ci-gate: passed" in stdout.getvalue()


@pytest.mark.parametrize("name", [f.name for f in FORMATS])
def test_any_renderer_that_raises_is_replaced_or_left_out_and_the_set_is_still_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    broken = tuple(replace(f, render=_bug) if f.name == name else f for f in FORMATS)
    monkeypatch.setattr(formats, "FORMATS", broken)
    outcome = make_outcome(master_outcome("failed", (event(),), kpis={"avg": 2.0}))
    paths = write_reports(outcome, tmp_path, dotenv=True)
    assert len(paths.notes) == 1 and name in paths.notes[0]
    summary = _strict((tmp_path / COMMIT_MARK).read_text())
    assert summary["verdict"] == "failed" and summary["exit_code"] == 1
    assert paths.notes[0] in summary["notes"]  # type: ignore[operator]
    for other in SET_NAMES:
        if other != name:
            assert (tmp_path / other).is_file(), other
    stand_in = next(f for f in FORMATS if f.name == name).stand_in
    assert (tmp_path / name).is_file() == (stand_in is not None)
    assert_valid_junit((tmp_path / "junit.xml").read_bytes())
    lxml_html.document_fromstring((tmp_path / "report.html").read_text())
    assert "CI_GATE_EXIT_CODE=1" in (tmp_path / "gate.env").read_text()


def test_each_file_name_is_declared_once_and_the_atomic_writer_uses_the_registry() -> None:
    names = [f.name for f in FORMATS]
    assert len(names) == len(set(names))
    assert tuple(names) == SET_NAMES
    assert atomic.SET_NAMES is SET_NAMES and atomic.COMMIT_MARK == COMMIT_MARK == "summary.json"


def test_the_stand_ins_are_valid_files_of_their_kind() -> None:
    outcome: Outcome = make_outcome(master_outcome("error", error="<b>x</b> & ]]>"))
    note = "x could not be rendered (a bug in ci-gate: OverflowError)"
    made = {f.name: f.stand_in(outcome, "abc", [note]) for f in FORMATS if f.stand_in}
    assert set(made) == set(SET_NAMES) - {"metrics.txt"}  # only metrics.txt is left out
    assert_valid_junit(made["junit.xml"])
    summary = _strict(made["summary.json"].decode())
    assert (summary["verdict"], summary["exit_code"], summary["notes"]) == ("error", 4, [note])
    assert note in made["summary.md"].decode()
    assert lxml_html.document_fromstring(made["report.html"].decode()).find(".//p").text == note
    assert made["gate.env"] == b"CI_GATE_VERDICT=error\nCI_GATE_EXIT_CODE=4\n"
