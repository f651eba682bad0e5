"""Where the review comment goes: the pull request (GitHub) or merge request (GitLab) this
job runs for, its API, the token's header, our marker and the job's link, built from what
`config.ci_env` read of the CI's environment, or one line saying why there is none.
Azure Pipelines is told plainly that comments are not implemented there.

The environment is as hostile as server text: a token that cannot travel in an HTTP
header, an event file nested too deep, or a URL that would render as more than our one
link (`safe_link`) is a reason or no link, never an exception.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ci_gate.config.ci_env import AzureCi, Ci, GitHubCi, GitLabCi
from ci_gate.files import read_small_text
from ci_gate.text import ascii_digits

#: What a marker keeps of the workflow and job names (nothing that could end a comment).
_KEY_SAFE = re.compile(r"[^A-Za-z0-9 ._/\[\]:,=+@()-]")
#: A host and port as a link may carry them: no userinfo, nothing Markdown reads.
_NETLOC = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")
#: What stays as it is in a link we write; everything else is percent-encoded, so no
#: space, parenthesis, bracket, `<`, `!`, `@` or backtick can end the link or start another.
_LINK_SAFE = "/:?#&=%-._~+,"


@dataclass(frozen=True)
class Target:
    """Where the comment goes: the platform, its API, the thread and our marker."""

    platform: str  # github | gitlab
    api: str
    list_url: str
    create_url: str
    headers: dict[str, str]
    marker: str
    job_url: str | None
    web_url: str | None  # GitLab: the merge request's page (notes carry no link)


def marker_for(*parts: str) -> str:
    """`<!-- ci-gate: workflow/job[/key] -->`, with nothing that could end the comment."""
    text = "/".join(part for part in parts if part)
    text = _KEY_SAFE.sub("_", text).replace("--", "_-")[:200]
    return f"<!-- ci-gate: {text} -->"


def find_target(ci: Ci) -> Target | str:
    """The PR or MR this job runs for, or why there is none (one line, for the log)."""
    if isinstance(ci, GitHubCi):
        return _github_target(ci)
    if isinstance(ci, GitLabCi):
        return _gitlab_target(ci)
    if isinstance(ci, AzureCi):
        return (
            "review comments are not supported in Azure Pipelines: ci-gate does not comment "
            "on Azure Repos pull requests (summary.md is on the run's summary page)"
        )
    return "not a GitHub pull-request run or a GitLab merge-request pipeline"


def _github_target(ci: GitHubCi) -> Target | str:
    event_name = ci.event_name
    if event_name not in ("pull_request", "pull_request_target"):
        return f"the workflow runs for {event_name or 'an unknown event'}, not a pull request"
    number = _pull_request_number(ci.event_path)
    if number is None:
        return "the event file names no pull request"
    token = ci.token.strip()
    if not token:
        return "no GITHUB_TOKEN (the action's github-token input) to post with"
    if not _fits_a_header(token):
        return f"GITHUB_TOKEN {_CANNOT_TRAVEL}"
    repo = ci.repository
    if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repo):
        return "GITHUB_REPOSITORY is not owner/name"
    api = ci.api_url.rstrip("/")
    server = ci.server_url.rstrip("/")
    run_id = ci.run_id
    base = f"{api}/repos/{repo}/issues/{number}/comments"
    return Target(
        platform="github",
        api=api,
        list_url=f"{base}?per_page=100",
        create_url=base,
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        },
        marker=marker_for(ci.workflow, ci.job, ci.comment_key),
        job_url=safe_link(f"{server}/{repo}/actions/runs/{run_id}")
        if ascii_digits(run_id)
        else None,
        web_url=None,
    )


def _pull_request_number(path: str) -> int | None:
    try:
        event = json.loads(read_small_text(path)) if path else None
    except (OSError, ValueError, RecursionError):  # RecursionError: nested too deep
        return None
    pull = event.get("pull_request") if isinstance(event, dict) else None
    number = pull.get("number") if isinstance(pull, dict) else None
    if isinstance(number, bool) or not isinstance(number, int) or number <= 0:
        return None
    return number


def _gitlab_target(ci: GitLabCi) -> Target | str:
    iid = ci.merge_request_iid.strip()
    if not ascii_digits(iid):
        return "the pipeline is not a merge-request pipeline (no CI_MERGE_REQUEST_IID)"
    token = ci.token.strip()
    if not token:
        return (
            "no CI_GATE_GITLAB_TOKEN: a project access token with api scope is needed "
            "(the job token cannot write merge-request notes)"
        )
    if not _fits_a_header(token):
        return f"CI_GATE_GITLAB_TOKEN {_CANNOT_TRAVEL}"
    api = ci.api_url.rstrip("/")
    project = ci.project_id.strip()
    if not api or not ascii_digits(project):
        return "CI_API_V4_URL or CI_PROJECT_ID is not set"
    base = f"{api}/projects/{quote(project)}/merge_requests/{iid}/notes"
    project_url = ci.merge_request_project_url or ci.project_url
    return Target(
        platform="gitlab",
        api=api,
        list_url=f"{base}?per_page=100&sort=asc",
        create_url=base,
        headers={"PRIVATE-TOKEN": token},
        marker=marker_for(ci.job_name, ci.comment_key),
        job_url=safe_link(ci.job_url),
        web_url=safe_link(f"{project_url}/-/merge_requests/{iid}") if project_url else None,
    )


_CANNOT_TRAVEL = (
    "holds a character that cannot travel in an HTTP header (only Latin-1 text without "
    "control characters can): check that the right token was set"
)


def _fits_a_header(token: str) -> bool:
    try:
        token.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return not any(ord(char) < 0x20 or ord(char) == 0x7F for char in token)


def safe_link(url: str) -> str | None:
    """`url` as a link target we can write into Markdown, or None: http(s) only, a plain
    host (and port), everything Markdown or a mention could read percent-encoded. URLs from
    the CI environment are as hostile as server text."""
    url = url.strip()
    if any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F for char in url):
        return None  # urlsplit would drop some of them silently
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not _NETLOC.fullmatch(parts.netloc):
        return None
    if not url.lower().startswith(f"{parts.scheme}://{parts.netloc}".lower()):
        return None
    rest = url[len(parts.scheme) + 3 + len(parts.netloc) :]
    return f"{parts.scheme.lower()}://{parts.netloc}{quote(rest, safe=_LINK_SAFE)}"
