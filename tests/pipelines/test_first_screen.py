"""The README's first-screen demo command, copied verbatim, in a fresh copy of the project,
under Debian's own externally-managed system Python (`/usr/bin/python3`, whose stdlib
carries the EXTERNALLY-MANAGED marker that makes a bare `pip install` fail)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.helpers import first_screen_commands, tracked_copy

DEBIAN_PYTHON = Path("/usr/bin/python3")


def _debian_python() -> Path:
    marker = (
        Path(
            subprocess.run(
                [str(DEBIAN_PYTHON), "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
        / "EXTERNALLY-MANAGED"
    )
    if not marker.exists():
        message = f"{DEBIAN_PYTHON} is not externally managed (no {marker})"
        if os.environ.get("CI_GATE_REQUIRE_TOOLS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return DEBIAN_PYTHON


@pytest.fixture
def debian_shell(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    if not DEBIAN_PYTHON.exists():
        message = f"{DEBIAN_PYTHON} (Debian's python3) is not installed"
        if os.environ.get("CI_GATE_REQUIRE_TOOLS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    python = _debian_python()
    only_python = tmp_path / "bin"
    only_python.mkdir()
    (only_python / "python3").symlink_to(python)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VIRTUAL_ENV", "PYTHON", "CI_GATE_", "BLAZEMETER_", "PIP_"))
    }
    env["PATH"] = f"{only_python}:/usr/bin:/bin"
    return tracked_copy(tmp_path / "clone"), env


def test_a_bare_pip_install_is_refused_there(debian_shell: tuple[Path, dict[str, str]]) -> None:
    """The check that the setup is the one users meet: the old first command fails."""
    clone, env = debian_shell
    done = subprocess.run(
        ["bash", "-c", "python3 -m pip install ."],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode != 0 and "externally-managed-environment" in done.stderr, done.stderr


@pytest.mark.heavy(15)
def test_the_first_screen_demo_command_works_verbatim(
    debian_shell: tuple[Path, dict[str, str]],
) -> None:
    """The demo command, as a newcomer pastes it on Debian or Ubuntu. (The test command is
    the one `.ci/run` runs verbatim on a clean clone, taken from this README, which
    test_ci_runs_the_readmes_test_command_as_written checks: running it again from inside
    the suite it starts would only repeat that install.)"""
    clone, env = debian_shell
    demo, _tests = first_screen_commands()
    done = subprocess.run(
        ["bash", "-c", demo],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ci-gate: passed" in done.stdout
    assert (clone / "ci-gate-report" / "junit.xml").exists()
