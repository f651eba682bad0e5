"""Pipeline tests run real CI clients; they are marked and need their tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import wheel


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/pipelines/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.pipeline)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def checkout_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout as a wheel, built once for the whole session (tests/support/wheel.py)."""
    return wheel.checkout_wheel(tmp_path_factory)
