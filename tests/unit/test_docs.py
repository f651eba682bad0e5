"""The README says what the code does: examples verbatim, every option and exit code."""

from __future__ import annotations

import argparse
from pathlib import Path

from ci_gate.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_readme_shows_the_tested_examples_verbatim() -> None:
    for name in ("github-workflow.yml", "gitlab-ci.yml", "Jenkinsfile"):
        assert (ROOT / "examples" / name).read_text() in README, name


def test_first_screen_has_the_two_commands() -> None:
    first_screen = "\n".join(README.splitlines()[:12])
    assert "pip install . && ci-gate demo" in first_screen
    assert "pip install '.[test]' && python -m pytest" in first_screen


def test_every_wait_option_and_env_is_documented() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    wait = commands.choices["wait"]
    options = {opt for action in wait._actions for opt in action.option_strings} - {"-h", "--help"}
    for option in options:
        assert f"`{option}" in README, option
    for env in (
        "CI_GATE_LEVEL",
        "CI_GATE_TIMEOUT",
        "CI_GATE_INTERVAL",
        "CI_GATE_REPORT_DIR",
        "CI_GATE_IGNORE",
        "CI_GATE_FAIL_FAST",
        "CI_GATE_STOP_ON_TIMEOUT",
        "CI_GATE_STOP_ON_FAIL",
        "CI_GATE_STOP_ON_CANCEL",
        "BLAZEMETER_API_URL",
        "REQUESTS_CA_BUNDLE",
        "BLAZEMETER_API_KEY_ID",
        "BLAZEMETER_API_KEY_SECRET",
    ):
        assert env in README, env
        assert env in wait.format_help(), env


def test_architecture_names_every_module() -> None:
    for path in (ROOT / "ci_gate").rglob("*.py"):
        if path.name in ("__init__.py",):
            continue
        assert f"`{path.name}`" in README or f"`{path.stem}" in README, path
