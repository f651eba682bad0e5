"""docs/ARCHITECTURE.md's checkable claims, checked against the code (issue 30 item 10):
what the simulator and `ci-gate simulate` import, where the CI is recognised, where a
verdict is chosen, and the import contract that keeps the simulator apart."""

from __future__ import annotations

import ast
import functools
import importlib
import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "ci_gate"
ARCHITECTURE = " ".join((ROOT / "docs" / "ARCHITECTURE.md").read_text().split())
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "contracts"
]


@functools.cache
def _tree(path: Path) -> ast.Module:
    """A module's syntax tree, parsed once for all the checks of this file."""
    return ast.parse(path.read_text())


def _imported(path: Path) -> set[str]:
    """The gate's modules `path` imports, without the `ci_gate.` prefix."""
    found = set()
    for node in ast.walk(_tree(path)):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        found |= {name.removeprefix("ci_gate.") for name in names if name.startswith("ci_gate.")}
    return found


def _named(sentence: str) -> set[str]:
    """The gate's modules and packages a sentence names in backticks."""
    names = set(re.findall(r"`([a-z_.]+)`", sentence))
    return {
        name
        for name in names
        if (PACKAGE / name.replace(".", "/")).is_dir()
        or (PACKAGE / (name.replace(".", "/") + ".py")).is_file()
    }


def test_the_simulator_imports_the_modules_the_architecture_draws_and_no_other() -> None:
    [drawn] = re.findall(r"simulator ─► ([a-z_, ]+) \(a separate program\)", ARCHITECTURE)
    imported = set()
    for path in (PACKAGE / "simulator").rglob("*.py"):
        imported |= {name.split(".")[0] for name in _imported(path)}
    assert imported - {"simulator"} == {name.strip() for name in drawn.split(",")}
    [said] = re.findall(r"Of the gate it imports only the API's facts (.*?)\.", ARCHITECTURE)
    assert _named(said) == imported - {"simulator"}


def test_simulate_imports_of_the_gate_what_the_architecture_says() -> None:
    [said] = re.findall(
        r"`simulate.py` \(the simulator alone: of the gate it imports only (.*?) \(", ARCHITECTURE
    )
    imported = _imported(PACKAGE / "commands" / "simulate.py")
    assert _named(said) == {name for name in imported if not name.startswith("simulator")}


def test_the_simulators_contract_forbids_every_layer_of_the_gate_above_domain() -> None:
    """ "The simulator imports nothing of the gate but `domain` (and the bottom modules)",
    kept by import-linter for every layer there is, a new one included."""
    layers = next(c for c in CONTRACTS if c["type"] == "layers")["layers"]
    above_domain = layers[: layers.index("ci_gate.domain")]
    simulator = next(c for c in CONTRACTS if c.get("source_modules") == ["ci_gate.simulator"])
    assert set(simulator["forbidden_modules"]) == set(above_domain)


def test_only_ci_detect_names_the_variables_that_tell_the_ci() -> None:
    """One function recognises GitHub, GitLab, Azure and (for the provenance note only)
    Jenkins: `config.ci_env.detect_ci`."""
    owners = {
        "GITHUB_ACTIONS": {"config/ci_env.py"},
        "GITLAB_CI": {"config/ci_env.py"},
        "TF_BUILD": {"config/ci_env.py"},
        "JENKINS_URL": {"config/ci_env.py"},
    }
    for variable, expected in owners.items():
        naming = {
            str(path.relative_to(PACKAGE))
            for path in PACKAGE.rglob("*.py")
            if f'"{variable}"' in path.read_text()
        }
        assert naming == expected, variable
    assert "(Jenkins only by name: `config.ci_env` tells its build from `JENKINS_URL`" in (
        ARCHITECTURE
    )


def _calls(path: Path, name: str) -> int:
    """How many calls of a function named `name` (bare or as an attribute) `path` makes."""
    count = 0
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Call):
            called = node.func
            if (isinstance(called, ast.Name) and called.id == name) or (
                isinstance(called, ast.Attribute) and called.attr == name
            ):
                count += 1
    return count


def test_the_ci_is_detected_once_per_process_where_the_context_is_built() -> None:
    """ "The CI is detected once": `detect_ci` is called only by `resolve_context`, and
    that only by `cli.main`, once (issue 30 item 1)."""
    for name, caller in (("detect_ci", "config/context.py"), ("resolve_context", "cli/main.py")):
        calling = {
            str(path.relative_to(PACKAGE)): _calls(path, name)
            for path in PACKAGE.rglob("*.py")
            if _calls(path, name)
        }
        assert calling == {caller: 1}, name
    assert "`cli.main` reads the environment once" in ARCHITECTURE


