"""One model per simulated run: its labels' seconds, and every number derived from them.

BlazeMeter tells one run in several answers (the summary report, the aggregate report,
the live KPIs of `/data/kpis`, the master, the list of a test's runs). The simulator
builds them all from one `RunModel`, so they agree: each label's aggregate row (as the
scenario gives it, or derived from its summary KPIs) is spread over the run's seconds
with exact totals (samples, errors, the hits-weighted average response time), optional
slow phases change a label's response time from a run second on, and the summary and
aggregate answers are read back from those seconds up to the run's end (all of them, or
those before a stop). Percentiles cannot be rebuilt from per-second averages: they are
the scenario's, scaled by how the average moved (unchanged for a run that went as planned);
so are the summary's `std`, `min` and `max` (from the fastest and slowest second so far),
and its `bytes` follow the samples. A summary read mid-run is thus the run so far in every
field, and read at the end it is the scenario's own figures.
`load` phases say what share of the users still send data from a run second on (an engine
lost: 0.5 of two; all engines lost: 0, and the data ends there).
A run without `ALL` in its rows gets an `ALL` made of its labels, second by second.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

ALL = "ALL"
#: aggregate fields that are percentiles (scaled with the average when a run changes)
PERCENTILES = ("90line", "95line", "99line")
#: summary field -> aggregate field, for a summary given without an aggregate report
SUMMARY_TO_ROW = {"hits": "samples", "avg": "avgResponseTime", "tp90": "90line"}
SUMMARY_TO_ROW |= {"tp95": "95line", "tp99": "99line", "latencyAvg": "avgLatency"}


@dataclass(frozen=True)
class Second:
    """One second of one label, as `/data/kpis` gives it (`ts` is the run's second)."""

    second: int
    hits: int
    errors: int
    users: int
    avg_rt: float
    avg_lt: float | None
    avg_bytes: float | None


def label_id(name: str) -> str:
    """BlazeMeter's label id: `ALL`, or a hash of the name (as the recorded answers show)."""
    return ALL if name == ALL else hashlib.md5(name.encode()).hexdigest()  # noqa: S324


def _spread(total: int, weights: list[float]) -> list[int]:
    """`total` split over the seconds in proportion to `weights`, summing exactly."""
    whole = sum(weights) or 1.0
    shares, running, given = [], 0.0, 0
    for weight in weights:
        running += weight
        upto = round(total * running / whole)
        shares.append(upto - given)
        given = upto
    return shares


def _number(value: float) -> float | int:
    """A derived number as a scenario writes one: whole numbers as ints, else 2 decimals."""
    rounded = round(value, 2)
    return int(rounded) if float(rounded).is_integer() else rounded


class RunModel:
    """A run's seconds per label and the answers derived from them."""

    def __init__(
        self,
        rows: list[dict[str, Any]],
        *,
        duration: int,
        users: int,
        slow: dict[str, list[tuple[int, float]]] | None = None,
        load: list[tuple[int, float]] | None = None,
    ) -> None:
        self.duration = max(duration, 1)
        self.users = max(users, 1)
        self.rows = {str(row["labelName"]): dict(row) for row in rows if "labelName" in row}
        self.slow = slow or {}
        ramp = max(min(self.duration // 10, 60), 1)  # users ramp up over at most a minute
        planned = [min(self.users, -(-self.users * (s + 1) // ramp)) for s in range(duration)]
        shares = [1.0] * self.duration
        for start, share in sorted(load or []):
            shares[start:] = [share] * max(self.duration - start, 0)
        #: the run's seconds with data: up to the first in which no engine sends any
        self.data_seconds = next((s for s, share in enumerate(shares) if share <= 0), duration)
        self._users = [max(round(planned[s] * shares[s]), 1) for s in range(self.data_seconds)]
        self.seconds: dict[str, list[Second]] = {
            name: self._label_seconds(name, row) for name, row in self.rows.items()
        }
        if ALL not in self.seconds and self.seconds:
            self.seconds[ALL] = self._combined()

    @property
    def labels(self) -> list[str]:
        """The run's labels, `ALL` first (as `/data/labels` lists them)."""
        return [ALL] + [name for name in self.seconds if name != ALL]

    def _label_seconds(self, name: str, row: dict[str, Any]) -> list[Second]:
        samples = int(row.get("samples") or 0)
        errors = round(samples * float(row.get("errorsRate") or 0) / 100)
        hits = _spread(samples, [float(u) for u in self._users])
        failed = _spread(errors, [float(h) for h in hits])
        avg = float(row.get("avgResponseTime") or 0)
        phases = sorted(self.slow.get(name, []))
        latency, size = row.get("avgLatency"), row.get("avgBytes")
        seconds = []
        for second in range(self.data_seconds):
            rt = avg
            for start, slow_rt in phases:
                if second >= start:
                    rt = slow_rt
            seconds.append(
                Second(
                    second,
                    hits[second],
                    failed[second],
                    self._users[second],
                    rt,
                    None if latency is None else float(latency) * rt / (avg or 1.0),
                    None if size is None else float(size),
                )
            )
        return seconds

    def _combined(self) -> list[Second]:
        """`ALL` as the sum of the labels, second by second."""
        combined = []
        for second in range(self.data_seconds):
            parts = [points[second] for points in self.seconds.values()]
            hits = sum(part.hits for part in parts)
            rt = (
                sum(part.avg_rt * part.hits for part in parts) / hits
                if hits
                else sum(part.avg_rt for part in parts) / len(parts)
            )
            errors = sum(part.errors for part in parts)
            combined.append(Second(second, hits, errors, self._users[second], rt, None, None))
        return combined

    # -- the answers -------------------------------------------------------------------------

    def aggregate(self, end: int) -> list[dict[str, Any]]:
        """The aggregate report of the run's first `end` seconds: the scenario's rows (and
        only those), with samples, errors and averages read back from the seconds."""
        return [self._row(name, row, end) for name, row in self.rows.items()]

    def _row(self, name: str, given: dict[str, Any], end: int) -> dict[str, Any]:
        seconds = self.seconds[name][: max(end, 0)]
        samples = sum(point.hits for point in seconds)
        errors = sum(point.errors for point in seconds)
        row = dict(given)
        row["samples"] = samples
        if not samples:
            for field in ("avgResponseTime", "avgLatency", "errorsRate", *PERCENTILES):
                row.pop(field, None)
            return row
        avg = sum(point.avg_rt * point.hits for point in seconds) / samples
        base = float(given.get("avgResponseTime") or 0)
        scale = avg / base if base else 1.0
        row["avgResponseTime"] = _number(avg)
        for field in PERCENTILES:
            if field in given:
                row[field] = _number(float(given[field]) * scale)
        if "avgLatency" in given:
            row["avgLatency"] = _number(float(given["avgLatency"]) * scale)
        if end < self.duration or "errorsRate" not in given:
            # a run cut short: its own share (a whole run keeps the scenario's own figure,
            # which its error count rounds)
            row["errorsRate"] = _number(errors * 100 / samples)
        return row

    def summary(self, end: int, given: dict[str, Any]) -> dict[str, Any] | None:
        """Label `ALL` of the summary report over the first `end` seconds (None: no data),
        every field derived from those seconds; `given` (the scenario's summary of the
        whole run) sets the ratios (`min`, `max` and `std` to the average, bytes per
        sample) and passes fields the model does not know as they are."""
        all_row = (
            self._row(ALL, self.rows[ALL], end) if ALL in self.rows else self._combined_row(end)
        )
        if not all_row.get("samples"):
            return None
        played = [point for point in self.seconds[ALL][: max(end, 0)] if point.hits]
        summary = dict(given)
        summary.update(
            {
                "lb": ALL,
                "hits": all_row["samples"],
                "failed": sum(point.errors for point in played),
                "avg": all_row["avgResponseTime"],
                "duration": len(self.seconds[ALL][: max(end, 0)]),
                "concurrency": max(point.users for point in self.seconds[ALL][: max(end, 0)]),
            }
        )
        for field, key in (("90line", "tp90"), ("95line", "tp95"), ("99line", "tp99")):
            if field in all_row:
                summary[key] = all_row[field]
        if "avgLatency" in all_row:
            summary["latencyAvg"] = all_row["avgLatency"]
        summary.update(self._spread_fields(given, played, float(all_row["avgResponseTime"])))
        return summary

    def _spread_fields(
        self, given: dict[str, Any], played: list[Second], avg: float
    ) -> dict[str, Any]:
        """`min`, `max` and `std` at the scenario's ratio to the average (of the fastest
        and slowest second for the extremes), `bytes` at its bytes per sample."""
        fields: dict[str, Any] = {}
        base = float(given.get("avg") or 0) or float(
            self.rows.get(ALL, {}).get("avgResponseTime") or 0
        )
        hits = sum(point.hits for point in played)
        if base:
            if "min" in given:
                low = min(point.avg_rt for point in played)
                fields["min"] = round(float(given["min"]) / base * low)
            if "max" in given:
                high = max(point.avg_rt for point in played)
                fields["max"] = round(float(given["max"]) / base * high)
            if "std" in given:
                fields["std"] = _number(float(given["std"]) / base * avg)
        total = float(given.get("hits") or 0) or float(self.rows.get(ALL, {}).get("samples") or 0)
        if "bytes" in given and total:
            fields["bytes"] = round(float(given["bytes"]) / total * hits)
        return fields

    def _combined_row(self, end: int) -> dict[str, Any]:
        """`ALL` made of the labels (percentiles: the highest of the labels')."""
        seconds = self.seconds.get(ALL, [])[: max(end, 0)]
        samples = sum(point.hits for point in seconds)
        row: dict[str, Any] = {"labelName": ALL, "samples": samples}
        if samples:
            row["avgResponseTime"] = _number(
                sum(point.avg_rt * point.hits for point in seconds) / samples
            )
            rows = [self._row(name, given, end) for name, given in self.rows.items()]
            for field in PERCENTILES:
                values = [float(r[field]) for r in rows if field in r]
                if values:
                    row[field] = _number(max(values))
        return row


def model_of(report: Any) -> RunModel | None:
    """The model of a scenario master's `Report`; None for a run without data."""
    rows = [dict(row) for row in report.aggregate]
    kpis = report.kpis
    if kpis is None and not rows:
        return None
    if not any(row.get("labelName") == ALL for row in rows) and kpis:
        row: dict[str, Any] = {"labelName": ALL}
        for field, key in SUMMARY_TO_ROW.items():
            if field in kpis:
                row[key] = kpis[field]
        hits = float(kpis.get("hits") or 0)
        if hits:
            row["errorsRate"] = float(kpis.get("failed") or 0) * 100 / hits
        rows.insert(0, row)
    duration = int((kpis or {}).get("duration") or report.duration)
    users = int((kpis or {}).get("concurrency") or report.users)
    return RunModel(rows, duration=duration, users=users, slow=report.slow, load=report.load)
