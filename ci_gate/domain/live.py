"""Live data of a run as BlazeMeter's `/data/labels` and `/data/kpis` give it.

The values the live criteria are judged on: one `KpiPoint` per label and second of the
run. `blazemeter.answers` builds them from the server's shapes; `judging` reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

#: BlazeMeter's name (and id) of the label that aggregates the whole run.
ALL_LABEL = "ALL"


@dataclass(frozen=True)
class Label:
    """A label of a run: BlazeMeter's id (a hash, or "ALL") and its name."""

    id: str
    name: str


@dataclass(frozen=True)
class KpiPoint:
    """One second of one label: what BlazeMeter measured in it (None: not given)."""

    #: the second, as Unix time (BlazeMeter's `ts`)
    ts: int
    #: responses in the second (`n`)
    hits: int | None
    #: failed responses in the second (`ec`)
    errors: int | None
    #: active users (`na`)
    users: int | None
    #: average response time in ms (`t_avg`)
    avg_rt: float | None
    #: average latency in ms (`lt_avg`)
    avg_lt: float | None
    #: average response size in bytes (`by_avg`)
    avg_bytes: float | None
