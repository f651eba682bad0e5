"""The KPIs worth naming, in the order people read them, with their units."""

from __future__ import annotations

from ci_gate.formatting import format_duration
from ci_gate.safe_numbers import in_range, show_amount

#: The KPIs shown first, in this order, with their units; any other number is kept too.
KNOWN_KPIS: dict[str, tuple[str, str]] = {
    "hits": ("samples", ""),
    "failed": ("failed samples", ""),
    "avg": ("avg response time", "ms"),
    "min": ("min response time", "ms"),
    "max": ("max response time", "ms"),
    "tp90": ("p90", "ms"),
    "tp95": ("p95", "ms"),
    "tp99": ("p99", "ms"),
    "std": ("std deviation", "ms"),
    "latencyAvg": ("avg latency", "ms"),
    "duration": ("duration", "s"),
    "concurrency": ("concurrency", "users"),
    "bytes": ("bytes", ""),
}


def kpi_value(name: str, value: float) -> str:
    """A KPI's value with its unit, the one spelling every report and the closing line
    use: whole numbers as integers, others with one decimal (`12,000`, `212.4 ms`,
    `520 ms`), a duration as every duration (`5m00s`)."""
    unit = (KNOWN_KPIS.get(name) or (None, ""))[1]
    number = in_range(value)  # any value a server sends: shown, never raising
    if unit == "s" and number is not None:
        return format_duration(number)
    return show_amount(value, unit)


def kpi_cell(name: str, value: float) -> tuple[str | None, str]:
    """A KPI as a report's table shows it: its known label (None: unknown, the caller
    escapes the raw name its own way) and its value (`kpi_value`)."""
    label = (KNOWN_KPIS.get(name) or (None, ""))[0]
    return label, kpi_value(name, value)
