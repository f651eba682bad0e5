"""Test configuration: tool requirements and the seed fixture."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.helpers import DATA


@pytest.fixture
def seed_body() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((DATA / "seed-status.json").read_text())
    return body
