"""The trend (`--trend N`) in summary.md and summary.json: a table, sparklines, the data."""

from __future__ import annotations

from ci_gate.domain.kpis import Metric
from ci_gate.domain.trend import TREND_METRICS, Trend
from ci_gate.report.markdown import md_line, md_table
from ci_gate.report.sparkline import GAP, sparkline
from ci_gate.report.views import metric_value, point_date, trend_table, trend_title
from ci_gate.safe_numbers import whole_as_int


def sparkline_line(trend: Trend, metric: Metric) -> str:
    """`p90 ▁▂▂▃▇ 980 ms → 1,350 ms`: the oldest run with data, then this run."""
    values = trend.series(metric.name)
    first = next((value for value in values if value is not None), None)
    last = values[-1] if values else None
    shown = f"{metric_value(first, metric.unit)} → {metric_value(last, metric.unit)}"
    return f"{metric.name:<6} {sparkline(values)} {shown}"


def trend_markdown(trend: Trend, test_id: str | None) -> list[str]:
    lines = [f"### {md_line(trend_title(trend, test_id))}", ""]
    if len(trend.points) == 1:
        lines += ["No earlier ended run to compare with (see the notes).", ""]
    lines += ["```text"]
    lines += [sparkline_line(trend, metric) for metric in TREND_METRICS]
    lines += ["```", "", f"Oldest first, this run last; `{GAP}` is a run without data.", ""]
    return lines + md_table(trend_table(trend))


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
