"""Judging live criteria: one hour of a run's seconds (3,600) against 10 criteria of every
logic, fed as the wait feeds them (a point per second per criterion, a cumulative
percentile every 30 s), then finished on the totals. CPU time, beside a baseline that
judges as Taurus's passfail does: each second, the window's aggregate recomputed from a
buffer of its seconds (the ratio says what the running sums save).

Goal: at most 50 ms of CPU for the hour. `--json` prints the figures.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import OrderedDict

from ci_gate.config.fail_on import parse_fail_on
from ci_gate.domain.live import KpiPoint
from ci_gate.domain.live_criteria import LabelTotals, LiveCriterion, Logic
from ci_gate.judging.live import judge_for
from ci_gate.judging.live_values import per_second, window_sums

SECONDS, GOAL_SECONDS = 3600, 0.050
T0 = 1_796_115_600
CRITERIA = (
    "avg-rt of Checkout>1500ms for 60s",
    "avg-rt>800ms within 5m",
    "fail>5% within 2m",
    "fail>500 over 1m",
    "hits<1 for 30s, continue",
    "avg-lt>300ms over 10m",
    "succ<50% over 5m, continue as non-failed",
    "bytes>1MB within 1m",
    "concurrency>500 for 10s",
    "p90>2s for 60s",
)


def hour() -> list[KpiPoint]:
    """A steady hour that breaches nothing (every second is judged by every criterion)."""
    rng = random.Random(31)
    return [
        KpiPoint(
            T0 + n,
            rng.randint(40, 60),
            rng.randint(0, 1),
            rng.randint(45, 50),
            rng.uniform(150, 450),
            rng.uniform(20, 60),
            rng.uniform(2000, 9000),
        )
        for n in range(SECONDS)
    ]


def judge_hour(criteria: list[LiveCriterion], seconds: list[KpiPoint]) -> int:
    judges = [judge_for(criterion, warmup=60) for criterion in criteria]
    breaches = 0
    for judge in judges:
        feed, cumulative = judge.feed, judge.feed_cumulative
        for point in seconds:
            ts = point.ts
            breaches += feed(ts, point) is not None
            if ts % 30 == 0:
                breaches += cumulative(ts, 1200.0) is not None
        judge.finish(LabelTotals(samples=180_000, avg_rt=300, p90=1200))
    return breaches


def taurus_style(criteria: list[LiveCriterion], seconds: list[KpiPoint]) -> int:
    """The baseline: a buffer of the window's seconds, its aggregate summed anew each
    second (Taurus's `_get_windowed_points`), the same measures and the same verdicts."""
    breaches = 0
    for criterion in criteria:
        if criterion.subject.percentile:
            continue
        assert criterion.timeframe is not None
        measure, sums = per_second(criterion), window_sums(criterion)
        frame, buffer = criterion.timeframe, OrderedDict[int, tuple[float, float]]()
        streak = 0
        for point in seconds:
            found = measure(point)
            if found is None:
                continue
            buffer[point.ts] = found
            while next(iter(buffer)) <= point.ts - frame:
                buffer.popitem(last=False)
            if criterion.logic is Logic.FOR:
                holds = criterion.condition.holds(found[0] / found[1], criterion.threshold)
                streak = streak + 1 if holds else 0
                breaches += streak == frame
                continue
            num = sum(n for n, _ in buffer.values())
            value = num if sums else num / sum(d for _, d in buffer.values())
            breaches += criterion.condition.holds(value, criterion.threshold)
    return breaches


def best_cpu(runs: int, call: object) -> float:
    best = float("inf")
    for _ in range(runs):
        began = time.process_time()
        call()  # type: ignore[operator]
        best = min(best, time.process_time() - began)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    criteria = [parse_fail_on(text, "bench") for text in CRITERIA]
    seconds = hour()
    assert judge_hour(criteria, seconds) == 0 and taurus_style(criteria, seconds) == 0
    ours = best_cpu(5, lambda: judge_hour(criteria, seconds))
    theirs = best_cpu(3, lambda: taurus_style(criteria, seconds))
    figures = {
        "seconds": SECONDS,
        "criteria": len(criteria),
        "judging_cpu_seconds": round(ours, 4),
        "baseline_cpu_seconds": round(theirs, 4),
        "ratio": round(ours / theirs, 2),
        "goal_met": ours <= GOAL_SECONDS,
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"{SECONDS} seconds x {len(criteria)} criteria (CPU, best of several runs)")
        print(f"{'':<22}{'ci-gate':>10}{'baseline':>10}{'ratio':>8}")
        print(
            f"{'judging (ms)':<22}{ours * 1000:>10.1f}{theirs * 1000:>10.1f}{figures['ratio']:>8}"
        )
        print(
            f"goal (<= {GOAL_SECONDS * 1000:.0f} ms): {'met' if figures['goal_met'] else 'NOT met'}"
        )
    return 0 if figures["goal_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
