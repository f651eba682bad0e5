"""The examples run as pasted: every variable one reads is defined in it (or is a secret or
setting the file and the README tell the user to create), and each master id is handed from
the step that starts the run to the one that waits for it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_gate.config.fail_on import parse_fail_on
from ci_gate.config.fail_on_units import parse_warmup
from ci_gate.config.settings import check_live_criteria

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
GITHUB = sorted(EXAMPLES.glob("github-workflow*.yml"))
GITLAB = sorted(EXAMPLES.glob("gitlab-ci*.yml"))
AZURE = EXAMPLES / "azure-pipelines.yml"

ENV_READ = re.compile(r"\$\{\{\s*env\.(\w+)\s*\}\}")
NEEDS_READ = re.compile(r"\$\{\{\s*needs\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}")
STEPS_READ = re.compile(r"\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}")
SHELL_READ = re.compile(r"\$\{?([A-Za-z_]\w*)")
MACRO_READ = re.compile(r"\$\(([\w.]+)\)")
#: What the runners set for every step themselves.
GITHUB_RUNNER_ENV = {"RUNNER_TEMP", "GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_WORKSPACE"}
AZURE_AGENT_ENV = {
    "AGENT_TEMPDIRECTORY",
    "BUILD_SOURCESDIRECTORY",
    "SYSTEM_DEFAULTWORKINGDIRECTORY",
}
#: The secret variables the Azure example tells the user to add (secrets live in the
#: pipeline's settings, never in the file).
AZURE_SECRETS = {"BLAZEMETER_API_KEY_ID", "BLAZEMETER_API_KEY_SECRET"}
ACTION_OUTPUTS = set(yaml.safe_load((ROOT / "action.yml").read_text())["outputs"])


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


@pytest.mark.parametrize("example", GITHUB, ids=[p.name for p in GITHUB])
def test_every_github_example_defines_what_it_reads(example: Path) -> None:
    workflow = _load(example)
    top = dict(workflow.get("env") or {})
    for name in ENV_READ.findall(" ".join(_strings(top))):
        pytest.fail(f"the workflow's env reads env.{name}, which it cannot")
    for job_name, job in workflow["jobs"].items():
        job_env = {**top, **(job.get("env") or {})}
        for name in ENV_READ.findall(" ".join(_strings(job.get("env") or {}))):
            assert name in top, (job_name, name)
        needs = job.get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        for text in _strings({k: v for k, v in job.items() if k != "steps"}):
            for other, output in NEEDS_READ.findall(text):
                assert other in needs, (job_name, other)
                assert output in (workflow["jobs"][other].get("outputs") or {}), (other, output)
        ids: dict[str, dict[str, Any]] = {}
        for step in job["steps"]:
            visible = {**job_env, **(step.get("env") or {})}
            for text in _strings(step):
                for name in ENV_READ.findall(text):
                    assert name in visible, f"{example.name}: {job_name} reads env.{name}"
                for other, output in NEEDS_READ.findall(text):
                    assert other in needs, (job_name, other)
                    assert output in (workflow["jobs"][other].get("outputs") or {}), output
                for step_id, output in STEPS_READ.findall(text):
                    assert step_id in ids, f"{job_name} reads steps.{step_id} before it runs"
                    _assert_step_sets(ids[step_id], output)
            for name in SHELL_READ.findall(step.get("run", "")):
                assert name in visible or name in GITHUB_RUNNER_ENV, (job_name, name)
            if "id" in step:
                ids[step["id"]] = step
        for text in _strings(job.get("outputs") or {}):
            for step_id, output in STEPS_READ.findall(text):
                assert step_id in ids, (job_name, step_id)
                _assert_step_sets(ids[step_id], output)


def _assert_step_sets(step: dict[str, Any], output: str) -> None:
    """Our action sets its declared outputs; a `ci-gate start` step sets `master-id`."""
    if str(step.get("uses", "")).startswith("ci-gate/ci-gate@"):
        assert output in ACTION_OUTPUTS, output
    else:
        assert output == "master-id" and 'ci-gate" start' in step["run"], (step, output)


@pytest.mark.parametrize("example", GITHUB, ids=[p.name for p in GITHUB])
def test_every_github_example_keeps_the_reports_and_stops_on_cancel(example: Path) -> None:
    workflow = _load(example)
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    (gate,) = [s for s in steps if str(s.get("uses", "")).startswith("ci-gate/ci-gate@")]
    assert gate["with"]["stop-on-cancel"] == "true"
    assert gate["with"]["api-url"] == "${{ env.BLAZEMETER_API_URL }}"
    (upload,) = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert upload["if"] == "always()" and upload["with"]["path"] == "ci-gate-report/"
    assert steps.index(upload) == steps.index(gate) + 1
    master = gate["with"].get("master-id")
    assert master is None or master.startswith("${{ needs."), "a master id from a start job"


@pytest.mark.parametrize("example", GITLAB, ids=[p.name for p in GITLAB])
def test_every_gitlab_example_reads_only_variables_it_or_the_readme_defines(
    example: Path,
) -> None:
    pipeline = _load(example)
    defined = set(pipeline.get("variables") or {})
    readme = (ROOT / "README.md").read_text().split("## GitLab CI", 1)[1].split("\n## ", 1)[0]
    told = re.search(r"Set the CI/CD variables (.*?)\.\s", " ".join(readme.split()))
    assert told, "the README's GitLab section says which CI/CD variables to set"
    told_names = set(re.findall(r"`(\w+)`", told.group(1)))
    for name in SHELL_READ.findall(" ".join(_strings(pipeline))):
        assert name in defined or name in told_names, f"{example.name} reads ${name}"


def test_the_azure_example_defines_what_it_reads() -> None:
    pipeline = _load(AZURE)
    variables = set(pipeline["variables"])
    header = AZURE.read_text().split("\ntrigger:", 1)[0]
    for secret in AZURE_SECRETS:
        assert secret in header, f"the file's header does not tell the user to add {secret}"
    for job in pipeline["jobs"]:
        for step in job["steps"]:
            env = step.get("env") or {}
            for key, text in [(k, v) for k, v in step.items() if k != "env"] + [("env", env)]:
                for name in MACRO_READ.findall(" ".join(_strings(text))):
                    allowed = variables | (AZURE_SECRETS if key == "env" else set())
                    assert name in allowed, f"$({name}) in {key} of {step.get('displayName')}"
            script = step.get("bash", "")
            assert "$(" not in script, "variables reach the script through env:, not macros"
            for name in SHELL_READ.findall(script):
                assert name in variables | set(env) | AZURE_AGENT_ENV, name


def test_the_azure_example_publishes_the_tests_and_the_reports() -> None:
    pipeline = _load(AZURE)
    assert pipeline["variables"]["CI_GATE_REPORT_DIR"] == "ci-gate-report"
    (job,) = pipeline["jobs"]
    steps = job["steps"]
    (gate,) = [step for step in steps if 'ci-gate-venv/bin/ci-gate" run' in step.get("bash", "")]
    assert gate["name"] == "gate"  # $(gate.CI_GATE_VERDICT), as the README says
    assert gate["env"] == {name: f"$({name})" for name in sorted(AZURE_SECRETS)}
    assert "--stop-on-cancel" in gate["bash"] and gate["bash"].lstrip().startswith("exec ")
    tasks = {step["task"]: step for step in steps if "task" in step}
    assert set(tasks) == {"PublishTestResults@2", "PublishPipelineArtifact@1"}
    junit = tasks["PublishTestResults@2"]
    assert junit["condition"] == "always()"
    assert junit["inputs"]["testResultsFormat"] == "JUnit"
    assert junit["inputs"]["testResultsFiles"] == "$(CI_GATE_REPORT_DIR)/junit.xml"
    artifact = tasks["PublishPipelineArtifact@1"]
    assert artifact["condition"] == "always()"
    assert artifact["inputs"]["targetPath"] == "$(CI_GATE_REPORT_DIR)"
    assert artifact["inputs"]["artifact"] == "ci-gate-report"
    assert steps.index(gate) < steps.index(junit) < steps.index(artifact)


#: The lines of a pipeline file's commented `--fail-on` example: its first line (a comment
#: marker, then the setting) and the lines of its block that follow, indented deeper.
FAIL_ON_KEYS = ("fail-on", "fail_on", "warmup", "CI_GATE_FAIL_ON")
FAIL_ON_START = re.compile(rf"^(\s*)(#|//) ((?:{'|'.join(FAIL_ON_KEYS)})\b.*)$")


def _uncommented(text: str) -> tuple[str, int]:
    """The file with its live-criteria example switched on, as a user does by removing
    the comment markers, and how many settings that switched on."""
    lines, found, block = text.splitlines(), 0, None
    for index, line in enumerate(lines):
        start = FAIL_ON_START.match(line)
        if start:
            indent, marker, rest = start.groups()
            lines[index] = indent + rest
            found, block = found + 1, (indent, marker)
        elif block and line.startswith(f"{block[0]}{block[1]}   "):
            lines[index] = block[0] + line[len(block[0]) + len(block[1]) + 1 :]
        else:
            block = None
    return "\n".join(lines) + "\n", found


def _criteria(value: str, timeout: float) -> list[str]:
    """Every criterion of a setting's value, read as the gate reads `CI_GATE_FAIL_ON` (one
    per line), checked together as the gate checks them against its timeout."""
    parsed = tuple(parse_fail_on(line, "CI_GATE_FAIL_ON") for line in value.splitlines() if line)
    check_live_criteria(parsed, timeout)
    return [criterion.text for criterion in parsed]


@pytest.mark.parametrize("example", GITHUB, ids=[p.name for p in GITHUB])
def test_every_github_example_shows_live_criteria_the_action_takes(example: Path) -> None:
    """Switched on, the example's `fail-on` and `warmup` are inputs of the action, in the
    gate step's `with:`, and every criterion and the warm-up read as the gate reads them."""
    text, found = _uncommented(example.read_text())
    assert found == 2, f"{example.name} shows no commented fail-on and warmup example"
    steps = [step for job in yaml.safe_load(text)["jobs"].values() for step in job["steps"]]
    (gate,) = [s for s in steps if str(s.get("uses", "")).startswith("ci-gate/ci-gate@")]
    inputs = set(yaml.safe_load((ROOT / "action.yml").read_text())["inputs"])
    assert {"fail-on", "warmup"} <= set(gate["with"]) <= inputs
    timeout = float(gate["with"].get("timeout", "3600"))
    assert len(_criteria(gate["with"]["fail-on"], timeout)) == 2
    parse_warmup(gate["with"]["warmup"], "CI_GATE_WARMUP")


