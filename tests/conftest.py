"""Test configuration: tool requirements and the seed fixture."""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

import pytest

from tests.helpers import DATA


def require_tool(name: str) -> str:
    """A CI tool's path; skipped locally when missing, a failure in CI (CI_GATE_REQUIRE_TOOLS=1)."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (.ci/run installs it)"
    if os.environ.get("CI_GATE_REQUIRE_TOOLS") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def seed_body() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((DATA / "seed-status.json").read_text())
    return body
