"""The KPIs worth naming, in the order people read them, with their units."""

from __future__ import annotations

from ci_gate.safe_numbers import in_range, show_number

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


def kpi_cell(name: str, value: float) -> tuple[str | None, str]:
    """A KPI as a report's table shows it: its known label (None: unknown, the caller
    escapes the raw name its own way) and the value with its unit (`51,234,567`,
    `212.40 ms`; whole numbers as integers)."""
    label, unit = KNOWN_KPIS.get(name) or (None, "")
    whole = in_range(value) is not None and float(value).is_integer()
    shown = show_number(value, ",.0f" if whole else ",.2f")
    return label, f"{shown} {unit}" if unit else shown
