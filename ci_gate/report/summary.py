"""summary.json for machines and summary.md for people, both from the `Outcome`."""

from __future__ import annotations

import json

from ci_gate.formatting import event_time, format_duration, iso_utc
from ci_gate.model import Event
from ci_gate.outcome import MasterOutcome, Outcome
from ci_gate.report.markdown import md_text
from ci_gate.verdict import Verdict

#: Offending events listed per master in summary.md; summary.json lists them all.
MARKDOWN_EVENT_CAP = 50
_ICONS = {Verdict.PASSED: "✅", Verdict.FAILED: "❌"}


def _event_json(event: Event) -> dict[str, object]:
    return {
        "t": None if event.t is None else event_time(event),
        "level": event.level,
        "level_recognised": event.level_recognised,
        "message": event.message,
        "session_id": event.session_id,
        "source": event.source,
    }


def _master_json(master: MasterOutcome) -> dict[str, object]:
    return {
        "id": master.master_id,
        "verdict": master.verdict.value,
        "status": master.status,
        "progress": master.progress,
        "error": master.error,
        "event_counts": master.event_counts,
        "offending_events": [_event_json(event) for event in master.offending],
        "ignored_events": master.ignored,
        "unrecognised_levels": master.unrecognised_levels,
        "stop_action": master.stop_action,
        "notes": list(master.notes),
        "timeline": [
            {
                "at": iso_utc(change.at),
                "elapsed": round(change.elapsed, 3),
                "status": change.status,
                "progress": change.progress,
            }
            for change in master.timeline
        ],
    }


def summary_dict(outcome: Outcome) -> dict[str, object]:
    return {
        "verdict": outcome.verdict.value,
        "exit_code": outcome.exit_code,
        "reason": outcome.reason,
        "level": outcome.threshold_name,
        "threshold": outcome.threshold,
        "started_at": iso_utc(outcome.started_at),
        "finished_at": iso_utc(outcome.finished_at),
        "api": {
            "requests": outcome.traffic.requests,
            "bytes_received": outcome.traffic.bytes_received,
            "retries": outcome.traffic.retries,
        },
        "masters": [_master_json(master) for master in outcome.masters],
    }


def render_json(outcome: Outcome) -> str:
    """summary.json; ASCII-escaped so that even broken server text stays valid JSON."""
    return json.dumps(summary_dict(outcome), indent=2, ensure_ascii=True) + "\n"


def _master_markdown(master: MasterOutcome, level: str) -> list[str]:
    progress = "?" if master.progress is None else master.progress
    counts = ", ".join(f"{md_text(name, 40)} {n}" for name, n in master.event_counts.items())
    lines = [
        f"## Master {md_text(master.master_id)}: {master.verdict}",
        "",
        "| status | progress | verdict | offending | ignored | events seen |",
        "|---|---|---|---|---|---|",
        f"| {md_text(master.status or 'never read', 60)} | {progress} "
        f"| {master.verdict} | {len(master.offending)} | {master.ignored} | {counts or 'none'} |",
        "",
    ]
    if master.error:
        lines += [f"**Why:** {md_text(master.error)}", ""]
    if master.offending:
        lines += [
            f"### Events at {level} or above",
            "",
            "| # | level | time (UTC) | session | message |",
            "|---|---|---|---|---|",
        ]
        for number, event in enumerate(master.offending[:MARKDOWN_EVENT_CAP], start=1):
            lines.append(
                f"| {number} | {md_text(event.level, 40)} | {event_time(event)} "
                f"| {md_text(event.session_id or '-', 80)} | {md_text(event.message, 300)} |"
            )
        rest = len(master.offending) - MARKDOWN_EVENT_CAP
        if rest > 0:
            lines.append(f"\nand {rest} more (all are in summary.json)")
        lines.append("")
    if master.timeline:
        lines += ["### Status timeline", "", "| elapsed | status | progress |", "|---|---|---|"]
        lines += [
            f"| {format_duration(change.elapsed)} | {md_text(change.status, 60)} "
            f"| {change.progress if change.progress is not None else '?'} |"
            for change in master.timeline
        ]
        lines.append("")
    if master.notes:
        lines += ["### Notes", ""] + [f"- {md_text(note)}" for note in master.notes] + [""]
    return lines


def render_markdown(outcome: Outcome) -> str:
    """summary.md: verdict, a table per master, offending events (capped), the timeline."""
    icon = _ICONS.get(outcome.verdict, "⚠️")
    duration = (outcome.finished_at - outcome.started_at).total_seconds()
    lines = [
        f"# ci-gate: {icon} {outcome.verdict}",
        "",
        md_text(outcome.reason, 1000),
        "",
        f"Threshold: {outcome.threshold_name} · waited {format_duration(duration)} · "
        f"{outcome.traffic.requests} API requests · exit code {outcome.exit_code}",
        "",
    ]
    for master in outcome.masters:
        lines += _master_markdown(master, outcome.threshold_name)
    return "\n".join(lines)
