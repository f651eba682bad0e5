"""Test configuration: the order the heavy tests run in, and the seed fixture."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support import schedule
from tests.support.helpers import DATA


@pytest.fixture
def seed_body() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((DATA / "seed-status.json").read_text())
    return body


def _estimated_seconds(item: pytest.Item) -> float:
    heavy = item.get_closest_marker("heavy")
    if heavy:
        return float(heavy.args[0])
    return schedule.SLOW_SECONDS if item.get_closest_marker("slow") else schedule.QUICK_SECONDS


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the suite in an order balanced across the xdist workers (tests/support/schedule.py)."""
    workers = getattr(config, "workerinput", {}).get("workercount", 1)
    items[:] = schedule.balanced_order(
        items,
        workers,
        _estimated_seconds,
        lambda item: item.get_closest_marker("heavy") is not None,
    )