#: Where the environment may be read: the command line, and the config that resolves it.
READS_THE_ENVIRONMENT = ("cli", "config")


def _environment_reads(path: Path) -> list[str]:
    """Each read of the process environment in `path`: `os.environ`, `os.getenv`,
    `os.environb`, and the same names imported from `os`; and each parameter named `env`
    (a raw mapping of variables handed down)."""
    found = []
    for node in ast.walk(_tree(path)):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and node.attr in ("environ", "environb", "getenv", "getenvb")
        ):
            found.append(f"line {node.lineno}: os.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            names = {alias.name for alias in node.names}
            found += [
                f"line {node.lineno}: from os import {name}"
                for name in names & {"environ", "environb", "getenv", "getenvb"}
            ]
        elif isinstance(node, ast.arg) and node.arg == "env":
            found.append(f"line {node.lineno}: a parameter named env")
    return found


def test_nothing_below_cli_and_config_reads_the_environment() -> None:
    """ "Below `cli/` and `config/`, nothing reads `os.environ`" nor is handed a raw
    mapping of the environment: they receive the context `cli.main` built (issue 30 item
    1). The simulator, a separate program, reads none either."""
    reads = {
        str(path.relative_to(PACKAGE)): found
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] not in READS_THE_ENVIRONMENT
        and (found := _environment_reads(path))
    }
    assert reads == {}


def test_the_environment_check_sees_every_way_of_reading_it(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\nfrom os import getenv, path\n"
        "def f(env):\n    return os.environ.get('X') or os.getenv('Y') or getenv('Z')\n"
    )
    assert len(_environment_reads(sample)) == 4


def _functions_choosing_a_verdict(path: Path) -> set[str]:
    """The functions in `path` whose code (not a module-level table) picks a `Verdict`
    member, other than to compare one."""
    tree = _tree(path)
    compared = {
        id(node)
        for compare in ast.walk(tree)
        if isinstance(compare, ast.Compare)
        for node in ast.walk(compare)
    }
    choosing = set()
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "Verdict"
                and node.attr.isupper()
                and id(node) not in compared
            ):
                choosing.add(function.name)
    return choosing


def test_a_verdict_is_chosen_only_where_the_architecture_names() -> None:
    """`combine._verdict` decides a master's verdict, `run_outcome.run_verdict` the run's
    on every path (the wait's end, a late signal, lost reports, a run that never got to
    its wait, a signal with no outcome); `criteria.py` BlazeMeter's own,
    `verdict.worst_verdict` the worst of several (issue 30 item 2)."""
    choosing = {
        str(path.relative_to(PACKAGE)): functions
        for path in PACKAGE.rglob("*.py")
        if (functions := _functions_choosing_a_verdict(path))
    }
    assert choosing == {
        # a master's: `_verdict`, over how its watch ended and what the end reads found
        "judging/combine.py": {"_verdict", "_by_ending", "_end_verdict"},
        "judging/run_outcome.py": {"run_verdict"},
        "judging/criteria.py": {"judge"},
        "domain/verdict.py": {"worst_verdict"},
    }
    for where in ("`combine._verdict`", "`run_outcome.run_verdict`", "`cancelled_late`"):
        assert where in ARCHITECTURE
    assert "no other module picks a `Verdict`" in ARCHITECTURE


def test_one_conclusion_writes_the_reports_and_changes_the_outcome_after_the_wait() -> None:
    """Issue 30 item 2: outside `report/` (which defines it), only `commands/conclude.py`
    writes the report set, and only it re-labels a concluded run (a late signal, lost
    reports) or adds what the stops after a cancel sent; the loop hands those back."""
    after_the_wait = {"write_reports", "cancelled_late", "reports_lost", "_stopped"}
    callers = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if not str(path.relative_to(PACKAGE)).startswith("report/")
        and any(_calls(path, name) for name in after_the_wait)
    }
    assert callers == {"commands/conclude.py"}
    assert "`conclude.py` is the one conclusion of a run" in ARCHITECTURE


