"""The note `ci-gate run` writes on the master it started: which CI job, commit and branch.

BlazeMeter's reports do not say which pipeline produced a run; this note does. The CI is
the one `config.ci_env.detect_ci` found (Jenkins, which gets plain output, is known only
for this note); the note is built from the allow-list of that CI's own variables it read
(never anything else from the environment, so nothing secret), as plain text on one line,
bounded in length. Every value is untrusted text: a job link is an http(s) URL, escaped
(`target.safe_link`), or left out.
"""

from __future__ import annotations

from urllib.parse import quote

from ci_gate import __version__
from ci_gate.ci.target import safe_link
from ci_gate.config.ci_env import AzureCi, Ci, GitHubCi, GitLabCi, JenkinsCi
from ci_gate.text import ascii_digits, one_line

NOTE_LIMIT = 500

#: (the CI's name, its job link, the commit, the branch); "" where unknown.
Found = tuple[str, str, str, str]


def _github(ci: GitHubCi) -> Found:
    server = ci.server_url.rstrip("/")
    url = (
        f"{server}/{ci.repository}/actions/runs/{ci.run_id}" if ci.repository and ci.run_id else ""
    )
    return "GitHub Actions", url, ci.sha, ci.ref_name


def _gitlab(ci: GitLabCi) -> Found:
    return "GitLab CI", ci.job_url, ci.commit_sha, ci.commit_ref_name


def _azure(ci: AzureCi) -> Found:
    """Azure's predefined variables: the build's results page is
    `{collection}{project}/_build/results?buildId={id}` (the collection URI ends in `/`)."""
    collection = ci.collection_uri.strip()
    project = ci.team_project.strip()
    build = ci.build_id.strip()
    url = ""
    if collection and project and ascii_digits(build):
        url = f"{collection.rstrip('/')}/{quote(project, safe='')}/_build/results?buildId={build}"
    branch = ci.source_branch.strip().removeprefix("refs/heads/")
    return "Azure Pipelines", url, ci.source_version, branch or ci.source_branch_name


def _found(ci: Ci) -> Found | None:
    if isinstance(ci, GitHubCi):
        return _github(ci)
    if isinstance(ci, GitLabCi):
        return _gitlab(ci)
    if isinstance(ci, AzureCi):
        return _azure(ci)
    if isinstance(ci, JenkinsCi):
        return "Jenkins", ci.build_url, ci.git_commit, ci.git_branch
    return None


def provenance_note(ci: Ci) -> str:
    """`Started by ci-gate 0.1.0 from GitHub Actions: URL, commit SHA, branch NAME`."""
    found = _found(ci)
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
