"""The README says what the code does: examples verbatim, every option and exit code."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ci_gate.cli.parser import build_parser
from ci_gate.config.options import Option, options_of
from ci_gate.config.settings import ApiSettings, HttpSettings, WaitSettings
from tests.support.helpers import first_screen_commands

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_readme_shows_the_tested_examples_verbatim() -> None:
    for name in (
        "github-workflow.yml",
        "github-workflow-wait.yml",
        "github-workflow-pr.yml",
        "gitlab-ci.yml",
        "azure-pipelines.yml",
        "Jenkinsfile",
    ):
        assert (ROOT / "examples" / name).read_text() in README, name


def test_first_screen_has_the_two_commands() -> None:
    assert README.index("```sh") < len("\n".join(README.splitlines()[:12]))
    demo, tests = first_screen_commands()
    assert demo.startswith("python3 -m venv .venv && ") and demo.endswith("ci-gate demo")
    assert tests.startswith("python3 -m venv .venv && ") and "-m pytest" in tests


def test_ci_runs_the_readmes_test_command_as_written() -> None:
    """`.ci/run` takes the test command from the README's first screen and runs it as it is,
    with no venv activated: what it extracts is the command, and nothing activates one."""
    ci = (ROOT / ".ci" / "run").read_text()
    (extract,) = [line for line in ci.splitlines() if line.startswith("test_command=$(")]
    done = subprocess.run(
        ["bash", "-c", f'{extract}\nprintf %s "$test_command"'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == first_screen_commands()[1]
    assert 'bash -c "$test_command"' in ci
    code = [line for line in ci.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in code if "activate" in line]


def _table_rows(heading: str) -> dict[str, list[str]]:
    """The rows of the first table under a README heading, keyed by their first cell."""
    section = README.split(heading, 1)[1]
    rows: dict[str, list[str]] = {}
    started = False
    for line in section.splitlines():
        if line.startswith("|"):
            started = True
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            rows[cells[0]] = cells
        elif started:
            break
    return rows


def _code(text: str | None) -> str:
    return f"`{text}`" if text else ""


def _flag_cell(opt: Option) -> str:
    shown = f"`{opt.flag} {opt.metavar}`" if opt.metavar else f"`{opt.flag}`"
    return shown + (" (repeatable)" if opt.repeatable else "")


def _default_cell(opt: Option) -> str:
    return _code(opt.default) if opt.default is not None else opt.shown_default


@pytest.mark.parametrize("cls", [WaitSettings, ApiSettings])
def test_readme_option_table_matches_the_declarations(cls: type) -> None:
    rows = _table_rows("## `ci-gate wait`")
    help_text = " ".join(_subcommand("wait").format_help().split())
    for opt in options_of(cls):
        if opt.flag is None:
            continue
        row = rows.get(_flag_cell(opt))
        assert row is not None, f"README has no row for {opt.flag}"
        env_cell = f"{_code(opt.env)} (newline-separated)" if opt.repeatable else opt.env_shown
        if not opt.repeatable:
            env_cell = _code(env_cell)
        assert row[1:3] == [env_cell, _default_cell(opt)], opt.flag
        assert opt.flag in help_text and (opt.env is None or opt.env in help_text), opt.flag


def test_readme_tuning_table_matches_the_declarations() -> None:
    rows = _table_rows("## Tuning")
    for cls in (WaitSettings, HttpSettings):
        for opt in options_of(cls):
            if opt.flag is None:
                row = rows.get(_code(str(opt.env)))
                assert row is not None, f"README's tuning table has no row for {opt.env}"
                assert row[1] == _code(str(opt.default)), opt.env


def test_every_documented_wait_flag_exists() -> None:
    known = {opt for action in _subcommand("wait")._actions for opt in action.option_strings}
    for cell in _table_rows("## `ci-gate wait`"):
        flag = cell.strip("`").split()[0]
        if flag.startswith("--") and flag.strip("-"):
            assert flag in known, flag


def _subcommand(name: str) -> argparse.ArgumentParser:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    chosen: argparse.ArgumentParser = commands.choices[name]
    return chosen


def test_the_architecture_names_every_module_and_package() -> None:
    """docs/ARCHITECTURE.md stays true to the code: every package and module is named."""
    architecture = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    for path in (ROOT / "ci_gate").rglob("*.py"):
        if path.name == "__init__.py":
            assert f"`{path.parent.name}/`" in architecture or path.parent.name == "ci_gate", path
            continue
        if path.name == "__main__.py":
            continue
        named = (f"`{path.name}`", f"`{path.stem}`", f"`{path.parent.name}.{path.stem}`")
        assert any(name in architecture for name in named), path


def test_the_architecture_draws_the_layers_of_the_import_contract() -> None:
    """The picture's staircase is the one import-linter enforces."""
    architecture = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    contract = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in contract["contracts"] if c["type"] == "layers")["layers"]
    drawn = architecture.split("```\n", 1)[1].split("```", 1)[0].split("\n", 1)[0]
    names = [part.strip() for part in drawn.split("─►")]
    expected = [layer.replace("ci_gate.", "").replace(" | ", ", ") for layer in layers]
    assert names == expected


def test_no_module_is_over_300_lines_without_a_reason_at_its_top() -> None:
    for path in (ROOT / "ci_gate").rglob("*.py"):
        text = path.read_text()
        if text.count("\n") > 300:
            head = text.split('"""', 2)[1] if text.startswith('"""') else ""
            reason = " ".join(head.split())  # the words, however the lines wrap
            assert "300 lines on purpose" in reason, f"{path}: over 300 lines, no reason given"
