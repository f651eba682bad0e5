"""The metrics table: the KPIs worth naming, in the order people read them, each with its
label and unit. One table that the answers' reader, the judging, the closing line and
every report read (`formatting.kpi_value` spells a value by its unit)."""

from __future__ import annotations

#: The KPIs shown first, in this order: name -> (label, unit); any other number is kept too.
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
