"""The CI tools a test needs: found, or skipped with the reason (a failure in CI)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest


def require_tool(name: str) -> str:
    """A CI tool's path, looked for beside the running Python first (the venv need not be
    active); skipped locally when missing, a failure in CI (CI_GATE_REQUIRE_TOOLS=1)."""
    beside = Path(sys.executable).parent / name  # a tool from the test extra, in the venv
    if beside.is_file():
        return str(beside)
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (.ci/run installs it)"
    if os.environ.get("CI_GATE_REQUIRE_TOOLS") == "1":
        pytest.fail(message)
    pytest.skip(message)
