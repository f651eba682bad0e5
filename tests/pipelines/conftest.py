"""Pipeline tests run real CI clients; they are marked and need their tools."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/pipelines/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.pipeline)
            item.add_marker(pytest.mark.slow)
