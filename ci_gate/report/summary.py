"""summary.json for machines and summary.md for people, both from the `Outcome`.

A little over 300 lines on purpose: the two are one view in two forms, and their fields
stay in step where they live together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import msgspec

from ci_gate.domain.outcome import IgnoredEvent, MasterOutcome, Outcome
from ci_gate.domain.run import Event
from ci_gate.domain.verdict import Verdict
from ci_gate.formatting import event_time, format_duration, iso_utc, plural, show_progress
from ci_gate.report import views
from ci_gate.report.html import HTML_NAME
from ci_gate.report.live_rows import criterion_json, timeline_json
from ci_gate.report.markdown import md_cell, md_code, md_line, md_table
from ci_gate.report.trend import trend_json, trend_markdown
from ci_gate.safe_numbers import fits_json, is_number, whole_as_int
from ci_gate.text import Word, redact_values

JSON_NAME = "summary.json"
MARKDOWN_NAME = "summary.md"
#: The maps whose keys are server text (event levels, KPI names and labels): redacted too.
_KEYED_BY_SERVER = frozenset({"event_counts", "kpis", "kpi_timeline"})
_ICONS = {Verdict.PASSED: "✅", Verdict.FAILED: "❌", Verdict.BROKEN: "💥"}


def _event_json(event: Event, times: dict[object, str]) -> dict[str, object]:
    """One event; `times` keeps each time once written (a run's events share seconds)."""
    if event.t is None:
        shown = None
    else:
        key = (type(event.t), event.t)  # 1 and 1.0 are one key to a dict, two times here
        shown = times.get(key)
        if shown is None:
            shown = times[key] = event_time(event)
    return {
        "t": shown,
        "level": event.level,
        "level_recognised": event.level_recognised,
        "message": event.message,
        "session_id": event.session_id,
        "source": event.source,
    }


def _ignored_json(ignored: IgnoredEvent, times: dict[object, str]) -> dict[str, object]:
    return {**_event_json(ignored.event, times), "pattern": ignored.pattern}


def _criteria_json(master: MasterOutcome) -> dict[str, object] | None:
    criteria = master.criteria
    if criteria is None:
        return None
    return {
        "mode": Word(criteria.mode.value),
        "report_status": criteria.report_status,
        "verdict": Word(criteria.verdict.value),
        "failed": [
            {
                "field": c.field,
                "op": c.op,
                "threshold": c.threshold,
                "value": c.value,
                "label": c.label,
                "description": c.describe(),
            }
            for c in criteria.failed
        ],
        "note": criteria.note,
    }


def _baseline_json(master: MasterOutcome) -> dict[str, object] | None:
    comparison = master.baseline
    if comparison is None:
        return None
    return {
        "master_id": comparison.master_id,
        "how_chosen": comparison.how_chosen,
        "note": comparison.note,
        "regressions": len(comparison.regressions),
        "rows": [
            {
                "label": row.label,
                "metric": row.metric,
                "samples_baseline": row.samples_baseline,
                "samples_now": row.samples_now,
                "baseline": row.baseline,
                "now": row.now,
                "change": row.change,
                "limit": str(row.limit) if row.limit else None,
                "verdict": row.verdict,
            }
            for row in comparison.rows
        ],
    }


def _master_json(master: MasterOutcome) -> dict[str, object]:
    times: dict[object, str] = {}
    return {
        "id": master.master_id,
        "verdict": Word(master.verdict.value),
        "status": master.status,
        "progress": master.progress,
        "error": master.error,
        "event_counts": master.seen.event_counts,
        "offending_events": [_event_json(event, times) for event in master.offending],
        "ignored_events": len(master.ignored),
        "ignored": [_ignored_json(ignored, times) for ignored in master.ignored],
        "unrecognised_levels": master.seen.unrecognised_levels,
        "stop_action": master.seen.stop_action,
        "criteria": _criteria_json(master),
        "kpis": _kpis_json(master.kpis),
        "report_url": master.report_url,
        "baseline": _baseline_json(master),
        "trend": trend_json(master.trend),
        "notes": list(master.notes),
        "live_criteria": [criterion_json(item) for item in master.live_criteria],
        "stop_saved": master.stop_saved,
        "kpi_timeline": timeline_json(master),
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


def summary_dict(outcome: Outcome, report_id: str = "") -> dict[str, object]:
    """The summary as data, every value redacted (a server may echo the secret), the keys
    and the gate's own words (`text.Word`) whole: summary.json is a structured output,
    never redacted as one text (docs/SECURITY.md)."""
    summary: dict[str, object] = {
        "verdict": Word(outcome.verdict.value),
        "exit_code": outcome.exit_code,
        "reason": outcome.reason,
        "level": Word(outcome.threshold_name),
        "threshold": outcome.threshold,
        "started_at": Word(iso_utc(outcome.started_at)),
        "finished_at": Word(iso_utc(outcome.finished_at)),
        "waited_seconds": round(outcome.waited, 3),
        "ignore_patterns": list(outcome.ignore_patterns),
        "api": {
            "requests": outcome.traffic.requests,
            "bytes": outcome.traffic.bytes_received,
            "retries": outcome.traffic.retries,
        },
        "masters": [_master_json(master) for master in outcome.masters],
        "report_id": Word(report_id),
    }
    if outcome.comment is not None:
        summary["comment"] = {
            "status": outcome.comment.status,
            "reason": outcome.comment.reason,
            "url": outcome.comment.url,
        }
    redacted: dict[str, object] = redact_values(summary, _KEYED_BY_SERVER)  # type: ignore[assignment]
    return redacted


def _strict(value: object, replaced: list[object]) -> object:
    """`value` with every NaN, Infinity or integer no double can hold as null (strict
    JSON has no such numbers, and its readers would take a 400-digit one as infinite)."""
    if type(value) is str:  # most values: let go at once
        return value
    if is_number(value) and not fits_json(value):
        replaced.append(value)
        return None
    if isinstance(value, dict):
        return {key: _strict(item, replaced) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(item, replaced) for item in value]
    return value


def _kpis_json(kpis: dict[str, float] | None) -> dict[str, object] | None:
    """Whole numbers as JSON integers (`"hits": 12000`, not `12000.0`): counts are counts."""
    if kpis is None:
        return None
    return {name: whole_as_int(value) for name, value in kpis.items()}


def render_json(outcome: Outcome, report_id: str = "", notes: Sequence[str] = ()) -> str:
    """summary.json: strict JSON always (a server's NaN, Infinity or integer of 400 digits
    becomes null, with a note), ASCII-escaped so that even broken server text stays valid
    JSON; `notes` (the renderers that failed) come first in its `notes`."""
    replaced: list[object] = []
    summary = _strict(summary_dict(outcome, report_id), replaced)
    assert isinstance(summary, dict)
    floats = sum(1 for value in replaced if isinstance(value, float))
    integers = len(replaced) - floats
    lines = list(notes)
    if floats:
        lines.append(f"{floats} value(s) the server gave as NaN or Infinity are shown as null")
    if integers:
        lines.append(f"{integers} integer(s) too large for JSON readers are shown as null")
    if lines:
        summary["notes"] = lines
    text = json.dumps(summary, ensure_ascii=True, allow_nan=False)
    if "\\ud" in text:  # a character beyond the BMP, or a lone surrogate: looked at then
        text = json.dumps(_whole(summary), ensure_ascii=True, allow_nan=False)
    return _indented(text) + "\n"


def _indented(text: str) -> str:
    """JSON text indented by two, byte for byte as `json.dumps(indent=2)` writes it, but
    in C (`msgspec.json.format`): the standard library's indenting encoder is pure Python,
    most of the time of the report set for a run of 60,000 events."""
    indented: bytes = msgspec.json.format(text.encode("ascii"), indent=2)
    return indented.decode("ascii")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _whole(value: object) -> object:
    """`value` with every lone surrogate (an undecodable byte of the environment, a lone
    `\\ud800` in a server's JSON) as U+FFFD: strict JSON parsers refuse one."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, dict):
        return {_whole(key): _whole(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_whole(item) for item in value]
    return value


def _master_markdown(master: MasterOutcome, level: str) -> list[str]:
    lines = [f"## Master {md_code(master.master_id, 40)}: {master.verdict}", ""]
    lines += md_table(views.master_table(master))
    if master.error:
        lines += [f"**Why:** {md_code(master.error)}", ""]
    if master.report_url:
        lines += [f"**Report:** [BlazeMeter report]({master.report_url})", ""]
    lines += _criteria_markdown(master)
    lines += _live_markdown(master)
    lines += _kpi_markdown(master)
    lines += _baseline_markdown(master)
    if master.trend is not None:
        lines += trend_markdown(master.trend, master.test_id)
    if action := master.seen.stop_action:
        lines += [f"**Stop request:** sent `{action}` to BlazeMeter", ""]
    if master.offending:
        lines += [f"### {md_line(views.events_title(level))}", ""]
        lines += md_table(views.events_table([(event, "") for event in master.offending]))
    if master.ignored:
        lines += ["### Ignored events (waived by --ignore)", ""]
        ignored = [(item.event, item.pattern) for item in master.ignored]
        lines += md_table(views.events_table(ignored, patterns=True))
    if master.timeline:
        lines += ["### Status timeline", "", "| elapsed | status | progress |", "|---|---|---|"]
        lines += [
            f"| {format_duration(change.elapsed)} | {md_cell(change.status, 60)} "
            f"| {show_progress(change.progress)} |"
            for change in master.timeline
        ]
        lines.append("")
    if master.notes:
        lines += ["### Notes", ""] + [f"- {md_code(note)}" for note in master.notes] + [""]
    return lines


def _criteria_markdown(master: MasterOutcome) -> list[str]:
    criteria = master.criteria
    if criteria is None:
        return []
    status = md_code(criteria.report_status or "unset", 40)
    lines = [
        f"**BlazeMeter's verdict:** {status} → {criteria.verdict} (`--criteria {criteria.mode}`)",
        "",
    ]
    table = views.criteria_table(master)
    return lines + ([] if table is None else md_table(table))


def _baseline_markdown(master: MasterOutcome) -> list[str]:
    comparison = master.baseline
    if comparison is None:
        return []
    lines = [f"### {md_line(views.baseline_title(comparison))}", ""]
    if comparison.note:
        lines += [md_code(comparison.note), ""]
    table = views.baseline_table(master)
    return lines + ([] if table is None else md_table(table))


def _kpi_markdown(master: MasterOutcome) -> list[str]:
    table = views.kpi_table(master)
    return [] if table is None else md_table(table)


def _live_markdown(master: MasterOutcome) -> list[str]:
    """The `--fail-on` criteria (and what a stop saved)."""
    table = views.live_table(master)
    if table is None:
        return []
    saved = views.stopped_early(master)
    return [f"### {md_line(views.live_title())}", "", *md_table(table)] + (
        [] if saved is None else [md_line(saved), ""]
    )


def _run_line(outcome: Outcome) -> str:
    traffic = outcome.traffic
    parts = [
        f"Threshold: {outcome.threshold_name}",
        f"waited {format_duration(outcome.waited)}",
        f"{traffic.requests} API {plural(traffic.requests, 'request')}"
        + (
            f" ({traffic.retries} {plural(traffic.retries, 'retry', 'retries')})"
            if traffic.retries
            else ""
        ),
        f"exit code {outcome.exit_code}",
    ]
    if outcome.ignore_patterns:
        parts.append("ignoring " + ", ".join(md_code(p, 100) for p in outcome.ignore_patterns))
    return " · ".join(parts)


def _chart_names(outcome: Outcome) -> str:
    """The charts report.html draws for this outcome, named only when they are there."""
    names = ["the status timeline", "events over time"]
    if any(any(m.kpi_timeline.values()) for m in outcome.masters):
        names.append("the run's KPIs over its own time")
    if any(m.baseline is not None and m.baseline.rows for m in outcome.masters):
        names.append("the baseline")
    if any(m.trend is not None and m.trend.points for m in outcome.masters):
        names.append("the trend")
    return ", ".join(names[:-1]) + " and " + names[-1]


def render_markdown(outcome: Outcome, report_id: str = "") -> str:
    """summary.md: verdict, why, a table per master, events (capped), stops, the timeline."""
    icon = _ICONS.get(outcome.verdict, "⚠️")
    lines = [
        f"# ci-gate: {icon} {outcome.verdict}",
        "",
        f"**Why:** {md_code(outcome.reason, 1000)}",
        "",
        _run_line(outcome),
        "",
    ]
    failing = [m for m in outcome.masters if m.verdict not in (Verdict.PASSED, Verdict.UNFINISHED)]
    others = [m for m in outcome.masters if m not in failing]
    for master in failing:  # the cause on the first screen
        lines += _master_markdown(master, outcome.threshold_name)
    if failing and others:
        count = len(others)
        lines += [
            "<details>",
            f"<summary>{count} more {plural(count, 'master')} (passed or not judged)</summary>",
            "",
        ]
        for master in others:
            lines += _master_markdown(master, outcome.threshold_name)
        lines += ["</details>", ""]
    else:
        for master in others:
            lines += _master_markdown(master, outcome.threshold_name)
    lines += [
        f"Charts: `{HTML_NAME}` in the same report folder (keep it as the job's artifact): "
        f"{_chart_names(outcome)}, on one page.",
        "",
    ]
    if report_id:
        lines += [f"Report id: `{report_id}` (the same in junit.xml and summary.json)", ""]
    return "\n".join(lines)
