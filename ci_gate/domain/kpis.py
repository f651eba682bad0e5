"""The metrics table: every quantity the gate names, once, with its words and its unit.

BlazeMeter gives one quantity under several names (`tp90` in the summary KPIs,
`responseTime.percentile.90` in its failure criteria, `90line` in the aggregate report);
the gate's own name (`p90`) is what `--regression`, the trend and summary.json's trend
say. One row holds them all, so the answers' reader, the criteria's wording, the baseline,
the trend, the closing line and every report derive their names, labels and units from
here (`formatting.kpi_value` spells a KPI's value by its unit).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    """One measured quantity: its names in each source, its label and its unit."""

    #: the gate's own name: `--regression`'s METRIC, the trend's column and JSON key
    name: str
    #: as a table says it: `avg response time`
    label: str
    #: "", "ms", "s", "%", "users", "hits/s" (a rate in % changes by points)
    unit: str
    #: its key in BlazeMeter's summary KPIs (label ALL); "" when it is not one
    kpi: str = ""
    #: its field in BlazeMeter's failure criteria; "" when none
    criterion: str = ""
    #: its field in BlazeMeter's aggregate report (per label), "" when none
    aggregate: str = ""
    #: a chart's heading where the label alone is too terse (`p90 response time`)
    heading: str = ""

    @property
    def title(self) -> str:
        """What a chart of it is headed: its heading, else its label."""
        return self.heading or self.label


#: The metrics in the order people read them (the KPIs' order in every table).
TABLE: tuple[Metric, ...] = (
    Metric("hits", "samples", "", kpi="hits"),
    Metric("failed", "failed samples", "", kpi="failed"),
    Metric("avg", "avg response time", "ms", "avg", "responseTime.avg", "avgResponseTime"),
    Metric("min", "min response time", "ms", "min", "responseTime.min"),
    Metric("max", "max response time", "ms", "max", "responseTime.max"),
    Metric("p90", "p90", "ms", "tp90", "responseTime.percentile.90", "90line",
           heading="p90 response time"),
    Metric("p95", "p95", "ms", "tp95", "responseTime.percentile.95", "95line"),
    Metric("p99", "p99", "ms", "tp99", "responseTime.percentile.99", "99line"),
    Metric("std", "std deviation", "ms", kpi="std"),
    Metric("latency", "avg latency", "ms", "latencyAvg", "latency.avg"),
    Metric("duration", "duration", "s", kpi="duration"),
    Metric("concurrency", "concurrency", "users", kpi="concurrency"),
    Metric("bytes", "bytes", "", kpi="bytes"),
    # not among the summary KPIs: the gate computes the rate from hits and failed
    Metric("errors", "error rate", "%", criterion="errors.percent", aggregate="errorsRate"),
    # BlazeMeter's criteria count errors, not failed samples: its own words
    Metric("error_count", "errors", "", criterion="errors.count"),
    Metric("throughput", "throughput", "hits/s", criterion="hits.avg"),
)  # fmt: skip

#: The gate's name -> its metric.
BY_NAME: dict[str, Metric] = {metric.name: metric for metric in TABLE}
#: A criterion's field -> its metric.
BY_CRITERION: dict[str, Metric] = {m.criterion: m for m in TABLE if m.criterion}

#: The KPIs shown first, in this order: name -> (label, unit); any other number is kept too.
KNOWN_KPIS: dict[str, tuple[str, str]] = {m.kpi: (m.label, m.unit) for m in TABLE if m.kpi}


def error_rate(hits: float | None, failed: float | None) -> float | None:
    """Failed samples in % of all samples (the `errors` metric from the summary's counts);
    None without both counts or without samples: a count that is no count (0, negative,
    NaN) gives no rate, never a negative or infinite one. `failed * 100` first: for whole
    counts, one rounding."""
    if hits is None or failed is None or not hits > 0:
        return None
    return failed * 100 / hits
