"""Judging `--fail-on` criteria, one second at a time: pure, no clock, no I/O.

`judge_for(criterion, warmup)` gives the judge of one criterion for one master. The wait
tells it the run's first KPI second (`begin`), then feeds it its label's complete seconds
in order (`judging.live_feed`: a label's second is complete once that label's row is past
it), a second its label has moved past without a point fed as None (no data): windows
slide over seconds the label is missing from (a second fed again or out of order is
ignored: each second is judged once). For counts and active users, a second without
data after the label's first data (fed as None, or skipped) is a second with none: an
empty window sums to 0, so a stall is judged; `for` is reset by it, as the contract says.
`feed` returns the `LiveJudgement` the moment the criterion triggers, else None.
Percentile subjects are fed BlazeMeter's cumulative values (`feed_cumulative`).
After the end, `finish(totals)` gives the final judgement; criteria without a timeframe
are judged there, on the aggregate report's totals.

What a second and a window measure is `live_values`' job.

Over 300 lines on purpose: the four judges share one base that keeps what each needs
alike (the seconds fed, the warm-up, when a timeframe was full, why a criterion was not
judged, the end's totals); apart, each would keep its own copy of that bookkeeping.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ci_gate.domain.live import KpiPoint
from ci_gate.domain.live_criteria import (
    JudgeState,
    LabelTotals,
    LiveCriterion,
    LiveJudgement,
    Logic,
    Subject,
)
from ci_gate.formatting import format_duration
from ci_gate.judging.live_values import Measure, per_second, total_value, window_sums


@dataclass(frozen=True)
class JudgeSnapshot:
    """One judge as it stands at a moment: what its criterion's outcome is read from,
    frozen, so that the wait can go on feeding the judge after handing this over."""

    criterion: LiveCriterion
    #: where the criterion stands (live): its breach, ok once judged, else why not
    result: LiveJudgement
    #: the most active users of a second fed (the totals do not give them)
    peak_users: float | None = None
    #: the first and last second of its label with data (None: none fed)
    seen: tuple[int, int] | None = None

    def finish(self, totals: LabelTotals | None, *, live_lost: bool = False) -> LiveJudgement:
        """The final judgement once the run has ended: on the run's totals (no timeframe,
        or `live_lost`: live data could not be read), else what the seconds gave."""
        if self.result.state is JudgeState.BREACHED:
            return self.result
        criterion = self.criterion
        if criterion.logic is not None and not live_lost:
            return self.result
        note = (
            "live data could not be read: judged on the run's totals after the end"
            if live_lost and criterion.logic is not None
            else ""
        )
        value = total_value(criterion, totals or LabelTotals(), self.peak_users)
        if value is None:
            why = (
                "the run has no totals for its label"
                if totals is None
                else (f"the run's totals give no {criterion.subject.value}")
            )
            return LiveJudgement(JudgeState.NOT_JUDGED, judged="at the end", note=why)
        if criterion.condition.holds(value, criterion.threshold):
            return LiveJudgement(JudgeState.BREACHED, value, self.seen, None, "at the end", note)
        return LiveJudgement(JudgeState.OK, value, None, None, "at the end", note)


class LiveJudge:
    """One criterion judged on one master's seconds; this base judges on the totals only
    (a criterion without a timeframe)."""

    def __init__(self, criterion: LiveCriterion, warmup: int = 0) -> None:
        self.criterion = criterion
        self.warmup = warmup
        self._holds = criterion.condition.holds
        self._threshold = criterion.threshold
        #: the last second fed, and the first one judged (the first fed + the warm-up)
        self._last: int | None = None
        self._started = False
        self._judge_from = 0
        self._first_data: int | None = None
        self._last_data: int | None = None
        self._peak_users: float | None = None
        self._value: float | None = None
        self._breach: LiveJudgement | None = None

    @property
    def breached(self) -> bool:
        return self._breach is not None

    def begin(self, ts: int) -> None:
        """The run's first KPI second (its ALL label's), where the warm-up counts from;
        without it, the first second fed (or cumulative value) is taken. Once only."""
        if not self._started:
            self._started = True
            self._judge_from = ts + self.warmup

    def feed(self, ts: int, point: KpiPoint | None) -> LiveJudgement | None:
        """One second of the run: the judgement if the criterion triggers on it."""
        last = self._last
        if last is not None and ts <= last:
            return None
        if not self._started:
            self.begin(ts)
        self._last = ts
        if point is not None:
            if self._first_data is None:
                self._first_data = ts
            self._last_data = ts
            users = point.users
            if users is not None and (self._peak_users is None or users > self._peak_users):
                self._peak_users = users
        if self._breach is not None or ts < self._judge_from:
            return None
        if self._fills_gaps and last is not None:
            gap, last = self._judge_gap(last, ts)
            if gap is not None:
                return gap
        return self._judge(ts, point, last)

    #: a second skipped after the label's first data is judged as one without data
    #: (window judges of counts and users: such a second had none)
    _fills_gaps = False

    def _judge_gap(self, last: int, ts: int) -> tuple[LiveJudgement | None, int]:
        """Judge the seconds skipped between `last` and `ts` (a window of them alone
        holds the same zeros after a timeframe, so no more than that are judged): the
        judgement if one triggers, and the last second judged."""
        if self._first_data is None or self._first_data >= ts:
            return None, last  # no data before this second: nothing the label missed
        begin = max(last + 1, self._judge_from)
        for missing in range(begin, min(ts, begin + (self.criterion.timeframe or 0) + 1)):
            judged = self._judge(missing, None, last)
            last = missing
            if judged is not None:
                return judged, last
        return None, last

    def _judge(self, ts: int, point: KpiPoint | None, last: int | None) -> LiveJudgement | None:
        """Judge second `ts` (`last`: the second fed before it, None: the first)."""
        return None

    def feed_cumulative(self, ts: int, value: float) -> LiveJudgement | None:
        """A cumulative value (a percentile) read at second `ts`: only percentile judges
        with a timeframe use it."""
        return None

    def finish(self, totals: LabelTotals | None, *, live_lost: bool = False) -> LiveJudgement:
        """The final judgement once the run has ended (`JudgeSnapshot.finish`)."""
        return self.snapshot().finish(totals, live_lost=live_lost)

    def snapshot(self) -> JudgeSnapshot:
        """Where this judge stands now, as a frozen value (what `combine` judges on)."""
        seen = None
        if self._first_data is not None and self._last_data is not None:
            seen = (self._first_data, self._last_data)
        return JudgeSnapshot(self.criterion, self.result, self._peak_users, seen)

    @property
    def result(self) -> LiveJudgement:
        """Where the criterion stands now (live): breached, ok once judged, else not."""
        if self._breach is not None:
            return self._breach
        if self._value is not None:
            return LiveJudgement(JudgeState.OK, self._value)
        if self.criterion.logic is None:
            why = "judged after the end, on the run's totals"
        elif self._first_data is None:
            why = "no data for its label"
        elif self._last is not None and self._last < self._judge_from:
            why = "the run's data ended within the warm-up"
        else:
            why = self._unfilled()
        return LiveJudgement(JudgeState.NOT_JUDGED, note=why)

    def _unfilled(self) -> str:
        """Why a criterion with a timeframe and data was not judged: its timeframe was
        never full (the run's seconds after the warm-up, against the timeframe)."""
        frame = self.criterion.timeframe
        spanned = 0 if self._last is None else self._last - self._judge_from + 1
        if frame is None or spanned >= frame:
            return "no full timeframe of data"
        after = " after the warm-up" if self.warmup else ""
        shown = format_duration(frame)
        return (
            f"the run's data never filled its {shown} timeframe "
            f"({format_duration(spanned)} of {shown}{after})"
        )

    def _full(self, ts: int) -> bool:
        """The timeframe ending at second `ts` lies wholly after the warm-up."""
        frame = self.criterion.timeframe
        return frame is not None and ts - frame + 1 >= self._judge_from

    def _trigger(self, value: float, first: int, ts: int) -> LiveJudgement:
        self._value = value
        self._breach = LiveJudgement(JudgeState.BREACHED, value, (first, ts), ts)
        return self._breach


class ForJudge(LiveJudge):
    """`for`: every second of the timeframe breaches; a good or missing second resets.
    The breach's value is the timeframe's average (times and sizes weighted by hits,
    counts per second, a share of all its responses). Like `over`, it has judged the run
    (`ok` unless it breached) only once a full timeframe after the warm-up had data: a run
    shorter than the timeframe was never judged by it, whatever its seconds said."""

    def __init__(self, criterion: LiveCriterion, warmup: int = 0) -> None:
        super().__init__(criterion, warmup)
        assert criterion.timeframe is not None
        self._frame = criterion.timeframe
        self._measure = per_second(criterion)
        self._streak: deque[Measure] = deque(maxlen=criterion.timeframe)
        #: the newest second with data (judged), and its value
        self._measured: int | None = None
        self._latest: float | None = None

    def _judge(self, ts: int, point: KpiPoint | None, last: int | None) -> LiveJudgement | None:
        gap = last is not None and ts > last + 1
        streak = self._streak
        measure = None if point is None else self._measure(point)
        if measure is not None:
            self._measured, self._latest = ts, measure[0] / measure[1]
        if self._full(ts) and self._measured is not None and self._measured > ts - self._frame:
            self._value = self._latest  # a full timeframe with data: judged
        if measure is None:
            streak.clear()
            return None
        value = measure[0] / measure[1]
        if not self._holds(value, self._threshold):
            streak.clear()
            return None
        if gap:
            streak.clear()
        streak.append(measure)
        if len(streak) < self._frame:
            return None
        average = sum(m[0] for m in streak) / sum(m[1] for m in streak)
        return self._trigger(average, ts - self._frame + 1, ts)


class WindowJudge(LiveJudge):
    """`within` (also a partial timeframe) and `over` (only a full one): the aggregate
    of the timeframe's seconds that have data, judged at every second."""

    def __init__(self, criterion: LiveCriterion, warmup: int = 0) -> None:
        super().__init__(criterion, warmup)
        assert criterion.timeframe is not None
        self._frame = criterion.timeframe
        self._full_only = criterion.logic is Logic.OVER
        self._measure = per_second(criterion)
        self._sums = window_sums(criterion)
        #: counts and active users: a second without data in a window counts as 0
        #: (the contract sums counts; a second the run had with no responses had none)
        self._zero_filled = self._sums or criterion.subject is Subject.CONCURRENCY
        self._fills_gaps = self._zero_filled
        self._window: deque[tuple[int, float, float]] = deque()
        self._num = 0.0
        self._den = 0.0

    def _judge(self, ts: int, point: KpiPoint | None, last: int | None) -> LiveJudgement | None:
        window = self._window
        low = ts - self._frame + 1
        if self._zero_filled and self._first_data is not None:
            # seconds the run should have had but the label did not report (a gap, or
            # a second fed without data): no responses, no users in them
            since = max(low, self._judge_from, self._first_data + 1)
            if last is not None:
                since = max(since, last + 1)
            for missing in range(since, ts):
                window.append((missing, 0.0, 1.0))
                self._den += 1.0
        measure = None if point is None else self._measure(point)
        if measure is None and point is None and self._zero_filled:
            measure = None if self._first_data is None else (0.0, 1.0)
        if measure is not None:
            window.append((ts, measure[0], measure[1]))
            self._num += measure[0]
            self._den += measure[1]
        while window and window[0][0] < low:
            _, num, den = window.popleft()
            self._num -= num
            self._den -= den
        if not window:
            self._num = self._den = 0.0  # no drift carried over an empty window
            return None
        first = self._judge_from
        if low >= first:
            first = low
        elif self._full_only:
            return None
        value = self._num if self._sums else self._num / self._den
        self._value = value
        if self._holds(value, self._threshold):
            return self._trigger(value, first, ts)
        return None


class CumulativeJudge(LiveJudge):
    """A percentile with a timeframe: BlazeMeter's cumulative percentile stayed beyond
    the threshold for the whole timeframe (every value read in it breached)."""

    def __init__(self, criterion: LiveCriterion, warmup: int = 0) -> None:
        super().__init__(criterion, warmup)
        assert criterion.timeframe is not None
        self._frame = criterion.timeframe
        self._since: int | None = None
        self._last_read: int | None = None

    def feed_cumulative(self, ts: int, value: float) -> LiveJudgement | None:
        if self._breach is not None:
            return None
        if not self._started:
            self.begin(ts)
        if ts < self._judge_from or (self._last_read is not None and ts <= self._last_read):
            return None
        self._last_read = ts
        if ts - self._judge_from >= self._frame:
            self._value = value  # read over a whole timeframe: judged
        if not self._holds(value, self._threshold):
            self._since = None
            return None
        if self._since is None:
            self._since = ts
        if ts - self._since >= self._frame:
            return self._trigger(value, self._since, ts)
        return None


def judge_for(criterion: LiveCriterion, warmup: int = 0) -> LiveJudge:
    """The judge of one criterion on one master (`warmup` in seconds)."""
    if criterion.logic is None:
        return LiveJudge(criterion, warmup)
    if criterion.subject.percentile:
        return CumulativeJudge(criterion, warmup)
    if criterion.logic is Logic.FOR:
        return ForJudge(criterion, warmup)
    return WindowJudge(criterion, warmup)
