"""The note `ci-gate run` writes on the master it started: which CI job, commit and branch.

BlazeMeter's reports do not say which pipeline produced a run; this note does. The CI is
the one `ci.detect` finds (Jenkins, which it leaves to plain output, is known here by its
`BUILD_URL`); the note is built from an allow-list of that CI's own variables (never
anything else from the environment, so nothing secret), as plain text on one line,
bounded in length. Every value is untrusted text: a job link is an http(s) URL, escaped
(`target.safe_link`), or left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from ci_gate import __version__
from ci_gate.ci import detect
from ci_gate.ci.target import safe_link
from ci_gate.text import ascii_digits, one_line

NOTE_LIMIT = 500

#: (the CI's name, its job link, the commit, the branch); "" where unknown.
Found = tuple[str, str, str, str]


def _github(env: Mapping[str, str]) -> Found:
    server, repository, run = (
        env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/"),
        env.get("GITHUB_REPOSITORY", ""),
        env.get("GITHUB_RUN_ID", ""),
    )
    url = f"{server}/{repository}/actions/runs/{run}" if repository and run else ""
    return "GitHub Actions", url, env.get("GITHUB_SHA", ""), env.get("GITHUB_REF_NAME", "")


def _gitlab(env: Mapping[str, str]) -> Found:
    return (
        "GitLab CI",
        env.get("CI_JOB_URL", ""),
        env.get("CI_COMMIT_SHA", ""),
        env.get("CI_COMMIT_REF_NAME", ""),
    )


def _azure(env: Mapping[str, str]) -> Found:
    """Azure's predefined variables: the build's results page is
    `{collection}{project}/_build/results?buildId={id}` (the collection URI ends in `/`)."""
    collection = env.get("SYSTEM_COLLECTIONURI", "").strip()
    project = env.get("SYSTEM_TEAMPROJECT", "").strip()
    build = env.get("BUILD_BUILDID", "").strip()
    url = ""
    if collection and project and ascii_digits(build):
        url = f"{collection.rstrip('/')}/{quote(project, safe='')}/_build/results?buildId={build}"
    branch = env.get("BUILD_SOURCEBRANCH", "").strip().removeprefix("refs/heads/")
    return (
        "Azure Pipelines",
        url,
        env.get("BUILD_SOURCEVERSION", ""),
        branch or env.get("BUILD_SOURCEBRANCHNAME", ""),
    )


def _jenkins(env: Mapping[str, str]) -> Found:
    return "Jenkins", env.get("BUILD_URL", ""), env.get("GIT_COMMIT", ""), env.get("GIT_BRANCH", "")


_READERS = {"github": _github, "gitlab": _gitlab, "azure": _azure}


def _found(env: Mapping[str, str]) -> Found | None:
    platform = detect(env)
    if platform in _READERS:
        return _READERS[platform](env)
    if env.get("JENKINS_URL") or env.get("BUILD_URL"):
        return _jenkins(env)
    return None


def provenance_note(env: Mapping[str, str]) -> str:
    """`Started by ci-gate 0.1.0 from GitHub Actions: URL, commit SHA, branch NAME`."""
    found = _found(env)
    note = f"Started by ci-gate {__version__}"
    if found is None:
        return note + " (outside CI)"
    system, url, commit, branch = found
    link = safe_link(url) if url else None
    commit, branch = one_line(commit.strip(), 100), one_line(branch.strip(), 200)
    labelled = (link, commit and f"commit {commit}", branch and f"branch {branch}")
    parts = [part for part in labelled if part]
    note += f" from {system}" + (": " + ", ".join(parts) if parts else "")
    return one_line(note, NOTE_LIMIT)
