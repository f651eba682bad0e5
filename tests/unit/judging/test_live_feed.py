"""`LiveFeed`: each label's complete seconds, in order, once, from overlapping KPI answers
whose newest second is still filling; and `kpi_timeline`, the capped points of the report.

The property test plays a BlazeMeter that answers from the `from` the feed asks for (or
earlier: overlaps), up to its current second (still filling: provisional values that
change while it is the newest), sometimes with nothing, on a run whose labels have gaps.
The feed's output must equal a naive reference: every second any answer carried, with the
values of the last answer that carried it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate.blazemeter.answers import parse_live_kpis
from ci_gate.domain.live import KpiPoint
from ci_gate.judging.live_feed import (
    FUTURE_BOUND,
    QUIET_LAG,
    TIMELINE_CAP,
    LiveFeed,
    kpi_timeline,
)

REALWORLD = Path(__file__).parents[2] / "data" / "realworld" / "taurus-reports"


def pt(ts: int, hits: int | None = 1, rt: float | None = 100.0, **more: int | float) -> KpiPoint:
    return KpiPoint(
        ts,
        hits=hits,
        errors=int(more.get("errors", 0)),
        users=int(more.get("users", 1)),
        avg_rt=rt,
        avg_lt=None,
        avg_bytes=float(more["bytes"]) if "bytes" in more else None,
    )


def test_the_newest_second_waits_for_a_later_one_and_takes_its_last_values() -> None:
    feed = LiveFeed()
    assert feed.next_from == 0
    assert feed.take({"ALL": (pt(10), pt(11), pt(12, hits=3))}) == {"ALL": (pt(10), pt(11))}
    assert feed.next_from == 12  # the provisional second is read again
    assert feed.take({"ALL": (pt(12, hits=7),)}) == {}  # still the newest: replaced, kept
    assert feed.take({"ALL": (pt(12, hits=9), pt(13))}) == {"ALL": (pt(12, hits=9),)}
    assert feed.next_from == 13
    assert feed.flush() == {"ALL": (pt(13),)}
    assert feed.flush() == {}


def test_a_second_that_comes_again_after_its_release_counts_once() -> None:
    feed = LiveFeed()
    feed.take({"ALL": (pt(1), pt(2), pt(3))})
    assert feed.take({"ALL": (pt(1, hits=50), pt(2, hits=50), pt(3), pt(4))}) == {"ALL": (pt(3),)}


def test_empty_answers_and_labels_without_data_change_nothing() -> None:
    feed = LiveFeed(start_from=1700000000)
    assert feed.take({}) == {} and feed.take({"ALL": ()}) == {}
    assert feed.next_from == 1700000000 and feed.newest is None
    assert feed.flush() == {}


def test_a_label_whose_row_lags_is_complete_only_when_its_own_row_moves_on() -> None:
    """A label's row one second behind ALL's (its newest still filling): ALL's later
    second completes ALL only; the label's second waits for the label's own later second,
    and `from` is the oldest provisional second, so that it is read again."""
    feed = LiveFeed()
    out = feed.take({"ALL": (pt(5), pt(6)), "Checkout": (pt(5, hits=2, rt=100.0),)})
    assert out == {"ALL": (pt(5),)}
    assert feed.next_from == 5 and feed.complete_through("Checkout") == 4
    assert feed.complete_through("ALL") == 5
    out = feed.take({"ALL": (pt(6), pt(7)), "Checkout": (pt(5, rt=2400.0), pt(6, hits=2))})
    assert out == {"ALL": (pt(6),), "Checkout": (pt(5, rt=2400.0),)}  # its final values
    assert feed.next_from == 6
    assert feed.flush() == {"ALL": (pt(7),), "Checkout": (pt(6, hits=2),)}
    assert feed.complete_through("Checkout") == 6


def test_the_recorded_answer_with_the_label_a_second_ahead_of_all() -> None:
    """tests/data/realworld/.../data-kpis-test_check_interval@L840.json: ALL at ts 1 and
    its label at ts 2 in one answer: neither is complete yet, `from` is ALL's second."""
    label = "e843ff89a5737891a10251cbb0db08e5"
    raw = json.loads((REALWORLD / "data-kpis-test_check_interval@L840.json").read_text())
    answer = parse_live_kpis("1", raw["result"])
    feed = LiveFeed()
    assert feed.take(answer) == {}
    assert feed.next_from == 1
    assert feed.complete_through("ALL") == 0 and feed.complete_through(label) == 1
    assert [p.ts for p in feed.flush()[label]] == [2]


