"""Where the review comment goes: the pull request (GitHub) or merge request (GitLab) this
job runs for, its API, the token's header, our marker and the job's link, read from the CI
environment, or one line saying why there is none. The CI is the one `ci.detect` finds;
Azure Pipelines is told plainly that comments are not implemented there.

The environment is as hostile as server text: a token that cannot travel in an HTTP
header, an event file nested too deep, or a URL that would render as more than our one
link (`safe_link`) is a reason or no link, never an exception.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ci_gate.ci import detect
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


def find_target(env: Mapping[str, str]) -> Target | str:
    """The PR or MR this job runs for, or why there is none (one line, for the log)."""
    platform = detect(env)
    if platform == "github":
        return _github_target(env)
    if platform == "gitlab":
        return _gitlab_target(env)
    if platform == "azure":
        return (
            "review comments are not supported in Azure Pipelines: ci-gate does not comment "
            "on Azure Repos pull requests (summary.md is on the run's summary page)"
        )
    return "not a GitHub pull-request run or a GitLab merge-request pipeline"


def _github_target(env: Mapping[str, str]) -> Target | str:
    event_name = env.get("GITHUB_EVENT_NAME", "")
    if event_name not in ("pull_request", "pull_request_target"):
        return f"the workflow runs for {event_name or 'an unknown event'}, not a pull request"
    number = _pull_request_number(env.get("GITHUB_EVENT_PATH", ""))
    if number is None:
        return "the event file names no pull request"
    token = env.get("GITHUB_TOKEN", "").strip()
    if not token:
        return "no GITHUB_TOKEN (the action's github-token input) to post with"
    if not _fits_a_header(token):
        return f"GITHUB_TOKEN {_CANNOT_TRAVEL}"
    repo = env.get("GITHUB_REPOSITORY", "")
    if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repo):
        return "GITHUB_REPOSITORY is not owner/name"
    api = env.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    run_id = env.get("GITHUB_RUN_ID", "")
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
        marker=marker_for(
            env.get("GITHUB_WORKFLOW", ""),
            env.get("GITHUB_JOB", ""),
            env.get("CI_GATE_COMMENT_KEY", ""),
        ),
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


def _gitlab_target(env: Mapping[str, str]) -> Target | str:
    iid = env.get("CI_MERGE_REQUEST_IID", "").strip()
    if not ascii_digits(iid):
        return "the pipeline is not a merge-request pipeline (no CI_MERGE_REQUEST_IID)"
    token = env.get("CI_GATE_GITLAB_TOKEN", "").strip()
    if not token:
        return (
            "no CI_GATE_GITLAB_TOKEN: a project access token with api scope is needed "
            "(the job token cannot write merge-request notes)"
        )
    if not _fits_a_header(token):
        return f"CI_GATE_GITLAB_TOKEN {_CANNOT_TRAVEL}"
    api = env.get("CI_API_V4_URL", "").rstrip("/")
    project = env.get("CI_PROJECT_ID", "").strip()
    if not api or not ascii_digits(project):
        return "CI_API_V4_URL or CI_PROJECT_ID is not set"
    base = f"{api}/projects/{quote(project)}/merge_requests/{iid}/notes"
    project_url = env.get("CI_MERGE_REQUEST_PROJECT_URL") or env.get("CI_PROJECT_URL") or ""
    return Target(
        platform="gitlab",
        api=api,
        list_url=f"{base}?per_page=100&sort=asc",
        create_url=base,
        headers={"PRIVATE-TOKEN": token},
        marker=marker_for(env.get("CI_JOB_NAME", ""), env.get("CI_GATE_COMMENT_KEY", "")),
        job_url=safe_link(env.get("CI_JOB_URL", "")),
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
