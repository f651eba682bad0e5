"""metrics.txt (`report.metrics`): OpenMetrics read back by a real parser."""

from __future__ import annotations

from prometheus_client.openmetrics.parser import text_string_to_metric_families

from ci_gate.report.formats import render_set
from ci_gate.report.metrics import render_metrics
from tests.support.helpers import make_outcome, master_outcome


def test_metrics_parse_with_a_real_openmetrics_parser() -> None:
    outcome = make_outcome(
        master_outcome(kpis={"hits": 10.0, "tp90": 480.5}),
        master_outcome(master_id="7", kpis={"hits": 3.0}),
    )
    text = render_metrics(outcome)
    assert text is not None
    families = {
        family.name: family
        for family in text_string_to_metric_families(text)  # type: ignore[no-untyped-call]
    }
    # keys stable across runs: the master's position, never its id (new every run)
    assert [(s.labels, s.value) for s in families["blazemeter_hits"].samples] == [
        ({"run": "1"}, 10.0),
        ({"run": "2"}, 3.0),
    ]
    assert render_metrics(make_outcome(master_outcome())) is None
    one = render_metrics(make_outcome(master_outcome(kpis={"hits": 2.0}, test_id="7700001")))
    assert one == (
        "# TYPE blazemeter_hits gauge\n# HELP blazemeter_hits BlazeMeter samples, label ALL\n"
        'blazemeter_hits{test="7700001"} 2\n# EOF\n'
    )


def test_metrics_keep_one_family_per_kpi_when_names_collide_after_sanitising() -> None:
    kpis = {"avg": 1.0, "Avg": 2.0, "a.b": 3.0, "a_b": 4.0, "bytes": 51234567.0}
    text = render_metrics(make_outcome(master_outcome(kpis=kpis)))
    assert text is not None
    families = {
        family.name: [sample.value for sample in family.samples]
        for family in text_string_to_metric_families(text)  # type: ignore[no-untyped-call]
    }
    assert families == {
        "blazemeter_a_b": [3.0],
        "blazemeter_a_b_2": [4.0],
        "blazemeter_avg": [2.0],
        "blazemeter_avg_2": [1.0],
        "blazemeter_bytes": [51234567.0],
    }
    assert "blazemeter_bytes 51234567\n" in text


def test_metrics_parse_for_names_that_are_no_identifiers() -> None:
    """Outside review of issue 29 (minor): any KPI name gives a valid metric family, and
    its HELP names the KPI as BlazeMeter did."""
    kpis = {"a-b": 1.0, "9lives": 2.0, "ünï": 3.0, 'q"uo\\te': 4.0, "ü": 5.0}
    outcome = make_outcome(master_outcome(kpis=kpis))
    written = render_set(outcome, "r1").files  # as the report set writes it: UTF-8
    text = written["metrics.txt"].decode("utf-8")
    assert text == render_metrics(outcome)
    families = {
        family.name: (family.documentation, [sample.value for sample in family.samples])
        for family in text_string_to_metric_families(text)  # type: ignore[no-untyped-call]
    }
    assert sorted(value for _, (_, [value]) in families.items()) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert families["blazemeter_a_b"][0] == "BlazeMeter a-b, label ALL"
    assert families["blazemeter_9lives"][0] == "BlazeMeter 9lives, label ALL"
    assert {doc for doc, _ in families.values()} >= {
        "BlazeMeter ünï, label ALL",
        'BlazeMeter q"uo\\te, label ALL',
    }
