"""The report set as a registry of formats: each file's name, declared once here, with the
renderer that makes it from the `Outcome`, in reading order. `render_set` renders them
and `atomic.write_set` writes what they give as one set, summary.json (`COMMIT_MARK`)
last.

Every renderer is a total function of the outcome (`safe_numbers` makes every number
safe), but a bug must not cost the others: a renderer that raises is replaced by its
format's stand-in (a minimal file from the verdict alone, or none for the optional
files), one line says so in summary.json's `notes` (and, through `ReportPaths.notes`, on
stderr), and the exit code stays the verdict's.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ci_gate.domain.outcome import Outcome
from ci_gate.domain.verdict import Verdict
from ci_gate.formatting import iso_utc
from ci_gate.report.dotenv import DOTENV_NAME, render_dotenv
from ci_gate.report.html import HTML_NAME, render_html
from ci_gate.report.html_text import html_text
from ci_gate.report.junit import JUNIT_NAME, render_junit
from ci_gate.report.metrics import METRICS_NAME, render_metrics
from ci_gate.report.summary import JSON_NAME, MARKDOWN_NAME, render_json, render_markdown
from ci_gate.text import RedactedBytes, Word, redact_values

#: A renderer: (outcome, report id, notes on the set) -> the file, or None for none.
Renderer = Callable[[Outcome, str, Sequence[str]], "bytes | None"]
#: A stand-in: (outcome, report id, the notes) -> a minimal file saying what happened.
StandIn = Callable[[Outcome, str, Sequence[str]], bytes]


@dataclass(frozen=True)
class Format:
    """One file of the report set."""

    name: str
    render: Renderer
    #: what replaces the file when its renderer fails (None: the file is left out)
    stand_in: StandIn | None = None
    #: written only when asked for (gate.env, inside GitLab CI)
    dotenv_only: bool = False
    #: XML or HTML: the sink redacts its character data and attribute values, never its
    #: markup (`text.redact_markup`), so a secret spelling a tag name cannot break it
    markup: bool = False


def _junit_stand_in(outcome: Outcome, report_id: str, notes: Sequence[str]) -> bytes:
    """One case carrying the verdict (an `<error>` unless it passed) and the note."""
    failing = outcome.verdict not in (Verdict.PASSED, Verdict.UNFINISHED)
    counts = {"tests": "1", "failures": "0", "errors": "1" if failing else "0", "time": "0.000"}
    root = ET.Element("testsuites", {"name": "ci-gate", **counts})
    suite = ET.SubElement(
        root,
        "testsuite",
        {"name": "ci-gate", **counts, "timestamp": iso_utc(outcome.started_at).removesuffix("Z")},
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (("verdict", outcome.verdict.value), ("report_id", report_id)):
        ET.SubElement(properties, "property", {"name": name, "value": value})
    case = ET.SubElement(
        suite, "testcase", {"name": "the run's verdict", "classname": "blazemeter.run"}
    )
    if failing:
        message = f"ci-gate: {outcome.verdict} (exit code {outcome.exit_code})"
        ET.SubElement(case, "error", {"message": message, "type": outcome.verdict.value})
    ET.SubElement(case, "system-out").text = "\n".join(notes)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _json_stand_in(outcome: Outcome, report_id: str, notes: Sequence[str]) -> bytes:
    minimal = redact_values(
        {
            "verdict": Word(outcome.verdict.value),
            "exit_code": outcome.exit_code,
            "report_id": Word(report_id),
            "notes": list(notes),
        }
    )
    return RedactedBytes((json.dumps(minimal, indent=2, ensure_ascii=True) + "\n").encode("ascii"))


def _markdown_stand_in(outcome: Outcome, report_id: str, notes: Sequence[str]) -> bytes:
    return "".join([f"# ci-gate: {outcome.verdict}\n", *(f"\n{note}\n" for note in notes)]).encode()


def _html_stand_in(outcome: Outcome, report_id: str, notes: Sequence[str]) -> bytes:
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            f"<title>ci-gate: {outcome.verdict}</title></head><body>",
            f"<h1>ci-gate: {outcome.verdict}</h1>",
            *(f"<p>{html_text(note, 1000)}</p>" for note in notes),
            "</body></html>\n",
        ]
    ).encode()


def _dotenv_stand_in(outcome: Outcome, report_id: str, notes: Sequence[str]) -> bytes:
    """The verdict and exit code, which later jobs read; the notes are in summary.json."""
    return RedactedBytes(
        f"CI_GATE_VERDICT={outcome.verdict.value}\nCI_GATE_EXIT_CODE={outcome.exit_code}\n".encode(
            "ascii"
        )
    )


def _text(render: Callable[[Outcome, str], str], encoding: str = "utf-8") -> Renderer:
    return lambda outcome, report_id, notes: render(outcome, report_id).encode(encoding)


def _metrics(outcome: Outcome, report_id: str, notes: Sequence[str]) -> bytes | None:
    """Redacted value by value by its renderer (`render_metrics`): written as built."""
    text = render_metrics(outcome)  # OpenMetrics text is UTF-8: a KPI's name may be any
    return None if text is None else RedactedBytes(text.encode("utf-8"))


#: Every file of the set, in reading order.
FORMATS: tuple[Format, ...] = (
    Format(
        JUNIT_NAME,
        lambda outcome, rid, notes: render_junit(outcome, rid),
        _junit_stand_in,
        markup=True,
    ),
    Format(
        JSON_NAME,
        lambda outcome, rid, notes: RedactedBytes(render_json(outcome, rid, notes).encode()),
        _json_stand_in,
    ),
    Format(MARKDOWN_NAME, _text(render_markdown), _markdown_stand_in),
    Format(HTML_NAME, _text(render_html), _html_stand_in, markup=True),
    Format(METRICS_NAME, _metrics),
    Format(
        DOTENV_NAME,
        lambda outcome, rid, notes: RedactedBytes(render_dotenv(outcome, rid).encode("ascii")),
        _dotenv_stand_in,
        dotenv_only=True,
    ),
)
#: Every name a report set may use; each write removes all of them first.
SET_NAMES = tuple(f.name for f in FORMATS)
#: The files the sink redacts as markup (`text.redact_markup`).
MARKUP_NAMES = frozenset(f.name for f in FORMATS if f.markup)
#: Written last and removed first: its presence says the set is complete.
COMMIT_MARK = JSON_NAME


@dataclass(frozen=True)
class RenderedSet:
    """The files of one set by name, and one line per renderer that failed."""

    files: dict[str, bytes]
    notes: tuple[str, ...] = ()


def render_set(outcome: Outcome, report_id: str, *, dotenv: bool = False) -> RenderedSet:
    """Every format of the registry (`dotenv` adds gate.env), summary.json last so that
    it names the renderers that failed."""
    wanted = [f for f in FORMATS if dotenv or not f.dotenv_only]
    ordered = [f for f in wanted if f.name != COMMIT_MARK] + [
        f for f in wanted if f.name == COMMIT_MARK
    ]
    files: dict[str, bytes] = {}
    notes: list[str] = []
    for format_ in ordered:
        try:
            data = format_.render(outcome, report_id, tuple(notes))
        except Exception as error:  # a bug in one renderer: the others are still written
            note = (
                f"{format_.name} could not be rendered (a bug in ci-gate: "
                f"{type(error).__name__})" + ("" if format_.stand_in else "; it is left out")
            )
            notes.append(note)
            stand_in = format_.stand_in
            data = None if stand_in is None else stand_in(outcome, report_id, tuple(notes))
        if data is not None:
            files[format_.name] = data
    return RenderedSet({name: files[name] for name in SET_NAMES if name in files}, tuple(notes))
