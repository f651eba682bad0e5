"""Schema, injection and shell checks of the pipeline files, by the tools CI installs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from tests.support.shell import (
    PINNED_REQUIREMENT,
    ROOT,
    action_scripts,
    azure_scripts,
    gitlab_documents,
    gitlab_script,
    jenkins_sh_bodies,
    workflow_scripts,
)
from tests.support.tools import require_tool
from tools import release as release_refs


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def test_action_validates_against_the_github_actions_schema() -> None:
    tool = require_tool("check-jsonschema")
    done = run(tool, "--builtin-schema", "vendor.github-actions", str(ROOT / "action.yml"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_gitlab_template_jobs_and_example_validate(tmp_path: Path) -> None:
    tool = require_tool("check-jsonschema")
    spec, _jobs = gitlab_documents()
    assert set(spec["spec"]["inputs"]) == {
        "master_id",
        "test_id",
        "level",
        "timeout",
        "interval",
        "report_dir",
        "stage",
        "image",
        "package",
        "criteria",
        "baseline",
        "comment",
        "trend",
        "multi_test",
        "ignore",
        "fail_fast",
        "stop_on_timeout",
        "stop_on_fail",
        "stop_on_cancel",
        "public_report",
        "no_note",
        "regression",
        "api_url",
        "ca_bundle",
        "api_key_file",
        "allow_insecure_http",
        "fail_on",
        "fail_on_file",
        "warmup",
    }
    # inputs are interpolated by GitLab before validation; do the same with their defaults
    text = (ROOT / "gitlab-template.yml").read_text().split("\n---\n", 1)[1]
    defaults = {
        name: str(field.get("default", "12345678"))
        for name, field in spec["spec"]["inputs"].items()
    }
    text = re.sub(r"\$\[\[ inputs\.(\w+) \]\]", lambda m: defaults[m.group(1)], text)
    job_file = tmp_path / "jobs.json"
    job_file.write_text(json.dumps({**yaml.safe_load(text), "gate": {"extends": ".ci-gate"}}))
    done = run(tool, "--builtin-schema", "vendor.gitlab-ci", str(job_file))
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("gitlab-ci.yml", "gitlab-ci-remote.yml"):
        example = run(tool, "--builtin-schema", "vendor.gitlab-ci", str(ROOT / "examples" / name))
        assert example.returncode == 0, name + example.stdout + example.stderr


def test_the_azure_example_validates_against_the_azure_pipelines_schema() -> None:
    """The schema knows every built-in task and its inputs (PublishTestResults@2,
    PublishPipelineArtifact@1); its patterns need Python's regex engine to compile."""
    tool = require_tool("check-jsonschema")
    done = run(
        tool,
        "--regex-variant",
        "python",
        "--builtin-schema",
        "vendor.azure-pipelines",
        str(ROOT / "examples" / "azure-pipelines.yml"),
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_remote_include_names_the_release_the_package_installs() -> None:
    text = (ROOT / "examples" / "gitlab-ci-remote.yml").read_text()
    ref = re.search(r"ci-gate/ci-gate/([^/]+)/gitlab-template\.yml", text)
    assert ref is not None
    assert PINNED_REQUIREMENT.endswith(f"/{ref.group(1)}.tar.gz")
    assert PINNED_REQUIREMENT in text
    assert f"#   ref: {ref.group(1)}\n" in text
    assert text in (ROOT / "README.md").read_text()


def test_gitlab_template_keeps_inputs_out_of_script_lines() -> None:
    _, jobs = gitlab_documents()
    job = jobs[".ci-gate"]
    for line in job["script"] + job["after_script"]:
        assert "$[[" not in line
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"] == {
        "junit": "$[[ inputs.report_dir ]]/junit.xml",
        "dotenv": "$[[ inputs.report_dir ]]/gate.env",
        "metrics": "$[[ inputs.report_dir ]]/metrics.txt",
    }


