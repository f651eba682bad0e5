"""The README is true to the tool where a newcomer reads it first (issue 32 item 11):
gate.env's keys, the Action's outputs, the built-in scenarios, and durations like `5m`
wherever a timeout is given (the action's `timeout` input included)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ci_gate.config.options import parse_option
from ci_gate.config.settings import WaitSettings
from ci_gate.report.dotenv import render_dotenv
from ci_gate.simulator.scenario import builtin_names
from tests.support.helpers import make_outcome, master_outcome

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
PARAGRAPHS = [" ".join(part.split()) for part in re.split(r"\n\n|\n- ", README)]


def _named(paragraph: str) -> set[str]:
    return set(re.findall(r"`([^`\s]+)`", paragraph))


def test_every_gate_env_key_is_named_wherever_the_readme_lists_them() -> None:
    outcome = make_outcome(master_outcome(report_url="https://a.blazemeter.com/app/#/masters/1"))
    keys = {line.split("=", 1)[0] for line in render_dotenv(outcome, "abc").splitlines()}
    assert len(keys) == 5
    listing = [
        p
        for p in PARAGRAPHS
        if "gate.env" in p and "`CI_GATE_VERDICT`" in p and "##vso" not in p  # Azure's own
    ]
    assert listing
    for paragraph in listing:
        assert keys <= _named(paragraph), (sorted(keys - _named(paragraph)), paragraph)


def test_every_action_output_is_named_wherever_the_readme_lists_them() -> None:
    outputs = set(ACTION["outputs"])
    assert len(outputs) == 6
    listing = [p for p in PARAGRAPHS if "`junit-path`" in p and "`summary-path`" in p]
    assert listing
    for paragraph in listing:
        assert outputs <= _named(paragraph), (sorted(outputs - _named(paragraph)), paragraph)


def test_every_built_in_scenario_is_listed() -> None:
    [listing] = [p for p in PARAGRAPHS if p.startswith("Built-in scenarios")]
    assert set(builtin_names()) <= _named(listing), sorted(set(builtin_names()) - _named(listing))


def test_a_timeout_takes_minutes_and_the_action_says_so() -> None:
    assert parse_option(WaitSettings, "timeout", "5m") == 300
    assert parse_option(WaitSettings, "timeout", "1h") == 3600
    assert parse_option(WaitSettings, "timeout", "90s") == 90
    described = ACTION["inputs"]["timeout"]["description"]
    assert "5m" in described and "seconds" in described
    gitlab = yaml.safe_load((ROOT / "gitlab-template.yml").read_text().split("\n---\n")[0])
    assert "5m" in gitlab["spec"]["inputs"]["timeout"]["description"]
    [inputs] = [p for p in PARAGRAPHS if "Inputs: `test-id`" in p]
    assert "`timeout` (seconds, or `90s`, `5m`, `1h30m`)" in inputs
