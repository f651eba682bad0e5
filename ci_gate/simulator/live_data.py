"""The simulated run's data, read from its model (`simulator.model`) up to the second the
run has reached: the summary and aggregate reports, and the live data of `GET /data/labels`
and `GET /data/kpis` in BlazeMeter's shapes (the recorded ones: API v2, the last point
repeated, a label row without `kpis`)."""

from __future__ import annotations

from typing import Any

from ci_gate.simulator.model import label_id
from ci_gate.simulator.state import MasterRun

#: The `api_version` BlazeMeter's live data endpoints answer with (as recorded).
DATA_API_VERSION = 2
#: Points per label one `/data/kpis` answer gives at most (the next read asks on from there).
KPI_PAGE = 3600


def summary_report(run: MasterRun) -> dict[str, Any]:
    """Label ALL of the seconds the run has had so far (an empty list without data)."""
    second = run.run_second()
    kpis = run.script.report.kpis
    if run.model is None or kpis is None or not second:
        return {"summary": []}
    summary = run.model.summary(second, kpis)
    return {"summary": [] if summary is None else [summary]}


def aggregate_report(run: MasterRun) -> list[dict[str, Any]]:
    """The aggregate report of the seconds the run has had so far (none without data)."""
    second = run.run_second()
    if run.model is None or not second:
        return []
    return run.model.aggregate(second)


def data_labels(run: MasterRun) -> list[dict[str, Any]]:
    """`GET /data/labels?master_id=`: the run's labels once it has data."""
    if run.model is None or not run.has_data:
        return []
    return [{"id": label_id(name), "name": name} for name in run.model.labels]


def data_kpis(run: MasterRun, from_ts: int, label_ids: list[str]) -> list[dict[str, Any]]:
    """`GET /data/kpis`: one point per label and second from `from_ts` (epoch) up to the
    second filling now, which comes with the hits so far (half of them) and, as
    BlazeMeter does, twice; a label asked for without a point in the range has a row
    without `kpis`. At most `KPI_PAGE` points per label: the next read asks on."""
    second = run.run_second()
    if run.model is None or not second:
        return []
    start = run.created
    ended = run.end_second is not None
    first = max(from_ts - start, 0)
    last = min(second if not ended else second - 1, first + KPI_PAGE - 1)
    rows = []
    by_id = {label_id(name): name for name in run.model.labels}
    for wanted in dict.fromkeys(label_ids):
        name = by_id.get(wanted)
        if name is None:
            continue
        row: dict[str, Any] = {"labelId": wanted, "labelName": name, "label": name}
        points = []
        for point in run.model.seconds[name][first : last + 1]:
            filling = not ended and point.second == second
            hits = point.hits // 2 if filling else point.hits
            kpi = {
                "n": hits,
                "na": point.users,
                "ec": min(point.errors, hits),
                "ts": start + point.second,
                "t_avg": round(point.avg_rt, 1),
                "lt_avg": None if point.avg_lt is None else round(point.avg_lt, 1),
                "by_avg": point.avg_bytes,
                "n_avg": hits,
                "ec_avg": min(point.errors, hits),
            }
            points.append(kpi)
        if points:
            row["kpis"] = [*points, dict(points[-1])]  # the last point, repeated
        rows.append(row)
    return rows
