"""The metrics table (issue 30 item 6): one row per metric, and every other table of
metric names, labels and units (the KPIs', the failed criteria's, the baseline's, the
trend's) derived from it, so that each says what it said before."""

from __future__ import annotations

import ast
from pathlib import Path

from ci_gate.domain.findings import METRICS, Comparison, Criterion, Limit, compared_unit
from ci_gate.domain.kpis import BY_CRITERION, BY_NAME, KNOWN_KPIS, TABLE
from ci_gate.domain.trend import TREND_METRICS

PACKAGE = Path(__file__).resolve().parents[3] / "ci_gate"


def test_every_name_is_declared_once() -> None:
    for column in ("name", "kpi", "criterion", "aggregate"):
        names = [getattr(metric, column) for metric in TABLE if getattr(metric, column)]
        assert len(names) == len(set(names)), column


def test_the_kpis_keep_their_order_labels_and_units() -> None:
    assert list(KNOWN_KPIS) == [
        "hits", "failed", "avg", "min", "max", "tp90", "tp95", "tp99", "std", "latencyAvg",
        "duration", "concurrency", "bytes",
    ]  # fmt: skip
    assert KNOWN_KPIS["tp90"] == ("p90", "ms")
    assert KNOWN_KPIS["latencyAvg"] == ("avg latency", "ms")
    assert KNOWN_KPIS["duration"] == ("duration", "s")
    assert KNOWN_KPIS["hits"] == ("samples", "")


def test_the_failed_criteria_read_their_label_and_unit_from_the_table() -> None:
    said = {
        "responseTime.avg": "avg response time 5 ms > 1 ms",
        "responseTime.percentile.99": "p99 5 ms > 1 ms",
        "latency.avg": "avg latency 5 ms > 1 ms",
        "errors.percent": "error rate 5 % > 1 %",
        "errors.count": "errors 5 > 1",
        "hits.avg": "throughput 5 hits/s > 1 hits/s",
        "something.new": "something.new 5 > 1",
    }
    for field, line in said.items():
        assert Criterion(field, "gt", 1, 5, False, "ALL").describe() == line
    assert len(BY_CRITERION) == 10


def test_the_baseline_compares_the_metrics_the_aggregate_report_gives() -> None:
    assert METRICS == {
        "avg": ("avgResponseTime", "ms"),
        "p90": ("90line", "ms"),
        "p95": ("95line", "ms"),
        "p99": ("99line", "ms"),
        "errors": ("errorsRate", "%"),
    }
    assert str(Limit("errors", 0.5, False)) == "errors=+0.5 points"
    assert str(Limit("p90", 150, False)) == "p90=+150 ms"
    assert str(Limit("p90", 20, True)) == "p90=+20%"
    assert compared_unit("errors") == "%" and compared_unit("unknown") == "ms"
    errors = Comparison("ALL", "errors", 200, 200, 0.0, 0.5, None, "fine")
    assert (errors.change, errors.shown_now) == ("+0.50 points (from 0)", "0.5 %")
    p90 = Comparison("ALL", "p90", 200, 200, 1000.0, 1200.0, None, "fine")
    assert (p90.change, p90.shown_now) == ("+200 ms (+20%)", "1,200 ms")


def test_the_trend_shows_four_metrics_of_the_table() -> None:
    assert [(m.name, m.title, m.unit) for m in TREND_METRICS] == [
        ("p90", "p90 response time", "ms"),
        ("avg", "avg response time", "ms"),
        ("errors", "error rate", "%"),
        ("hits", "samples", ""),
    ]
    assert all(BY_NAME[metric.name] is metric for metric in TREND_METRICS)


def test_no_other_module_spells_a_criterion_field() -> None:
    """BlazeMeter's names of its failure criteria's fields stand in the metrics table
    only (the simulator, which plays BlazeMeter, aside): a second table of them would
    drift."""
    fields = set(BY_CRITERION)
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "domain" / "kpis.py" or "simulator" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in fields:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.value}")
    assert not found
