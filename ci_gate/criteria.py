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
from ci_gate.numbers import number_or_none, read_number
from ci_gate.text import one_line
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
    """What `GET /masters/{id}` says about a run (text fields untrusted)."""

    report_status: str | None
    test_id: str | None = None
    #: epoch seconds, when BlazeMeter gave them (None: not given or unusable)
    created: float | None = None
    ended: float | None = None
    #: how the verdict was read when it needed reading (a `passed` given as text, ...)
    note: str | None = None


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
            if self.note:
                return self.note
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


#: reportStatus as the gate names it, by its lower-cased, trimmed spelling.
_REPORT_STATUSES = {
    name.lower(): name for name in ("pass", "fail", "unset", *BROKEN_REPORT_STATUSES)
}
_PASSED_WORDS = {"true": True, "false": False, "1": True, "0": False}


def normalise_report_status(raw: object) -> str | None:
    """`" FAIL "` -> `fail`, `"NODATA"` -> `noData`; an unknown word is kept as it came
    (trimmed, so the verdict can name it); empty or not text is None."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip()
    return _REPORT_STATUSES.get(text.lower(), text)


def _read_passed(raw: object) -> tuple[bool | None, str | None]:
    """`passed` as BlazeMeter means it: a boolean, or `"false"`/`0` and the like (noted)."""
    if isinstance(raw, bool):
        return raw, None
    word: str | None = None
    if isinstance(raw, (int, float)) and raw in (0, 1):
        word = str(int(raw))
    elif isinstance(raw, str) and raw.strip().lower() in _PASSED_WORDS:
        word = raw.strip().lower()
    if word is None:
        return None, None
    passed = _PASSED_WORDS[word]
    return passed, f"BlazeMeter gave passed as {word!r}, read as {str(passed).lower()}"


def parse_master_info(master_id: str, result: object) -> MasterInfo:
    """`result` of `GET /masters/{id}`: reportStatus, else what `passed` says."""
    if not isinstance(result, Mapping):
        raise MalformedResponseError(f"master {master_id}: the master answer has no result")
    status = normalise_report_status(result.get("reportStatus"))
    note = None
    if status is None:
        # a failed run is failed at once; a pass only counts where reportStatus is absent
        # (null means BlazeMeter is still working on its verdict: it is read again)
        passed, note = _read_passed(result.get("passed"))
        if passed is False or (passed is True and "reportStatus" not in result):
            status = "pass" if passed else "fail"
        else:
            note = None
    test_id = result.get("testId")
    return MasterInfo(
        status,
        str(test_id) if isinstance(test_id, (int, str)) and not isinstance(test_id, bool) else None,
        created=number_or_none(result.get("created")),
        ended=number_or_none(result.get("ended")),
        note=note,
    )


def _criterion(item: Mapping[str, object], notes: list[str]) -> Criterion:
    """A criterion row (`threshold`, `value`) or an assertion (`failValue`, `actual`)."""
    success = item.get("success")
    label = item.get("labelName") or item.get("label") or item.get("labelId") or "ALL"
    field = str(item.get("field", "?"))

    def value(*keys: str) -> object:
        raw = next((item[key] for key in keys if key in item), None)
        if isinstance(raw, str) and not raw.strip():
            return None
        number = read_number(raw)
        if number.problem is not None and not isinstance(raw, str):
            notes.append(f"criterion {field}: {keys[0]} was {number.problem}; shown as none")
            return None
        if number.value is not None and not isinstance(raw, str):
            return number.value
        return raw  # text: shown as it came

    return Criterion(
        field=field,
        op=str(item.get("op", "?")),
        threshold=value("threshold", "failValue"),
        value=value("value", "actual"),
        success=success if isinstance(success, bool) else None,
        label=str(label),
    )


def parse_criteria_with_notes(
    master_id: str, result: object
) -> tuple[tuple[Criterion, ...], tuple[str, ...]]:
    """`result` of `GET /masters/{id}/reports/thresholds`, in each of its three shapes:
    `data[]` of criteria, `data` an object `{success, assertions[]}`, or `data[]` of such
    objects (and a bare list of any of them). Returns the criteria and notes on values
    that could not be used."""
    data = result.get("data") if isinstance(result, Mapping) else result
    if data is None:
        return (), ()
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list):
        raise MalformedResponseError(f"master {master_id}: the criteria answer has no list")
    criteria: list[Criterion] = []
    notes: list[str] = []
    for item in data:
        if not isinstance(item, Mapping):
            continue
        assertions = item.get("assertions")
        if isinstance(assertions, list):
            criteria += [_criterion(a, notes) for a in assertions if isinstance(a, Mapping)]
        elif "assertions" in item:
            raise MalformedResponseError(
                f"master {master_id}: the criteria answer's assertions are not a list"
            )
        else:
            criteria.append(_criterion(item, notes))
    return tuple(criteria), tuple(dict.fromkeys(notes))


def parse_criteria(master_id: str, result: object) -> tuple[Criterion, ...]:
    """The criteria of a thresholds answer (see `parse_criteria_with_notes`)."""
    return parse_criteria_with_notes(master_id, result)[0]


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
    shown = one_line(status, 80)
    if mode is CriteriaMode.REQUIRED:
        return CriteriaOutcome(
            mode,
            status,
            Verdict.FAILED,
            (),
            f"BlazeMeter's reportStatus {shown!r} is not one the gate knows "
            "(--criteria required): failed",
        )
    return CriteriaOutcome(
        mode,
        status,
        Verdict.BROKEN,
        (),
        f"BlazeMeter's reportStatus {shown!r} is not one the gate knows: not a pass",
    )
