"""The run's numbers (KPIs) from BlazeMeter's summary report, and the link to its report."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

from ci_gate.errors import MalformedResponseError
from ci_gate.numbers import number_or_none
from ci_gate.text import one_line

#: A KPI name worth keeping: a short identifier (it becomes a metric name and a JSON key).
_KPI_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,40}")

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


def parse_kpis(master_id: str, result: object) -> dict[str, float] | None:
    """`result.summary[0]` (label ALL) of the default summary report; None when no data.

    Only finite numbers under short identifier names are kept (a name becomes a metric
    name and a JSON key): whatever else the server puts there is left out.
    """
    if not isinstance(result, Mapping):
        raise MalformedResponseError(f"master {master_id}: the summary answer has no result")
    rows = result.get("summary")
    if not isinstance(rows, list) or not rows:
        return None
    row = next(
        (
            r
            for r in rows
            if isinstance(r, Mapping) and r.get("lb", r.get("label")) in (None, "ALL")
        ),
        rows[0],
    )
    if not isinstance(row, Mapping):
        return None
    kpis: dict[str, float] = {}
    for name, raw in row.items():
        if isinstance(raw, str):
            continue  # text (a label name, a date) is no KPI, even when it looks like one
        value = number_or_none(raw)  # an integer too large for a float is left out
        if (
            value is not None
            and _KPI_NAME.fullmatch(str(name))
            and one_line(str(name)) == name  # nothing the sanitiser would change (a secret)
        ):
            kpis[str(name)] = value
    ordered = {name: kpis.pop(name) for name in KNOWN_KPIS if name in kpis}
    ordered.update(sorted(kpis.items()))
    return ordered or None


def app_base(api_url: str) -> str:
    """BlazeMeter's web app for an API URL: its scheme and host."""
    parts = urlsplit(api_url)
    return f"{parts.scheme}://{parts.netloc}"


def report_url(api_url: str, master_id: str, public_token: str | None = None) -> str:
    """The run's report page; with a public token, the shareable (no-login) one."""
    master = quote(master_id, safe="")
    if public_token:
        token = quote(public_token, safe="")
        return f"{app_base(api_url)}/app/?public-token={token}#/masters/{master}/summary"
    return f"{app_base(api_url)}/app/#/masters/{master}/summary"
