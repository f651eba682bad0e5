"""The suite's own order (tests/support/schedule.py): a permutation, balanced, spread."""

from __future__ import annotations

import itertools

from tests.support.schedule import balanced_order, share_sizes

#: name, estimated seconds, heavy: the suite's shape (a few heavy, many slow, most quick)
ITEMS = (
    [(f"heavy{n}", 45.0 if n == 0 else 15.0, True) for n in range(9)]
    + [(f"slow{n}", 3.0 + n % 7, False) for n in range(190)]
    + [(f"quick{n}", 0.05, False) for n in range(480)]
)


def _shares(
    order: list[tuple[str, float, bool]], workers: int
) -> list[list[tuple[str, float, bool]]]:
    shares, start = [], 0
    for size in share_sizes(len(order), workers):
        shares.append(order[start : start + size])
        start += size
    return shares


def test_the_order_is_the_same_tests_in_worksteals_share_sizes() -> None:
    assert share_sizes(679, 4) == [169, 170, 170, 170]  # xdist: len(pending) // nodes left
    order = balanced_order(ITEMS, 4, lambda item: item[1], lambda item: item[2])
    assert sorted(order) == sorted(ITEMS)
    assert balanced_order(ITEMS, 4, lambda item: item[1], lambda item: item[2]) == order


def test_each_share_has_its_part_of_the_time_and_of_the_heavy_tests() -> None:
    order = balanced_order(ITEMS, 4, lambda item: item[1], lambda item: item[2])
    shares = _shares(order, 4)
    loads = [sum(item[1] for item in share) for share in shares]
    assert max(loads) - min(loads) <= 15.0  # within one heavy test of each other
    heavy_time = [sum(item[1] for item in share if item[2]) for share in shares]
    assert min(heavy_time) >= 15.0 and max(heavy_time) - min(heavy_time) <= 30.0, heavy_time


def test_a_shares_heavy_tests_are_spread_through_it_after_its_quick_ones() -> None:
    order = balanced_order(ITEMS, 4, lambda item: item[1], lambda item: item[2])
    starts = []
    for share in _shares(order, 4):
        assert all(
            item[1] < 0.1 for item in share[: share.index(next(i for i in share if i[1] >= 0.1))]
        )
        elapsed, heavy_at = 0.0, []
        for _name, seconds, heavy in share:
            if heavy:
                heavy_at.append(elapsed)
            elapsed += seconds
        gaps = [later - earlier for earlier, later in itertools.pairwise(heavy_at)]
        assert all(gap >= 30 for gap in gaps), heavy_at  # never two heavy tests back to back
        starts.append(heavy_at[0])
    assert len(set(starts)) == 4  # offset from one share to the next, not all at once


def test_one_worker_keeps_every_test_and_a_quick_lane_keeps_its_order() -> None:
    order = balanced_order(ITEMS, 1, lambda item: item[1], lambda item: item[2])
    assert sorted(order) == sorted(ITEMS)
    quick = [item for item in ITEMS if not item[2] and item[1] < 1]
    assert balanced_order(quick, 4, lambda item: item[1], lambda item: item[2]) == quick
