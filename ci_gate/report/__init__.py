"""Turning an `Outcome` into the report set: junit.xml, summary.json, summary.md,
report.html, gate.env, metrics.txt.

All files are rendered in memory first, each carrying the same fresh `report_id`, and
then written as one set (`atomic.write_set`): a reader never finds a new junit.xml beside
an old summary.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from pathlib import Path

from ci_gate.domain.outcome import Outcome
from ci_gate.report.atomic import write_set
from ci_gate.report.dotenv import DOTENV_NAME, render_dotenv
from ci_gate.report.html import HTML_NAME, render_html
from ci_gate.report.junit import render_junit
from ci_gate.report.metrics import METRICS_NAME, render_metrics
from ci_gate.report.summary import render_json, render_markdown


@dataclass(frozen=True)
class ReportPaths:
    junit: Path
    summary_json: Path
    summary_md: Path
    html: Path
    #: every file of the set as written, in reading order (empty: none was written)
    written: tuple[Path, ...] = ()


def report_paths(report_dir: Path) -> ReportPaths:
    return ReportPaths(
        junit=report_dir / "junit.xml",
        summary_json=report_dir / "summary.json",
        summary_md=report_dir / "summary.md",
        html=report_dir / HTML_NAME,
    )


def render_reports(outcome: Outcome, *, dotenv: bool = False) -> dict[str, bytes]:
    """Every file of the set, by name; `dotenv` adds GitLab's gate.env."""
    report_id = secrets.token_hex(8)
    files = {
        "junit.xml": render_junit(outcome, report_id),
        "summary.md": render_markdown(outcome, report_id).encode("utf-8"),
        "summary.json": render_json(outcome, report_id).encode("utf-8"),
        HTML_NAME: render_html(outcome, report_id).encode("utf-8"),
    }
    if dotenv:
        files[DOTENV_NAME] = render_dotenv(outcome, report_id).encode("ascii")
    metrics = render_metrics(outcome)
    if metrics is not None:
        files[METRICS_NAME] = metrics.encode("ascii")
    return files


def write_reports(outcome: Outcome, report_dir: Path, *, dotenv: bool = False) -> ReportPaths:
    """Render the set and write it as a unit (see `atomic.write_set`)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    files = render_reports(outcome, dotenv=dotenv)
    write_set(report_dir, files)
    order = ("junit.xml", "summary.json", "summary.md", HTML_NAME, METRICS_NAME, DOTENV_NAME)
    named = sorted(files, key=lambda name: order.index(name) if name in order else len(order))
    return replace(report_paths(report_dir), written=tuple(report_dir / name for name in named))
