"""Pulling the shell out of action.yml, the GitLab template and the Jenkinsfile."""

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
