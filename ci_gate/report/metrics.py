"""metrics.txt: each master's KPIs in the OpenMetrics text format, for GitLab's metrics
report (merge requests show the change against the target branch)."""

from __future__ import annotations

import re

from ci_gate.kpis import KNOWN_KPIS
from ci_gate.outcome import Outcome

METRICS_NAME = "metrics.txt"
_NOT_IN_A_NAME = re.compile(r"[^a-zA-Z0-9_]")


def _metric_name(kpi: str) -> str:
    return "blazemeter_" + _NOT_IN_A_NAME.sub("_", kpi).lower()


def render_metrics(outcome: Outcome) -> str | None:
    """One gauge family per KPI, one sample per master; None when no master has KPIs."""
    families: dict[str, list[tuple[str, float]]] = {}
    for master in outcome.masters:
        for name, value in (master.kpis or {}).items():
            families.setdefault(name, []).append((master.master_id, value))
    if not families:
        return None
    lines = []
    for kpi, samples in families.items():
        metric = _metric_name(kpi)
        label, unit = KNOWN_KPIS.get(kpi, (kpi, ""))
        described = _NOT_IN_A_NAME.sub(" ", label).strip() + (f" in {unit}" if unit else "")
        lines.append(f"# TYPE {metric} gauge")
        lines.append(f"# HELP {metric} BlazeMeter {described}, label ALL")
        lines += [f'{metric}{{master="{master_id}"}} {value:g}' for master_id, value in samples]
    lines.append("# EOF")
    return "\n".join(lines) + "\n"
