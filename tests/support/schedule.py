"""The order the suite runs in under pytest-xdist's worksteal, from rough time estimates.

Worksteal cuts the order into one contiguous share per worker and lets an idle worker take
the second half of a busy one's queue. Left in collection order, the shares are uneven in
time (the end-to-end tests together, the quick unit tests together) and the heavy pipeline
tests (a venv, an install, a CI client: tens of CPU seconds each) sit in one share and end
up running at once, fighting for two cores while elsewhere tests that wait on real seconds
leave them idle. So: the tests that take time go to the shares longest first, each to the
share with the least estimated time (and room left); each share starts with its quick
tests, then runs its timed tests with its heavy ones spread through them, offset from one
share to the next, so that the heavy tests overlap the waiting ones rather than each other.
A pure reordering, the same in every worker (xdist checks that they collected alike).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")

#: Estimated seconds of a test marked slow (real processes, real seconds) and of the rest.
SLOW_SECONDS = 3.0
QUICK_SECONDS = 0.1


def share_sizes(count: int, workers: int) -> list[int]:
    """How many tests worksteal's first cut gives each worker (its own arithmetic)."""
    sizes = []
    left = count
    for index in range(workers):
        sizes.append(left // (workers - index))
        left -= sizes[-1]
    return sizes


def _spread(
    heavy: list[Item], timed: list[Item], seconds: Callable[[Item], float], phase: float
) -> list[Item]:
    """`timed` in order with the `heavy` ones inserted at even intervals of estimated time,
    the first `phase` (0 to 1) of an interval in."""
    total = sum(map(seconds, heavy)) + sum(map(seconds, timed))
    gap = total / len(heavy) if heavy else 0.0
    order: list[Item] = []
    elapsed = 0.0
    pending = list(heavy)
    for item in timed:
        while pending and elapsed >= gap * (len(heavy) - len(pending) + phase):
            elapsed += seconds(pending[0])
            order.append(pending.pop(0))
        order.append(item)
        elapsed += seconds(item)
    return order + pending


def balanced_order(
    items: Sequence[Item],
    workers: int,
    seconds: Callable[[Item], float],
    heavy: Callable[[Item], bool],
) -> list[Item]:
    """`items` reordered for `workers` worksteal shares (see the module's docstring)."""
    timed = sorted(
        (item for item in items if seconds(item) > QUICK_SECONDS), key=seconds, reverse=True
    )
    quick = iter([item for item in items if seconds(item) <= QUICK_SECONDS])
    sizes = share_sizes(len(items), workers)
    shares: list[list[Item]] = [[] for _ in sizes]
    loads = [0.0] * len(sizes)
    for item in timed:
        least = min(
            (k for k in range(len(sizes)) if len(shares[k]) < sizes[k]), key=loads.__getitem__
        )
        shares[least].append(item)
        loads[least] += seconds(item)
    order: list[Item] = []
    for index, members in enumerate(shares):
        order += [next(quick) for _ in range(sizes[index] - len(members))]
        order += _spread(
            [item for item in members if heavy(item)],
            [item for item in members if not heavy(item)],
            seconds,
            phase=(index + 0.5) / len(shares),
        )
    return order
