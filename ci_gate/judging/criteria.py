"""BlazeMeter's own verdict judged by `--criteria`: the contract's table, as a pure function."""

from __future__ import annotations

from ci_gate.domain.findings import CriteriaMode, CriteriaOutcome, Criterion
from ci_gate.domain.report_status import BROKEN_REPORT_STATUSES, normalise_report_status
from ci_gate.domain.verdict import Verdict
from ci_gate.text import one_line


def judge(
    mode: CriteriaMode, report_status: str | None, criteria: tuple[Criterion, ...]
) -> CriteriaOutcome:
    """The table of the contract: reportStatus and mode to a verdict. A reportStatus the
    gate does not know is never a pass: broken under `on`, failed under `required`."""
    status = normalise_report_status(report_status) or "unset"
    failed = tuple(c for c in criteria if c.success is False)
    if status in BROKEN_REPORT_STATUSES:
        return CriteriaOutcome(mode, status, Verdict.BROKEN, failed)
    if status == "fail":
        note = None if failed else "BlazeMeter failed the run (no failed criterion listed)"
        return CriteriaOutcome(mode, status, Verdict.FAILED, failed, note)
    if status == "unset":
        if mode is CriteriaMode.REQUIRED:
            return CriteriaOutcome(
                mode,
                status,
                Verdict.FAILED,
                (),
                "no failure criteria are defined (--criteria required)",
            )
        return CriteriaOutcome(mode, status, Verdict.PASSED, (), "no failure criteria are defined")
    if status == "pass":
        return CriteriaOutcome(mode, status, Verdict.PASSED, ())
    shown = one_line(repr(status), 82)  # invisible characters escaped, never dropped
    if mode is CriteriaMode.REQUIRED:
        return CriteriaOutcome(
            mode,
            status,
            Verdict.FAILED,
            (),
            f"BlazeMeter's reportStatus {shown} is not one the gate knows "
            "(--criteria required): failed",
        )
    return CriteriaOutcome(
        mode,
        status,
        Verdict.BROKEN,
        (),
        f"BlazeMeter's reportStatus {shown} is not one the gate knows: not a pass",
    )
