"""The regression gate's judgement: each label of an ended master against the same label of
a baseline, and the choice of the last passed run. Pure functions over domain values.

Noise guards: a label with fewer than 100 samples on either side, or on one side only, is
listed and never fails. A label listed twice is compared row by row, the worst row
deciding (in work linear in the rows); a rise from a baseline of 0 exceeds every relative limit.
"""

from __future__ import annotations

from ci_gate.domain.findings import (
    AggregateReport,
    Comparison,
    LabelRow,
    Limit,
    RunInfo,
    relative_change,
)

MIN_SAMPLES = 100


DEFAULT_LIMIT = "p90=+20%"


LAST_PASSED = "last-passed"


_RANK = {"regression": 5, "no data": 4, "fine": 3, "few samples": 2}


def _judge_rows(
    label: str, limit: Limit, current: tuple[LabelRow, ...], before: tuple[LabelRow, ...]
) -> Comparison:
    """One label under one limit: the worst pair of rows (this run, baseline) decides, as
    if every row were compared with every row (a label listed twice has two rows), in
    work linear in the rows: a label listed thousands of times stays cheap.

    Why the shortcut finds the worst pair: against a given baseline row, a higher value
    now is never a better pair (its change is larger and it regresses first), so each
    baseline row needs pairing only with the highest value now, plus one pair for a row
    now without a value (no data). Pairs with a side under `MIN_SAMPLES` rank lowest and
    decide only when no pair has enough samples on both sides."""
    now_rows = [row for row in current if row.samples >= MIN_SAMPLES]
    base_rows = [row for row in before if row.samples >= MIN_SAMPLES]
    if not (now_rows and base_rows):
        now_rows, base_rows = list(current), list(before)
    highest = max(
        (row for row in now_rows if row.values.get(limit.metric) is not None),
        key=lambda row: row.values[limit.metric],
        default=now_rows[0],
    )
    pairs = [(highest, base_row) for base_row in base_rows]
    without_value = next((row for row in now_rows if row.values.get(limit.metric) is None), None)
    if without_value is not None:
        pairs.append((without_value, base_rows[0]))
    worst: Comparison | None = None
    for now_row, base_row in pairs:
        row = _judge_pair(label, limit, now_row, base_row)
        if worst is None or _worse(row, worst):
            worst = row
    assert worst is not None
    return worst


def _judge_pair(label: str, limit: Limit, now_row: LabelRow, base_row: LabelRow) -> Comparison:
    value_now = now_row.values.get(limit.metric)
    value_before = base_row.values.get(limit.metric)
    if min(now_row.samples, base_row.samples) < MIN_SAMPLES:
        verdict = "few samples"
    elif value_now is None or value_before is None:
        verdict = "no data"
    elif limit.exceeded(value_before, value_now):
        verdict = "regression"
    else:
        verdict = "fine"
    return Comparison(
        label,
        limit.metric,
        base_row.samples,
        now_row.samples,
        value_before,
        value_now,
        limit,
        verdict,
    )


def _worse(row: Comparison, than: Comparison) -> bool:
    if _RANK[row.verdict] != _RANK[than.verdict]:
        return _RANK[row.verdict] > _RANK[than.verdict]
    return relative_change(row) > relative_change(than)


def compare(
    now: AggregateReport, base: AggregateReport, limits: tuple[Limit, ...]
) -> tuple[Comparison, ...]:
    """Every label of either side, under every limit; only judged labels can fail."""
    rows: list[Comparison] = []
    for label in sorted(set(now.rows) | set(base.rows)):
        current, before = now.rows.get(label, ()), base.rows.get(label, ())
        for limit in limits:
            if current and before:
                rows.append(_judge_rows(label, limit, current, before))
                continue
            rows.append(
                Comparison(
                    label,
                    limit.metric,
                    max(r.samples for r in before) if before else 0,
                    max(r.samples for r in current) if current else 0,
                    before[0].values.get(limit.metric) if before else None,
                    current[0].values.get(limit.metric) if current else None,
                    limit,
                    "label gone" if not current else "new label",
                )
            )
    return tuple(rows)


def data_notes(rows: tuple[Comparison, ...], *reports: AggregateReport) -> tuple[str, ...]:
    """What was not compared for want of data, and what could not be read."""
    missing = [
        f"label {row.label!r}: no {row.metric} value on "
        + (
            "either side"
            if row.baseline is None and row.now is None
            else "the baseline"
            if row.baseline is None
            else "this run"
        )
        + ": not compared"
        for row in rows
        if row.verdict == "no data"
    ]
    read = [note for report in reports for note in report.notes]
    return tuple(dict.fromkeys([*read, *missing]))


def earlier_ended(
    master_id: str, runs: list[RunInfo], *, created: float | None = None
) -> list[RunInfo]:
    """The ended runs created before this master, newest first: never this run, a run
    created after it, or one that has not ended. `created` is this run's creation time
    from `GET /masters/{id}` (the list may not hold this run); without it, "earlier"
    cannot be told and nothing is earlier (fail closed)."""
    mine = created
    if mine is None:
        mine = next((run.created for run in runs if run.master_id == master_id), None)
    if mine is None:
        return []
    earlier = [
        run
        for run in runs
        if run.master_id != master_id
        and run.ended is not None
        and run.created is not None
        and run.created < mine
    ]
    return sorted(earlier, key=lambda run: run.created or 0.0, reverse=True)


def pick_last_passed(
    master_id: str, runs: list[RunInfo], *, created: float | None = None
) -> str | None:
    """The newest ended run created before this master whose verdict was a pass."""
    passed = [run for run in earlier_ended(master_id, runs, created=created) if run.passed]
    return passed[0].master_id if passed else None