def test_a_signal_after_the_wait_is_read_in_one_place() -> None:
    """Issue 30 item 2 (attacks A #2, B #1 #4 #5): after the wait, the conclusion reads
    the guard's received signal once, at the top of its loop, so every step (a write, the
    comment, the CI outputs, the closing lines, the stops) is followed by that one check;
    the commands that hand it the outcome never decide on a signal themselves."""
    source = (PACKAGE / "commands" / "conclude.py").read_text()
    assert source.count(".received") == 1
    for command in ("wait.py", "run.py"):
        assert ".received is None or" not in (PACKAGE / "commands" / command).read_text()
    assert "stop_on_cancel" not in (PACKAGE / "commands" / "wait.py").read_text()
    assert "concluded step by step until nothing changes it" in ARCHITECTURE


#: the ways Python reads or waits on a clock
CLOCKS = {
    "time.time",
    "time.monotonic",
    "time.perf_counter",
    "time.sleep",
    "datetime.now",
    "datetime.utcnow",
    "date.today",
}


def test_judging_reads_no_clock_but_the_one_it_is_given() -> None:
    """ "No I/O, and no clock it picks itself": the only mention of the time module in
    `judging/` is the policy's default clock; the loop passes its own."""
    uses = []
    for path in (PACKAGE / "judging").rglob("*.py"):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Attribute) and ast.unparse(node) in CLOCKS:
                uses.append(f"{path.name}: {ast.unparse(node)}")
    assert uses == ["policy.py: time.monotonic"]
    assert "EventPolicy(self.plan.level, self.plan.ignore, clock=self.clock)" in (
        (PACKAGE / "wait" / "loop.py").read_text()
    )


def test_commands_ci_and_the_wait_read_no_clock_but_the_contexts() -> None:
    """Issue 30 item 5: nothing in `commands/`, `ci/` and `wait/` calls the time module or
    `datetime.now` itself: the time is read on the context's clock (`ci_gate.clock`), which
    `cli.main` builds once and the commands hand to what they build (the time module's
    functions are only defaults, for a caller that gives none)."""
    calls = []
    for folder in ("commands", "ci", "wait"):
        for path in (PACKAGE / folder).rglob("*.py"):
            for node in ast.walk(_tree(path)):
                if isinstance(node, ast.Call) and ast.unparse(node.func) in CLOCKS:
                    calls.append(f"{folder}/{path.name}: {ast.unparse(node.func)}")
    assert calls == []
    assert "clock: Clock = REAL_CLOCK" in (PACKAGE / "config" / "context.py").read_text()
    assert "Time is injected (issue 30 item 5)" in ARCHITECTURE


def _resolve(path: str) -> tuple[str, list[str]]:
    """The longest importable module of a dotted path, and the attributes after it."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            module = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        target: object = module
        for name in parts[cut:]:
            target = getattr(target, name)
        return ".".join(parts[:cut]), parts[cut:]
    raise AssertionError(path)


def test_each_thing_item_8_moved_is_where_the_architecture_says() -> None:
    """Issue 30 item 8: every `ci_gate...` path the rooms paragraph names exists, and no
    other module defines a top-level thing of the same name."""
    [said] = re.findall(
        r"Each room is named for what it holds \(issue 30 item 8\): (.*?)\.\s", ARCHITECTURE
    )
    paths = re.findall(r"`(ci_gate(?:\.[A-Za-z_]+)+)`", said)
    assert len(paths) == 8
    homes = {}
    for path in paths:
        module, names = _resolve(path)
        if names:
            homes[names[0]] = module
    for file in PACKAGE.rglob("*.py"):
        module = ".".join(("ci_gate", *file.relative_to(PACKAGE).with_suffix("").parts))
        for node in _tree(file).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in homes:
                assert module == homes[node.name], (node.name, module)


def test_each_of_issue_30s_points_names_a_home_and_a_check_that_exist() -> None:
    """The ten points' index: every `ci_gate...` path resolves, every test it names is
    defined in its file, and each of the ten names at least one of them."""
    [section] = re.findall(
        r"## Where each of issue 30's ten points lives(.*?)(?:\n## |\Z)",
        (ROOT / "docs" / "ARCHITECTURE.md").read_text(),
        flags=re.S,
    )
    points = re.split(r"\n\d+\. ", section)[1:]
    assert len(points) == 10
    for point in points[:8]:
        assert re.search(r"`(?:ci_gate\.|tests/)", point), point[:60]
    for path in re.findall(r"`(ci_gate(?:\.[A-Za-z_]+)+)`", section):
        _resolve(path)
    for file, test in re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", section):
        source = (ROOT / file).read_text()
        assert re.search(rf"^def {test}\(", source, flags=re.M), f"{file}::{test}"