def test_a_label_that_went_quiet_does_not_hold_from_back() -> None:
    """A label whose row stays QUIET_LAG seconds behind is complete up to there: `from`
    does not stay at its last second while the run goes on (reads would grow with it)."""
    feed = LiveFeed()
    feed.take({"ALL": (pt(0), pt(1)), "Checkout": (pt(0), pt(1))})
    out = feed.take({"ALL": tuple(pt(ts) for ts in range(1, 40))})
    assert out["Checkout"] == (pt(1),)
    assert feed.next_from == 39 - QUIET_LAG + 1
    assert feed.complete_through("Checkout") == 39 - QUIET_LAG


def test_a_far_future_second_neither_moves_from_nor_releases_seconds() -> None:
    """One point at T0 + 10**6 in ALL's row: kept and named, but `from` stays with the
    run and later seconds are still judged; it is never released, only named."""
    t0 = 1_800_000_000
    feed = LiveFeed()
    far = pt(t0 + 10**6)
    assert feed.take({"ALL": (pt(t0), pt(t0 + 1), pt(t0 + 2), far)}) == {
        "ALL": (pt(t0), pt(t0 + 1))
    }
    assert feed.next_from == t0 + 2 and feed.far_seconds == (t0 + 10**6,)
    assert feed.newest == t0 + 2
    assert feed.take({"ALL": (pt(t0 + 2), pt(t0 + 3), far)}) == {"ALL": (pt(t0 + 2),)}
    assert feed.next_from == t0 + 3
    assert feed.flush() == {"ALL": (pt(t0 + 3),)}  # never released: named only
    assert feed.far_seconds == (t0 + 10**6,)


def test_a_far_future_second_in_the_first_answer_alone_at_its_end() -> None:
    feed = LiveFeed()
    assert feed.take({"ALL": (pt(100), pt(101), pt(100 + FUTURE_BOUND + 2))}) == {"ALL": (pt(100),)}
    assert feed.next_from == 101


# -- the property -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Poll:
    advance: int  # run seconds the server moved on since the last answer (0: none)
    overlap: int  # seconds before the asked `from` that the server serves again
    empty: bool  # the server answers `result: []` this time
    filling: int  # hits of the still-filling newest second so far
    far: bool  # ALL's row also carries one point dated far in the future


POLLS = st.builds(
    Poll,
    advance=st.integers(0, 8),
    overlap=st.integers(0, 3),
    empty=st.sampled_from([False, False, False, True]),
    filling=st.integers(0, 5),
    far=st.sampled_from([False, False, False, False, True]),
)
FAR = 10**6


@settings(max_examples=150, deadline=None)
@given(
    length=st.integers(0, 25),
    final=st.lists(st.tuples(st.integers(1, 9), st.booleans()), min_size=25, max_size=25),
    polls=st.lists(POLLS, max_size=30),
    ended=st.booleans(),
    lag=st.integers(0, 3),
)
def test_feed_gives_what_a_naive_reference_gives(
    length: int, final: list[tuple[int, bool]], polls: list[Poll], ended: bool, lag: int
) -> None:
    """Checkout's row ends `lag` seconds behind ALL's (its own newest second filling),
    and ALL's sometimes carries a far-future point: each label's seconds still come out
    with their last values, the far one never, and `from` stays with the run."""
    start = 1_000
    # the run's final points: ALL every second, Checkout only where it had hits
    truth = {
        "ALL": {start + i: pt(start + i, hits) for i, (hits, _) in enumerate(final[:length])},
        "Checkout": {
            start + i: pt(start + i, hits, rt=500.0)
            for i, (hits, busy) in enumerate(final[:length])
            if busy
        },
    }
    far = pt(start + FAR, 1)
    feed = LiveFeed()
    naive: dict[str, dict[int, KpiPoint]] = {"ALL": {}, "Checkout": {}}
    released: dict[str, list[KpiPoint]] = {"ALL": [], "Checkout": []}
    now = start - 1  # the server's current second (before the run's first)
    asked = []
    far_sent = False
    for poll in polls + ([Poll(length + 1, 0, False, 0, False)] if ended else []):
        now = min(now + poll.advance, start + length)  # start + length: the run ended
        asked.append(feed.next_from)
        answer: dict[str, tuple[KpiPoint, ...]] = {}
        if not poll.empty:
            first = max(feed.next_from - poll.overlap, start)
            for label, points in truth.items():
                # the label's row ends `lag` behind ALL's while the run goes
                top = now - lag if label == "Checkout" and now < start + length else now
                answer[label] = tuple(
                    points[ts] if ts < top else pt(ts, poll.filling, rt=points[ts].avg_rt)
                    for ts in range(first, min(top, start + length - 1) + 1)
                    if ts in points
                )
                for point in answer[label]:
                    naive[label][point.ts] = point  # the last values any answer gave
            if poll.far and answer["ALL"]:
                answer["ALL"] += (far,)
                far_sent = True
        for label, done in feed.take(answer).items():
            assert far not in done, "a far-future point was released"
            released[label] += done
    assert all(ts <= start + length for ts in asked)  # `from` stays with the run
    for label, done in feed.flush().items():
        released[label] += done
    for label in truth:
        assert far not in released[label]
        kept = released[label]
        assert kept == [naive[label][ts] for ts in sorted(naive[label])], label
        if ended:  # an ended run's seconds all come out with their final values
            assert kept == list(truth[label].values())
    assert feed.far_seconds == ((start + FAR,) if far_sent else ())
    assert asked == sorted(asked)  # `from` never moves back


