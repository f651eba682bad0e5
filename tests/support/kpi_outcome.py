"""An outcome built by hand with a run's live KPIs and a breached live criterion, as the
live loop hands it to the reports (`demo --scenario live-breach` in small): report.html's
KPI charts are tested on it in lxml and in Chromium."""

from __future__ import annotations

from ci_gate.config.fail_on import parse_fail_on
from ci_gate.domain.live import KpiPoint
from ci_gate.domain.live_criteria import JudgeState, LiveJudgement
from ci_gate.domain.outcome import LiveCriterionOutcome, MasterOutcome
from tests.support.helpers import master_outcome

#: the run's first second (Unix time): 200 s before make_outcome's wait began (the run was
#: started, then waited on)
RUN_START = 1_767_323_045 - 200
#: seconds of data the run had when it was stopped
RUN_SECONDS = 190


def kpi_points(label: str) -> tuple[KpiPoint, ...]:
    """A label's seconds: users ramping to 50 in a minute, Checkout slowing from 70 s."""
    slow = label == "Checkout"
    return tuple(
        KpiPoint(
            ts=RUN_START + s,
            hits=(s * 40) // 60 + 10 if s < 60 else 50 + (s % 7),
            errors=(1 if s % 13 == 0 else 0) + (3 if slow and s >= 70 else 0),
            users=min(50, s * 50 // 60 + 1),
            avg_rt=(2100.0 + (s % 11) * 20 if slow and s >= 70 else 180.0 + (s % 5) * 9),
            avg_lt=120.0,
            avg_bytes=21400.0,
        )
        for s in range(RUN_SECONDS)
    )


def live_breach_master() -> MasterOutcome:
    criterion = parse_fail_on("avg-rt of Checkout>1500ms for 30s, stop as failed", "--fail-on")
    errors = parse_fail_on("fail>5% within 1m, continue", "--fail-on")
    judgement = LiveJudgement(
        JudgeState.BREACHED, 2180.0, (RUN_START + 70, RUN_START + 99), RUN_START + 99, "live"
    )
    return master_outcome(
        "failed",
        master_id="93000001",
        live_criteria=(
            LiveCriterionOutcome(criterion, judgement, stopped_run=True),
            LiveCriterionOutcome(errors, LiveJudgement(JudgeState.OK, 1.2)),
        ),
        kpi_timeline={"ALL": kpi_points("ALL"), "Checkout": kpi_points("Checkout")},
        stop_saved="stopped after 1m40s of a planned 31m00s (29m20s of load not run)",
    )
