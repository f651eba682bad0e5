"""The trend (`--trend N`) in summary.md and summary.json: a table, sparklines, the data."""

from __future__ import annotations

from ci_gate.domain.kpis import Metric
from ci_gate.domain.trend import TREND_METRICS, Trend, TrendPoint
from ci_gate.formatting import iso_utc, utc_moment
from ci_gate.report.markdown import md_cell, md_code
from ci_gate.report.sparkline import GAP, sparkline
from ci_gate.safe_numbers import OUT_OF_RANGE, in_range, show_amount, whole_as_int


def point_date(point: TrendPoint) -> str:
    """The run's creation time in ISO-8601 UTC, or '?' when unknown or absurd."""
    moment = utc_moment(point.created)
    return "?" if moment is None else iso_utc(moment)


def metric_value(value: float | None, unit: str) -> str:
    """A trend number as people read it: `1,350 ms`, `538.7 ms`, `0.42 %`, `12,000`; `no data`, or
    `out of range` for a number no chart or sum can take (NaN, ±1.7e308, 400 digits)."""
    if value is None:
        return "no data"
    number = in_range(value)
    if number is None:
        return OUT_OF_RANGE
    if unit == "%":
        return f"{number:.2f} %"
    return show_amount(number, unit)  # as the KPI table spells the same run's numbers


def sparkline_line(trend: Trend, metric: Metric) -> str:
    """`p90 ▁▂▂▃▇ 980 ms → 1,350 ms`: the oldest run with data, then this run."""
    values = trend.series(metric.name)
    first = next((value for value in values if value is not None), None)
    last = values[-1] if values else None
    shown = f"{metric_value(first, metric.unit)} → {metric_value(last, metric.unit)}"
    return f"{metric.name:<6} {sparkline(values)} {shown}"


def trend_markdown(trend: Trend, test_id: str | None) -> list[str]:
    earlier = len(trend.points) - 1
    test = f" of test {md_code(test_id, 40)}" if test_id else ""
    lines = [f"### Trend: this run after the {earlier} before it{test}", ""]
    if earlier == 0:
        lines += ["No earlier ended run to compare with (see the notes).", ""]
    lines += ["```text"]
    lines += [sparkline_line(trend, metric) for metric in TREND_METRICS]
    lines += ["```", "", f"Oldest first, this run last; `{GAP}` is a run without data.", ""]
    head = [
        "#",
        "created (UTC)",
        "master",
        "BlazeMeter's verdict",
        *(m.name for m in TREND_METRICS),
    ]
    lines += ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for number, point in enumerate(trend.points, start=1):
        master = md_cell(point.master_id, 40) + (" (this run)" if point.this_run else "")
        cells = " | ".join(
            metric_value(getattr(point, metric.name), metric.unit) for metric in TREND_METRICS
        )
        row = (
            f"| {number} | {point_date(point)} | {master} "
            f"| {md_cell(point.report_status or 'unset', 40)} | {cells} |"
        )
        lines.append(row.replace(f"| {number} |", f"| **{number}** |") if point.this_run else row)
    return [*lines, ""]


def trend_json(trend: Trend | None) -> dict[str, object] | None:
    if trend is None:
        return None
    return {
        "asked": trend.asked,
        "points": [
            {
                "master_id": point.master_id,
                "created": None if point.created is None else point_date(point),
                "report_status": point.report_status,
                **{m.name: whole_as_int(getattr(point, m.name)) for m in TREND_METRICS},
                "this_run": point.this_run,
            }
            for point in trend.points
        ],
        "notes": list(trend.notes),
    }
