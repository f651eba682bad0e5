"""Where the KPI table and its spelling were: `commands/wait.py` still imports them from
here. The table is `domain.kpis`, the spelling `formatting`; import them from there."""

from __future__ import annotations

from ci_gate.domain.kpis import KNOWN_KPIS
from ci_gate.formatting import kpi_cell, kpi_value

__all__ = ["KNOWN_KPIS", "kpi_cell", "kpi_value"]
