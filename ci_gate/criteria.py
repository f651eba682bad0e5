"""BlazeMeter's own verdict on an ended master: its reportStatus and failure criteria.

`GET /masters/{id}` carries `reportStatus` (`pass`, `fail`, `unset`, `error`, `abort`,
`noData`; older answers only the boolean `passed`), and `GET /masters/{id}/reports/thresholds`
lists each criterion with its `field`, `op`, `threshold`, `value` and `success`. Parsing is
as forgiving as for statuses: what cannot be read is shown as it came, never a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from ci_gate.errors import MalformedResponseError
from ci_gate.verdict import Verdict

#: reportStatus values that mean the run produced no usable result: verdict `broken`.
BROKEN_REPORT_STATUSES = frozenset({"error", "abort", "noData"})

_OPERATORS = {
    "gt": ">",
    "lt": "<",
    "ge": ">=",
    "gte": ">=",
    "le": "<=",
    "lte": "<=",
    "eq": "=",
    "ne": "!=",
}
_FIELD_NAMES = {
    "responseTime.avg": ("avg response time", " ms"),
    "responseTime.max": ("max response time", " ms"),
    "responseTime.min": ("min response time", " ms"),
    "responseTime.percentile.90": ("p90", " ms"),
    "responseTime.percentile.95": ("p95", " ms"),
    "responseTime.percentile.99": ("p99", " ms"),
    "latency.avg": ("avg latency", " ms"),
    "errors.percent": ("error rate", " %"),
    "errors.count": ("errors", ""),
    "hits.avg": ("throughput", " hits/s"),
}


class CriteriaMode(str, Enum):
    """`--criteria`: off (events only), on (BlazeMeter's verdict counts), required."""

    OFF = "off"
    ON = "on"
    REQUIRED = "required"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class MasterInfo:
    """What `GET /masters/{id}` says about an ended run (text fields untrusted)."""

    report_status: str | None
    test_id: str | None = None


@dataclass(frozen=True)
class Criterion:
    """One failure criterion as BlazeMeter evaluated it."""

    field: str
    op: str
    threshold: object
    value: object
    success: bool | None
    label: str

    def describe(self) -> str:
        """`p90 1830 ms > 1500 ms` (on label ALL): the field, the value, the limit."""
        name, unit = _FIELD_NAMES.get(self.field, (self.field, ""))
        op = _OPERATORS.get(self.op, self.op)
        line = f"{name} {_number(self.value)}{unit} {op} {_number(self.threshold)}{unit}"
        return line if self.label in ("", "ALL") else f"{line} (label {self.label})"


@dataclass(frozen=True)
class CriteriaOutcome:
    """BlazeMeter's verdict on one master, as `--criteria` makes of it."""

    mode: CriteriaMode
    report_status: str | None
    verdict: Verdict
    failed: tuple[Criterion, ...] = ()
    note: str | None = None

    @property
    def reason(self) -> str:
        """One line for the run's reason: which criteria failed, or why it is broken."""
        if self.verdict is Verdict.BROKEN:
            return f"BlazeMeter reports no usable result (reportStatus {self.report_status})"
        if self.failed:
            shown = "; ".join(criterion.describe() for criterion in self.failed[:3])
            more = len(self.failed) - 3
            return f"failure criteria failed: {shown}" + (f"; and {more} more" if more > 0 else "")
        return self.note or f"BlazeMeter's verdict: {self.report_status}"


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def parse_master_info(master_id: str, result: object) -> MasterInfo:
    """`result` of `GET /masters/{id}`; reportStatus, else the `passed` boolean."""
    if not isinstance(result, Mapping):
        raise MalformedResponseError(f"master {master_id}: the master answer has no result")
    raw = result.get("reportStatus")
    status: str | None = raw if isinstance(raw, str) and raw.strip() else None
    if status is None and isinstance(result.get("passed"), bool) and "reportStatus" not in result:
        status = "pass" if result["passed"] else "fail"
    test_id = result.get("testId")
    return MasterInfo(status, str(test_id) if isinstance(test_id, (int, str)) else None)


def parse_criteria(master_id: str, result: object) -> tuple[Criterion, ...]:
    """`result` of `GET /masters/{id}/reports/thresholds`: `data[]` (or a bare list)."""
    data = result.get("data") if isinstance(result, Mapping) else result
    if data is None:
        return ()
    if not isinstance(data, list):
        raise MalformedResponseError(f"master {master_id}: the criteria answer has no list")
    criteria = []
    for item in data:
        if not isinstance(item, Mapping):
            continue
        success = item.get("success")
        label = item.get("labelName") or item.get("label") or item.get("labelId") or "ALL"
        criteria.append(
            Criterion(
                field=str(item.get("field", "?")),
                op=str(item.get("op", "?")),
                threshold=item.get("threshold"),
                value=item.get("value"),
                success=success if isinstance(success, bool) else None,
                label=str(label),
            )
        )
    return tuple(criteria)


def judge(
    mode: CriteriaMode, report_status: str | None, criteria: tuple[Criterion, ...]
) -> CriteriaOutcome:
    """The table of the contract: reportStatus and mode to a verdict."""
    status = report_status or "unset"
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
    return CriteriaOutcome(
        mode, status, Verdict.PASSED, (), f"unknown reportStatus {status!r}: treated as unset"
    )
