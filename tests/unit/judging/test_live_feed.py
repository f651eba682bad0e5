"""`LiveFeed`: each label's complete seconds, in order, once, from overlapping KPI answers
whose newest second is still filling; and `kpi_timeline`, the capped points of the report.

The property test plays a BlazeMeter that answers from the `from` the feed asks for (or
earlier: overlaps), up to its current second (still filling: provisional values that
change while it is the newest), sometimes with nothing, on a run whose labels have gaps.
The feed's output must equal a naive reference: every second any answer carried, with the
values of the last answer that carried it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate.domain.live import KpiPoint
from ci_gate.judging.live_feed import TIMELINE_CAP, LiveFeed, kpi_timeline


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


def test_a_later_second_of_any_label_completes_every_label() -> None:
    """The newest second is the answer's: a label without a point in it (no hits there)
    is complete up to it, so a label that went quiet is judged, not held back."""
    feed = LiveFeed()
    out = feed.take({"ALL": (pt(5), pt(6)), "Checkout": (pt(5),)})
    assert out == {"ALL": (pt(5),), "Checkout": (pt(5),)}
    # a late point older than what its label released is dropped (order is kept)
    assert feed.take({"Checkout": (pt(4), pt(6))}) == {}
    assert feed.take({"ALL": (pt(7),)}) == {"ALL": (pt(6),), "Checkout": (pt(6),)}


# -- the property -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Poll:
    advance: int  # run seconds the server moved on since the last answer (0: none)
    overlap: int  # seconds before the asked `from` that the server serves again
    empty: bool  # the server answers `result: []` this time
    filling: int  # hits of the still-filling newest second so far


POLLS = st.builds(
    Poll,
    advance=st.integers(0, 8),
    overlap=st.integers(0, 3),
    empty=st.sampled_from([False, False, False, True]),
    filling=st.integers(0, 5),
)


@settings(max_examples=100, deadline=None)
@given(
    length=st.integers(0, 25),
    final=st.lists(st.tuples(st.integers(1, 9), st.booleans()), min_size=25, max_size=25),
    polls=st.lists(POLLS, max_size=30),
    ended=st.booleans(),
)
def test_feed_gives_what_a_naive_reference_gives(
    length: int, final: list[tuple[int, bool]], polls: list[Poll], ended: bool
) -> None:
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
    feed = LiveFeed()
    naive: dict[str, dict[int, KpiPoint]] = {"ALL": {}, "Checkout": {}}
    released: dict[str, list[KpiPoint]] = {"ALL": [], "Checkout": []}
    now = start - 1  # the server's current second (before the run's first)
    asked = []
    for poll in polls + ([Poll(length + 1, 0, False, 0)] if ended else []):
        now = min(now + poll.advance, start + length)  # start + length: the run ended
        asked.append(feed.next_from)
        answer: dict[str, tuple[KpiPoint, ...]] = {}
        if not poll.empty:
            first = max(feed.next_from - poll.overlap, start)
            for label, points in truth.items():
                answer[label] = tuple(
                    points[ts] if ts < now else pt(ts, poll.filling, rt=points[ts].avg_rt)
                    for ts in range(first, min(now, start + length - 1) + 1)
                    if ts in points
                )
                for point in answer[label]:
                    naive[label][point.ts] = point  # the last values any answer gave
        for label, done in feed.take(answer).items():
            released[label] += done
    for label, done in feed.flush().items():
        released[label] += done
    for label in truth:
        assert released[label] == [naive[label][ts] for ts in sorted(naive[label])], label
        if ended:  # an ended run's seconds all come out with their final values
            assert released[label] == list(truth[label].values())
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
