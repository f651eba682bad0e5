"""Pulling the shell out of action.yml, the GitLab template, the example workflows, the
Azure pipeline and the Jenkinsfile."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tools import release

ROOT = Path(__file__).resolve().parents[2]
#: How the template, the Jenkinsfile and the README install ci-gate until it is on PyPI:
#: the archive of its repository at the release tag of the version in pyproject.toml.
PINNED_REQUIREMENT = release.current().requirement


def action_scripts() -> list[str]:
    action: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    return [step["run"] for step in action["runs"]["steps"] if "run" in step]


def azure_scripts() -> list[str]:
    """The bash steps of examples/azure-pipelines.yml."""
    pipeline: dict[str, Any] = yaml.safe_load(
        (ROOT / "examples" / "azure-pipelines.yml").read_text()
    )
    return [step["bash"] for job in pipeline["jobs"] for step in job["steps"] if "bash" in step]


def workflow_scripts() -> list[str]:
    """The `run:` steps of the example workflows (the action's own are `action_scripts`)."""
    scripts = []
    for path in sorted((ROOT / "examples").glob("github-workflow*.yml")):
        workflow: dict[str, Any] = yaml.safe_load(path.read_text())
        for job in workflow["jobs"].values():
            scripts += [step["run"] for step in job["steps"] if "run" in step]
    return scripts


def gitlab_documents() -> tuple[dict[str, Any], dict[str, Any]]:
    spec, jobs = yaml.safe_load_all((ROOT / "gitlab-template.yml").read_text())
    return spec, jobs


def gitlab_script(section: str) -> str:
    _, jobs = gitlab_documents()
    return "\n".join(jobs[".ci-gate"][section]) + "\n"


def jenkins_sh_bodies() -> list[str]:
    """The bodies of the Jenkinsfile's sh steps, plain or with returnStatus (not the
    commented example)."""
    text = (ROOT / "examples" / "Jenkinsfile").read_text()
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    return re.findall(r"sh(?:\(returnStatus: true, script:)? '''\n(.*?)'''", code, re.S)


def commit_all(repo: Path) -> None:
    """Make `repo` a git repository with one commit (act and gitlab-ci-local need one)."""
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "pipeline under test"]):
        subprocess.run([*git, *args], cwd=repo, check=True, capture_output=True)
