"""The note `ci-gate run` writes on the master it started: which CI job, commit and branch.

BlazeMeter's reports do not say which pipeline produced a run; this note does. It is built
from an allow-list of the CI systems' own variables (never anything else from the
environment, so nothing secret), as plain text on one line, bounded in length.
"""

from __future__ import annotations

from collections.abc import Mapping

from ci_gate import __version__
from ci_gate.text import one_line

NOTE_LIMIT = 500


def _github(env: Mapping[str, str]) -> tuple[str, str, str, str] | None:
    if env.get("GITHUB_ACTIONS") != "true":
        return None
    server, repository, run = (
        env.get("GITHUB_SERVER_URL", "https://github.com"),
        env.get("GITHUB_REPOSITORY", ""),
        env.get("GITHUB_RUN_ID", ""),
    )
    url = f"{server}/{repository}/actions/runs/{run}" if repository and run else ""
    return "GitHub Actions", url, env.get("GITHUB_SHA", ""), env.get("GITHUB_REF_NAME", "")


def _gitlab(env: Mapping[str, str]) -> tuple[str, str, str, str] | None:
    if env.get("GITLAB_CI") != "true":
        return None
    return (
        "GitLab CI",
        env.get("CI_JOB_URL", ""),
        env.get("CI_COMMIT_SHA", ""),
        env.get("CI_COMMIT_REF_NAME", ""),
    )


def _jenkins(env: Mapping[str, str]) -> tuple[str, str, str, str] | None:
    if not env.get("JENKINS_URL") and not env.get("BUILD_URL"):
        return None
    return "Jenkins", env.get("BUILD_URL", ""), env.get("GIT_COMMIT", ""), env.get("GIT_BRANCH", "")


def provenance_note(env: Mapping[str, str]) -> str:
    """`Started by ci-gate 0.1.0 from GitHub Actions: URL, commit SHA, branch NAME`."""
    found = _github(env) or _gitlab(env) or _jenkins(env)
    note = f"Started by ci-gate {__version__}"
    if found is None:
        return note + " (outside CI)"
    system, url, commit, branch = found
    parts = [
        part for part in (url, commit and f"commit {commit}", branch and f"branch {branch}") if part
    ]
    note += f" from {system}" + (": " + ", ".join(parts) if parts else "")
    return one_line(note, NOTE_LIMIT)
