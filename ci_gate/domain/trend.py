"""The trend over a test's last runs (`--trend N`): informational, never a verdict."""

from __future__ import annotations

from dataclasses import dataclass

from ci_gate.domain.kpis import BY_NAME, Metric

#: --trend's most runs, and the test's runs the gate reads to choose them (and the
#: last-passed baseline): one page of `GET /masters?testId=`
MAX_TREND = 50


@dataclass(frozen=True)
class TrendPoint:
    """One run of the test with the numbers the trend shows; None: no data."""

    master_id: str
    #: when the run was created (epoch seconds), None: BlazeMeter did not say
    created: float | None
    #: BlazeMeter's verdict (pass, fail, noData, ...), None: unset
    report_status: str | None
    p90: float | None = None
    avg: float | None = None
    #: failed samples in % of all samples
    errors: float | None = None
    hits: float | None = None
    this_run: bool = False


#: The trend's metrics in the order shown (from the metrics table); each one's name is a
#: `TrendPoint` attribute, the table's column and its key in summary.json.
TREND_METRICS: tuple[Metric, ...] = tuple(
    BY_NAME[name] for name in ("p90", "avg", "errors", "hits")
)


@dataclass(frozen=True)
class Trend:
    """The runs asked for, oldest first with this run last, and what could not be read."""

    asked: int
    points: tuple[TrendPoint, ...] = ()
    notes: tuple[str, ...] = ()

    def series(self, metric: str) -> list[float | None]:
        """One metric over the points, oldest first (None where a run has no data)."""
        values: list[float | None] = [getattr(point, metric) for point in self.points]
        return values
