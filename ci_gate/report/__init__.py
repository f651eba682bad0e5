"""Turning an `Outcome` into the report files: junit.xml, summary.json, summary.md."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ci_gate.outcome import Outcome
from ci_gate.report.atomic import write_atomic
from ci_gate.report.junit import render_junit
from ci_gate.report.summary import render_json, render_markdown


@dataclass(frozen=True)
class ReportPaths:
    junit: Path
    summary_json: Path
    summary_md: Path


def report_paths(report_dir: Path) -> ReportPaths:
    return ReportPaths(
        junit=report_dir / "junit.xml",
        summary_json=report_dir / "summary.json",
        summary_md=report_dir / "summary.md",
    )


def write_reports(outcome: Outcome, report_dir: Path) -> ReportPaths:
    """Write the three reports, each atomically (a reader never sees half a file)."""
    paths = report_paths(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(paths.junit, render_junit(outcome))
    write_atomic(paths.summary_json, render_json(outcome).encode("utf-8"))
    write_atomic(paths.summary_md, render_markdown(outcome).encode("utf-8"))
    return paths
