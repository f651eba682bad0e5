"""metrics.txt: each master's KPIs in the OpenMetrics text format, for GitLab's metrics
report (merge requests show the change against the target branch)."""

from __future__ import annotations

import re

from ci_gate.domain.kpis import KNOWN_KPIS
from ci_gate.domain.outcome import Outcome
from ci_gate.formatting import plain_number
from ci_gate.text import redact_value

METRICS_NAME = "metrics.txt"
_NOT_IN_A_NAME = re.compile(r"[^a-zA-Z0-9_]")


def _sanitised(text: str) -> str:
    return _NOT_IN_A_NAME.sub("_", text).lower()


def _metric_name(kpi: str) -> str:
    """A structured output (docs/SECURITY.md): a KPI the gate knows (`KNOWN_KPIS`) is its
    own word, kept whole; one BlazeMeter named itself is server text, redacted before and
    after sanitising (so neither it nor its sanitised form carries a run of a secret)."""
    if kpi in KNOWN_KPIS:
        return "blazemeter_" + _sanitised(kpi)
    return "blazemeter_" + _sanitised(redact_value(_sanitised(redact_value(kpi))))


def _escaped(text: str) -> str:
    """Text as OpenMetrics' HELP and label values carry it: backslash, quote and line
    breaks escaped (a KPI's name is already one plain line: `parse_kpis`)."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def metric_names(kpis: list[str]) -> dict[str, str]:
    """KPI name -> metric name, one family each: names that meet after sanitising
    (`avg`/`Avg`, `a.b`/`a_b`) are told apart by a suffix, in sorted order, so the
    same KPIs give the same names in every run."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for kpi in sorted(set(kpis), key=lambda name: (_metric_name(name), name)):
        base = _metric_name(kpi)
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        names[kpi] = name
        taken.add(name)
    return names


def run_labels(outcome: Outcome) -> list[str]:
    """Each master's OpenMetrics labels, the same from run to run (GitLab compares metrics
    by key between a merge request and its target): the test's id where known, and the
    master's position only when there are several; never the master id, new every run."""
    several = len(outcome.masters) > 1
    labels = []
    for position, master in enumerate(outcome.masters, start=1):
        test = master.test_id  # server text: redacted (the label names are ours)
        parts = [f'test="{_escaped(redact_value(test))}"'] if test else []
        if several:
            parts.append(f'run="{position}"')
        labels.append("{" + ",".join(parts) + "}" if parts else "")
    return labels


def render_metrics(outcome: Outcome) -> str | None:
    """One gauge family per KPI, one sample per master; None when no master has KPIs.

    A structured output, redacted value by value here (the report set's sink writes it as
    built): the label values and a KPI name BlazeMeter chose are redacted, the metric
    names, types, HELP words and grammar are the gate's own and never are (a secret that
    is `gauge`, `TYPE` or `blazemeter_hits` leaves a file a parser still reads)."""
    families: dict[str, list[tuple[str, float]]] = {}
    for master, labels in zip(outcome.masters, run_labels(outcome), strict=True):
        for name, value in (master.kpis or {}).items():
            families.setdefault(name, []).append((labels, value))
    if not families:
        return None
    names = metric_names(list(families))
    lines = []
    for kpi, samples in families.items():
        metric = names[kpi]
        label, unit = KNOWN_KPIS.get(kpi) or (redact_value(kpi), "")
        described = _escaped(label) + (f" in {unit}" if unit else "")
        lines.append(f"# TYPE {metric} gauge")
        lines.append(f"# HELP {metric} BlazeMeter {described}, label ALL")
        lines += [f"{metric}{labels} {plain_number(value)}" for labels, value in samples]
    lines.append("# EOF")
    return "\n".join(lines) + "\n"