@pytest.mark.parametrize("example", GITLAB, ids=[p.name for p in GITLAB])
def test_every_gitlab_example_shows_live_criteria_the_template_takes(example: Path) -> None:
    text, found = _uncommented(example.read_text())
    assert found == 2, f"{example.name} shows no commented fail_on and warmup example"
    (include,) = yaml.safe_load(text)["include"]
    spec = next(yaml.safe_load_all((ROOT / "gitlab-template.yml").read_text()))
    assert {"fail_on", "warmup"} <= set(include["inputs"]) <= set(spec["spec"]["inputs"])
    timeout = float(include["inputs"]["timeout"])
    assert len(_criteria(include["inputs"]["fail_on"], timeout)) == 2
    parse_warmup(include["inputs"]["warmup"], "CI_GATE_WARMUP")


def test_the_azure_example_shows_live_criteria_as_a_variable() -> None:
    """A pipeline variable reaches the script as an environment variable of that name."""
    text, found = _uncommented(AZURE.read_text())
    assert found == 1, "azure-pipelines.yml shows no commented CI_GATE_FAIL_ON example"
    variables = yaml.safe_load(text)["variables"]
    timeout = float(re.findall(r"--timeout (\d+)", text)[0])
    assert len(_criteria(variables["CI_GATE_FAIL_ON"], timeout)) == 2


def test_the_jenkinsfile_shows_live_criteria_as_an_environment_variable() -> None:
    text, found = _uncommented((EXAMPLES / "Jenkinsfile").read_text())
    assert found == 1, "the Jenkinsfile shows no commented CI_GATE_FAIL_ON example"
    environment = text.split("  environment {", 1)[1].split("\n  stages {", 1)[0]
    (value,) = re.findall(r"^\s*CI_GATE_FAIL_ON = '([^'\\]*)'$", environment, re.M)
    assert _criteria(value, 3600) == [value]
