"""This checkout built into a wheel once per test session, for the pipeline tests whose
subject is a template's or the Jenkinsfile's own steps (make a venv, pip-install the package
named, run the gate), not pip building this source tree: each of those runs would otherwise
build it again in an isolated environment. The source build stays tested where it is the
subject: the GitLab run without git builds the release archive, the action its checkout."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.helpers import tracked_copy


def _session_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every xdist worker of this session shares (and no other session does)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def checkout_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of this checkout's tracked files: built by the first worker to ask, under a
    lock, and reused by the rest."""
    folder = _session_folder(tmp_path_factory) / "ci-gate-wheel"
    folder.mkdir(exist_ok=True)
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = sorted(folder.glob("*.whl"))
        if built:
            return built[0]
        source = tracked_copy(folder / "source")
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "--disable-pip-version-check",
                "-w",
                str(folder),
                str(source),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"building the wheel of this checkout: {done.stderr}"
        (wheel,) = folder.glob("*.whl")
        return wheel
