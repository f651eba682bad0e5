"""Test configuration: the order the heavy tests run in, and the seed fixture."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.helpers import DATA


@pytest.fixture
def seed_body() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((DATA / "seed-status.json").read_text())
    return body


def _heavy_seconds(item: pytest.Item) -> float:
    marker = item.get_closest_marker("heavy")
    return float(marker.args[0]) if marker else 0.0


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Spread the heavy tests evenly through the order, the longest first.

    pytest-xdist's worksteal gives each worker a contiguous share of this order and lets an
    idle worker take the second half of a busy one's queue. Collected as they are, the
    pipeline tests sit together: one share holds them all, and they end up running at the
    same time, fighting for the two cores while the tests that wait on real seconds leave
    them idle elsewhere. Spread out, each worker meets one every so often, beside the rest.
    (A pure reordering: every worker computes the same order, as xdist requires.)"""
    heavy = sorted(
        (item for item in items if _heavy_seconds(item)), key=_heavy_seconds, reverse=True
    )
    if not heavy:
        return
    rest = iter([item for item in items if not _heavy_seconds(item)])
    places = {len(items) * index // len(heavy): item for index, item in enumerate(heavy)}
    items[:] = [places[index] if index in places else next(rest) for index in range(len(items))]