# -- the report's timeline --------------------------------------------------------------------


def test_a_timeline_within_the_cap_is_kept_as_it_is() -> None:
    points = tuple(pt(ts) for ts in range(TIMELINE_CAP))
    assert kpi_timeline(points) == points


def test_an_hour_and_a_second_merges_pairs_of_neighbours() -> None:
    points = [pt(ts, hits=2, rt=100.0 if ts % 2 else 400.0) for ts in range(3601)]
    merged = kpi_timeline(points)
    assert len(merged) == 1801 and merged[0].ts == 0 and merged[1].ts == 2
    assert merged[0] == KpiPoint(0, 4, 0, 1, 250.0, None, None)
    assert merged[-1] == pt(3600, hits=2, rt=400.0)  # alone in its bucket


def test_merged_averages_are_weighted_by_hits_and_users_is_the_highest() -> None:
    group = [
        pt(0, hits=1, rt=1000.0, users=5, errors=1, bytes=10),
        pt(1, hits=3, rt=200.0, users=9, bytes=50),
        pt(2, hits=None, rt=None, users=2),
    ]
    (merged,) = kpi_timeline(group, cap=1)
    assert merged == KpiPoint(0, 4, 1, 9, 400.0, None, 40.0)
    # no hits at all: the plain average
    (quiet,) = kpi_timeline([pt(0, hits=0, rt=10.0), pt(1, hits=0, rt=30.0)], cap=1)
    assert quiet.avg_rt == 20.0 and quiet.hits == 0


@settings(max_examples=100, deadline=None)
@given(
    seconds=st.lists(st.integers(0, 500), min_size=1, max_size=200, unique=True).map(sorted),
    cap=st.integers(1, 50),
)
def test_a_capped_timeline_keeps_the_totals_and_the_order(seconds: list[int], cap: int) -> None:
    points = [pt(ts, hits=ts % 7, errors=ts % 2) for ts in seconds]
    merged = kpi_timeline(points, cap=cap)
    assert len(merged) <= cap
    assert [p.ts for p in merged] == sorted({p.ts for p in merged})
    assert merged[0].ts == seconds[0]
    assert sum(p.hits or 0 for p in merged) == sum(p.hits or 0 for p in points)
    assert sum(p.errors or 0 for p in merged) == sum(p.errors or 0 for p in points)


def test_a_cap_below_one_is_a_mistake() -> None:
    with pytest.raises(ValueError):
        kpi_timeline([pt(0)], cap=0)


def test_a_far_past_second_is_trusted_no_more_than_a_far_future_one() -> None:
    """One point dated at ts 5 in a run at 1.8e9 (a hostile row): named, never released,
    so that no judge sees a gap of decades (read as a stall) nor a run that began then."""
    t0 = 1_800_000_000
    feed = LiveFeed()
    out = feed.take({"ALL": (pt(5), pt(t0), pt(t0 + 1), pt(t0 + 2))})
    assert out == {"ALL": (pt(t0), pt(t0 + 1))} and feed.far_seconds == (5,)
    assert feed.take({"Checkout": (pt(7), pt(t0 + 1), pt(t0 + 2))}) == {"Checkout": (pt(t0 + 1),)}
    assert feed.flush() == {"ALL": (pt(t0 + 2),), "Checkout": (pt(t0 + 2),)}
    assert list(feed.far_seconds) == [5, 7]  # (a list: mypy narrowed the tuple above)
