"""metrics.txt (`report.metrics`): OpenMetrics read back by a real parser."""

from __future__ import annotations

import functools
import re
import tempfile
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from ci_gate import text
from ci_gate.domain.outcome import Outcome
from ci_gate.report.atomic import write_set
from ci_gate.report.formats import render_set
from ci_gate.report.metrics import render_metrics
from tests.support.helpers import make_outcome, master_outcome
from tests.unit.test_redaction import ENCODERS, _leaks


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


def _parsed(text: str) -> list[tuple[str, str, str, list[tuple[dict[str, str], float]]]]:
    return [
        (f.name, f.type, f.documentation, [(dict(s.labels), s.value) for s in f.samples])
        for f in text_string_to_metric_families(text)  # type: ignore[no-untyped-call]
    ]


def _metrics_outcome(test_id: str, extra_kpi: str | None = None) -> Outcome:
    kpis = {"hits": 100.0, "avg": 12.5, "tp90": 480.5}
    if extra_kpi is not None:
        kpis[extra_kpi] = 7.0
    return make_outcome(
        master_outcome(kpis=kpis, test_id=test_id),
        master_outcome(master_id="7", kpis={"hits": 3.0}, test_id="1"),
    )


@functools.cache
def _metrics_vocabulary() -> tuple[str, ...]:
    """metrics.txt's own words (`TYPE`, `gauge`, `blazemeter_hits`, `HELP`, ...)."""
    plain = render_metrics(_metrics_outcome("1"))
    assert plain is not None
    words = set(re.split(r"[^A-Za-z0-9_]+", plain)) | set(re.findall(r"\S+", plain))
    return tuple(sorted(w for w in words if len(w) >= text.MIN_SECRET))


def _metrics_secrets() -> st.SearchStrategy[str]:
    word = st.sampled_from(_metrics_vocabulary())
    noise = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=6)
    random = st.text(
        st.characters(min_codepoint=0x21, max_codepoint=0xFF, exclude_characters="\x7f"),
        min_size=8,
        max_size=24,
    )
    embedded = st.builds(lambda a, w, b: a + w + b, noise, word, noise)
    return (word | embedded | random).filter(
        lambda s: any(c.isalnum() for c in s) and "redacted" not in s.lower()
    )


@settings(max_examples=40, deadline=None)
@example(secret="gauge")
@example(secret="TYPE")
@example(secret="HELP")
@example(secret="blazemeter_hits")
@given(secret=_metrics_secrets())
def test_a_secret_spelling_metrics_words_leaves_valid_openmetrics_and_no_label_leak(
    secret: str,
) -> None:
    """Outside attacker's finding: metrics.txt was redacted whole, so a secret `gauge`,
    `TYPE` or `blazemeter_hits` broke it. A structured output now: its label values (and a
    KPI name BlazeMeter chose) are redacted, its names, types, HELP and grammar never."""
    text.forget_secrets()
    try:
        echoed = _metrics_outcome(f"x{secret}y", extra_kpi=f"k{secret}")
        plain = render_metrics(_metrics_outcome("1"))
        assert plain is not None
        text.register_secret(secret)
        with tempfile.TemporaryDirectory() as folder:
            for outcome in (_metrics_outcome("1"), echoed):
                write_set(Path(folder), render_set(outcome, "r1").files)
                written = (Path(folder) / "metrics.txt").read_text("utf-8")
                families = _parsed(written)  # a real OpenMetrics parser reads it
                if outcome is not echoed:  # nothing of the server's: the same file
                    assert families == _parsed(plain)
                for _, _, _, samples in families:
                    for labels, _ in samples:
                        for value in labels.values():
                            assert not _leaks(secret, value, ENCODERS["raw"]), (secret, value)
    finally:
        text.forget_secrets()
