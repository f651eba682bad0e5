"""docs/ARCHITECTURE.md's checkable claims, checked against the code (issue 30 item 10):
what the simulator and `ci-gate simulate` import, where the CI is recognised, where a
verdict is chosen, and the import contract that keeps the simulator apart."""

from __future__ import annotations

import ast
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


def _imported(path: Path) -> set[str]:
    """The gate's modules `path` imports, without the `ci_gate.` prefix."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
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
    """One function recognises GitHub, GitLab and Azure; Jenkins is told apart only for
    the provenance note."""
    owners = {
        "GITHUB_ACTIONS": {"ci/__init__.py"},
        "GITLAB_CI": {"ci/__init__.py"},
        "TF_BUILD": {"ci/__init__.py"},
        "JENKINS_URL": {"ci/provenance.py"},
    }
    for variable, expected in owners.items():
        naming = {
            str(path.relative_to(PACKAGE))
            for path in PACKAGE.rglob("*.py")
            if f'"{variable}"' in path.read_text()
        }
        assert naming == expected, variable
    assert "(Jenkins only by name: `provenance.py` tells its build from `JENKINS_URL`" in (
        ARCHITECTURE
    )


def _chooses_a_verdict(path: Path) -> bool:
    """Whether code in `path` (not a module-level table) picks a `Verdict` member, other
    than to compare one."""
    tree = ast.parse(path.read_text())
    compared = {
        id(node)
        for compare in ast.walk(tree)
        if isinstance(compare, ast.Compare)
        for node in ast.walk(compare)
    }
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
                return True
    return False


def test_a_verdict_is_chosen_only_where_the_architecture_names() -> None:
    """`combine._verdict` decides a master's verdict, `run_outcome.run_verdict` the run's
    on every path (the wait's end, a late signal, lost reports, a run that never got to
    its wait, a signal with no outcome); `criteria.py` BlazeMeter's own,
    `verdict.worst_verdict` the worst of several (issue 30 item 2)."""
    choosing = {
        str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py") if _chooses_a_verdict(path)
    }
    assert choosing == {
        "judging/combine.py",
        "judging/run_outcome.py",
        "judging/criteria.py",
        "domain/verdict.py",
    }
    for where in ("`combine._verdict`", "`run_outcome.run_verdict`", "`cancelled_late`"):
        assert where in ARCHITECTURE
    assert "no other module picks a `Verdict`" in ARCHITECTURE


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
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and ast.unparse(node) in CLOCKS:
                uses.append(f"{path.name}: {ast.unparse(node)}")
    assert uses == ["policy.py: time.monotonic"]
    assert "EventPolicy(self.plan.level, self.plan.ignore, clock=self.clock)" in (
        (PACKAGE / "wait" / "loop.py").read_text()
    )