def test_zizmor_finds_nothing_in_the_action() -> None:
    tool = require_tool("zizmor")
    done = run(tool, "--offline", str(ROOT / "action.yml"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings" in done.stdout + done.stderr


GITHUB_EXAMPLES = sorted((ROOT / "examples").glob("github-workflow*.yml"))


@pytest.mark.parametrize("example", GITHUB_EXAMPLES, ids=[p.name for p in GITHUB_EXAMPLES])
def test_the_readmes_github_workflows_validate_and_zizmor_finds_nothing(
    example: Path, tmp_path: Path
) -> None:
    """The README shows these verbatim: copy-paste must give a valid, audited workflow."""
    schema = run(
        require_tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.github-workflows",
        str(example),
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    # zizmor audits workflows where GitHub keeps them
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    shutil.copy(example, workflows / example.name)
    config = ROOT / "tests" / "data" / "zizmor-examples.yml"
    done = run(
        require_tool("zizmor"), "--offline", "--config", str(config), str(workflows / example.name)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings" in done.stdout + done.stderr


def test_every_action_the_examples_use_is_ours_or_pinned_by_sha() -> None:
    for example in GITHUB_EXAMPLES:
        for uses in re.findall(r"uses: (\S+)(.*)", example.read_text()):
            ref, comment = uses
            if ref.startswith("ci-gate/ci-gate@"):
                continue
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), ref
            assert re.fullmatch(r" # v\d+\.\d+\.\d+", comment), (ref, comment)


def test_action_inputs_reach_the_shell_only_through_env() -> None:
    for script in action_scripts():
        assert "${{" not in script


def test_shellcheck_passes_on_every_shell_snippet(tmp_path: Path) -> None:
    tool = require_tool("shellcheck")
    snippets = {f"action-{n}.sh": ("bash", s) for n, s in enumerate(action_scripts())}
    snippets["gitlab-script.sh"] = ("sh", gitlab_script("script"))
    snippets["gitlab-after-script.sh"] = ("sh", gitlab_script("after_script"))
    snippets.update({f"azure-{n}.sh": ("bash", s) for n, s in enumerate(azure_scripts())})
    snippets.update({f"workflow-{n}.sh": ("bash", s) for n, s in enumerate(workflow_scripts())})
    bodies = jenkins_sh_bodies()
    assert bodies, "the Jenkinsfile has no sh step"
    snippets.update({f"jenkins-{n}.sh": ("sh", body) for n, body in enumerate(bodies)})
    for name, (shell, body) in snippets.items():
        path = tmp_path / name
        path.write_text(body)
        done = run(tool, "--shell", shell, "--severity", "style", str(path))
        assert done.returncode == 0, f"{name}:\n{done.stdout}"


def _pins(text: str) -> dict[str, str]:
    """`name==version` pins of a pip-compile output, names normalised."""
    pins: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s\\;]+)", line)
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def test_the_action_installs_hash_pinned_versions_of_pyprojects_dependencies() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = [Requirement(text) for text in pyproject["project"]["dependencies"]]
    wanted += [Requirement(text) for text in pyproject["build-system"]["requires"]]
    pinned_text = (ROOT / "requirements" / "action.txt").read_text()
    pins = _pins(pinned_text)
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not pinned in requirements/action.txt"
        assert requirement.specifier.contains(pins[name]), (requirement, pins[name])
    # every pin carries a hash, so `pip install --require-hashes` accepts the file
    blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", pinned_text)
    assert all("--hash=sha256:" in block for block in blocks if "==" in block)
    action = (ROOT / "action.yml").read_text()
    assert '--require-hashes -r "$GITHUB_ACTION_PATH/requirements/action.txt"' in action
    assert "--no-deps --no-build-isolation" in action


def test_every_place_a_user_copies_from_names_pyprojects_release() -> None:
    """The README, the action, the template, the examples: one release, pyproject's."""
    release = release_refs.current()
    assert release_refs.stale(release) == []
    assert release.requirement == PINNED_REQUIREMENT
    spec, _jobs = gitlab_documents()
    assert spec["spec"]["inputs"]["package"]["default"] == release.requirement
    for name in (
        "examples/Jenkinsfile",
        "examples/gitlab-ci.yml",
        "examples/azure-pipelines.yml",
        "examples/github-workflow-wait.yml",
        "README.md",
    ):
        text = (ROOT / name).read_text()
        assert release.requirement in text, name
        # ci-gate is not on PyPI yet: a bare `blazemeter-ci-gate` would fail to install
        assert not re.search(r"['\"]blazemeter-ci-gate['\"]", text), name
    for example in GITHUB_EXAMPLES:
        assert f"uses: {release.action}" in example.read_text(), example.name


def test_the_default_package_installs_without_git() -> None:
    """python:3.12-slim has no git: the requirement is an archive pip unpacks itself."""
    from packaging.requirements import Requirement

    url = Requirement(release_refs.current().requirement).url
    assert url is not None
    assert url.startswith("https://") and url.endswith(".tar.gz") and "git+" not in url


def test_the_readme_shows_how_to_pin_a_commit_until_a_release_exists() -> None:
    readme = (ROOT / "README.md").read_text()
    for placeholder in release_refs.SHA_PLACEHOLDERS:
        assert placeholder in readme, placeholder


def test_the_release_check_finds_and_rewrites_every_stale_place(tmp_path: Path) -> None:
    for name in release_refs.SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy(source, tmp_path / name)
    old = release_refs.Release("0.0.9")
    assert release_refs.write(old, tmp_path)  # as if the version had been 0.0.9
    (tmp_path / "docs" / "extra.md").write_text("see github.com/ci-gate/ci-gate/tree/main\n")
    new = release_refs.current()
    problems = release_refs.stale(new, tmp_path)
    assert "docs/extra.md:1: names ci-gate/ci-gate in none of the known forms" in problems
    assert any(p.startswith("gitlab-template.yml:") and "v0.0.9" in p for p in problems)
    assert any(p.startswith("examples/Jenkinsfile:") for p in problems)
    assert any(p.startswith("examples/github-workflow.yml:") for p in problems)
    (tmp_path / "docs" / "extra.md").unlink()
    release_refs.write(new, tmp_path)
    assert release_refs.stale(new, tmp_path) == []
    for name in ("README.md", "gitlab-template.yml", "examples/gitlab-ci-remote.yml"):
        assert (tmp_path / name).read_text() == (ROOT / name).read_text(), name


def test_the_version_is_written_once_in_pyproject() -> None:
    import ci_gate

    version = release_refs.current().version
    assert ci_gate.__version__ == version
    for path in (ROOT / "ci_gate").rglob("*.py"):
        assert f'"{version}"' not in path.read_text(), path


def _every_option() -> list[Any]:
    """Every option a user can set, from the one declaration (not the env-only tuning)."""
    from ci_gate.config.options import options_of
    from ci_gate.config.settings import (
        ApiSettings,
        RunSettings,
        StartCommandSettings,
        StartSettings,
        StopSettings,
        WaitSettings,
    )

    return [
        opt
        for cls in (
            WaitSettings,
            ApiSettings,
            RunSettings,
            StartSettings,
            StartCommandSettings,
            StopSettings,
        )
        for opt in options_of(cls)
        if opt.flag is not None
    ]


def test_every_option_is_an_action_input_that_reaches_the_gate() -> None:
    """Generated from nothing, checked against the declarations: a new option without an
    input fails here, and so does an input whose value goes nowhere."""
    action: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    [gate] = [step for step in action["runs"]["steps"] if step.get("id") == "gate"]
    for opt in _every_option():
        name = opt.flag.removeprefix("--")
        assert name in action["inputs"], f"action.yml has no input {name}"
        wired = {key for key, value in gate["env"].items() if value == f"${{{{ inputs.{name} }}}}"}
        assert wired, f"input {name} reaches no variable"
        if opt.env is not None and name != "comment":  # comment: "auto" is resolved first
            assert opt.env in wired, (name, wired)
        elif opt.env is None:
            [variable] = wired
            assert f"{opt.flag}" in gate["run"] and variable in gate["run"], name


def test_every_option_is_a_template_input_that_reaches_the_gate() -> None:
    spec, jobs = gitlab_documents()
    job = jobs[".ci-gate"]
    script = "\n".join(job["script"])
    for opt in _every_option():
        name = opt.flag.removeprefix("--").replace("-", "_")
        assert name in spec["spec"]["inputs"], f"gitlab-template.yml has no input {name}"
        wired = {k for k, v in job["variables"].items() if v == f"$[[ inputs.{name} ]]"}
        assert wired, f"input {name} reaches no variable"
        if opt.env is not None and opt.env.startswith("CI_GATE_"):
            assert opt.env in wired, (name, wired)
        else:  # set in the script: BLAZEMETER_API_URL, REQUESTS_CA_BUNDLE, or a flag
            [variable] = wired
            assert variable in script and (opt.env or opt.flag) in script, name


def test_the_after_script_stop_has_its_own_bound_not_the_jobs_timeout() -> None:
    """The job's CI_GATE_TIMEOUT (3000 s by default) would be `stop`'s deadline too: the
    after_script gives `ci-gate stop` the 60 s that fit GitLab's 5 minutes for it."""
    from tests.support.shell import gitlab_script

    stops = [line for line in gitlab_script("after_script").splitlines() if " stop " in line]
    assert stops and all("stop --timeout 60 --" in line for line in stops), stops
