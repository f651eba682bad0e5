"""One pull-request comment (GitHub) or merge-request note (GitLab) with the verdict, kept
up to date: found again by a hidden marker, updated in place, never another's touched.

The body is summary.md's text, which is already safe to render (server text as code
spans: no mention, HTML, link or workflow command from the server), verdict first, cut
at whole lines within GitHub's 65,536 characters. Posting never changes the verdict: any
failure is one warning line and a note (`comment` in summary.json).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ci_gate.ci.http import PlatformClient, PlatformError
from ci_gate.domain.outcome import CommentResult
from ci_gate.files import read_small_text
from ci_gate.text import ascii_digits, one_line, register_secret

#: GitHub's limit for a comment body, in characters.
MAX_BODY = 65_536
#: Seconds the comment may take in all (and never past the wait's deadline and grace).
COMMENT_BUDGET = 10.0
#: Pages of earlier comments read at most while looking for ours.
MAX_PAGES = 20
_KEY_SAFE = re.compile(r"[^A-Za-z0-9 ._/\[\]:,=+@()-]")


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
    if env.get("GITHUB_ACTIONS") == "true":
        return _github_target(env)
    if env.get("GITLAB_CI") == "true":
        return _gitlab_target(env)
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
    register_secret(token)
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
        job_url=f"{server}/{repo}/actions/runs/{run_id}" if ascii_digits(run_id) else None,
        web_url=None,
    )


def _pull_request_number(path: str) -> int | None:
    try:
        event = json.loads(read_small_text(path)) if path else None
    except (OSError, ValueError):
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
    register_secret(token)
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
        job_url=env.get("CI_JOB_URL") or None,
        web_url=f"{project_url}/-/merge_requests/{iid}" if project_url else None,
    )


def comment_body(markdown: str, marker: str, job_url: str | None) -> str:
    """The marker, summary.md's text (verdict first), and the job link, within the limit:
    cut at whole lines, never mid-row, saying how much was left out."""
    footer = (
        f"\n\n[The job]({job_url}) · posted by ci-gate" if job_url else "\n\n(posted by ci-gate)"
    )
    head = marker + "\n"
    room = MAX_BODY - len(head) - len(footer) - 200
    lines = markdown.rstrip("\n").split("\n")
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > room:
            break
        kept.append(line)
        used += len(line) + 1
    left = len(lines) - len(kept)
    if left:
        kept += ["", f"… and {left} more lines: the whole summary is in the job's summary.md"]
    return head + "\n".join(kept) + footer


def post_comment(
    target: Target,
    body: str,
    deadline: float,
) -> CommentResult:
    """Update our earlier comment (found by its marker) or create one; failures come back
    as a `failed` result, never raised."""
    client = PlatformClient(target.headers, deadline)
    try:
        existing = _find_ours(client, target)
        if existing is None:
            answer = client.request("POST", target.create_url, {"body": body})
            return CommentResult("posted", "", _url_of(target, answer.body))
        method = "PATCH" if target.platform == "github" else "PUT"
        answer = client.request(method, _item_url(target, existing), {"body": body})
        return CommentResult("updated", "", _url_of(target, answer.body))
    except PlatformError as error:
        return CommentResult("failed", _why(error), None)
    finally:
        client.close()


def _item_url(target: Target, item_id: str) -> str:
    if target.platform == "github":
        # /repos/{o}/{r}/issues/comments/{id}: the create URL without the issue number
        repo_part = target.create_url.rsplit("/issues/", 1)[0]
        return f"{repo_part}/issues/comments/{quote(item_id)}"
    return f"{target.create_url}/{quote(item_id)}"


def _find_ours(client: PlatformClient, target: Target) -> str | None:
    """The id of our earlier comment: its body starts with our marker."""
    url: str | None = target.list_url
    for _ in range(MAX_PAGES):
        if url is None:
            return None
        answer = client.request("GET", url)
        items = answer.body if isinstance(answer.body, list) else []
        for item in items:
            if not isinstance(item, dict):
                continue
            text, item_id = item.get("body"), item.get("id")
            ours = isinstance(text, str) and text.startswith(target.marker)
            if ours and isinstance(item_id, int) and not isinstance(item_id, bool):
                return str(item_id)
        url = _next_page(target, answer.headers, url)
    return None


def _next_page(target: Target, headers: Mapping[str, str], current: str) -> str | None:
    """The next page from the Link header (or GitLab's X-Next-Page), on the same host only:
    the token is never sent anywhere else."""
    link = headers.get("link", "")
    match = re.search(r'<([^>]+)>;\s*rel="next"', link)
    url: str | None = match.group(1) if match else None
    if url is None and ascii_digits(headers.get("x-next-page", "").strip()):
        page = headers["x-next-page"].strip()
        base = re.sub(r"([?&])page=\d+&?", r"\1", current).rstrip("?&")
        url = f"{base}{'&' if '?' in base else '?'}page={page}"
    if url is None:
        return None
    if urlsplit(url).netloc != urlsplit(target.api).netloc:
        return None
    return url


def _url_of(target: Target, body: object) -> str | None:
    if target.platform == "github":
        url = body.get("html_url") if isinstance(body, dict) else None
        return one_line(url, 500) if isinstance(url, str) else None
    note = body.get("id") if isinstance(body, dict) else None
    if target.web_url and isinstance(note, int):
        return f"{target.web_url}#note_{note}"
    return target.web_url


def _why(error: PlatformError) -> str:
    hint = {
        401: "the token was rejected",
        403: "the token may not write comments here (a fork's pull request gets a "
        "read-only token; the job needs permissions: pull-requests: write)",
        404: "the pull request or project was not found, or the token cannot see it",
        422: "the platform refused the comment",
    }.get(error.status or 0)
    return one_line(f"{error}" + (f": {hint}" if hint else ""), 500)
