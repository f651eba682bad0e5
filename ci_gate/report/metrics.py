"""metrics.txt: each master's KPIs in the OpenMetrics text format, for GitLab's metrics
report (merge requests show the change against the target branch)."""

from __future__ import annotations

import re

from ci_gate.domain.kpis import KNOWN_KPIS
from ci_gate.domain.outcome import Outcome
from ci_gate.formatting import plain_number

METRICS_NAME = "metrics.txt"
_NOT_IN_A_NAME = re.compile(r"[^a-zA-Z0-9_]")


def _metric_name(kpi: str) -> str:
    return "blazemeter_" + _NOT_IN_A_NAME.sub("_", kpi).lower()


def _help_text(text: str) -> str:
    """A KPI's name as OpenMetrics' HELP carries any text: backslash, quote and line
    breaks escaped (the name is already one plain line: `parse_kpis`)."""
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
        parts = [f'test="{master.test_id}"'] if master.test_id else []
        if several:
            parts.append(f'run="{position}"')
        labels.append("{" + ",".join(parts) + "}" if parts else "")
    return labels


def render_metrics(outcome: Outcome) -> str | None:
    """One gauge family per KPI, one sample per master; None when no master has KPIs."""
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
        label, unit = KNOWN_KPIS.get(kpi, (kpi, ""))
        described = _help_text(label) + (f" in {unit}" if unit else "")
        lines.append(f"# TYPE {metric} gauge")
        lines.append(f"# HELP {metric} BlazeMeter {described}, label ALL")
        lines += [f"{metric}{labels} {plain_number(value)}" for labels, value in samples]
    lines.append("# EOF")
    return "\n".join(lines) + "\n"
