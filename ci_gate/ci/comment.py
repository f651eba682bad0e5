"""One pull-request comment (GitHub) or merge-request note (GitLab) with the verdict, kept
up to date: found again by a hidden marker, updated in place, never another's touched.

Ours is a comment that starts with our marker AND whose author is the identity the token
posts as (`GET /user`; GitHub's Actions token cannot read it and posts as
`github-actions[bot]`): the marker is predictable, so anyone can plant one. Pages are
followed only on the API's own scheme, host and port (the token goes nowhere else, never
in clear). The body is summary.md's text, which is already safe to render (server text as
code spans: no mention, HTML, link or workflow command from the server), verdict first,
cut at whole lines within GitHub's 65,536 characters; the one link we add (the job) is an
http(s) URL, escaped, or no link at all. Posting never changes the verdict: any failure is
one warning line and a note (`comment` in summary.json).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ci_gate.ci.http import PlatformClient, PlatformError
from ci_gate.ci.target import Target, safe_link
from ci_gate.clock import REAL_CLOCK, Clock
from ci_gate.domain.outcome import CommentResult
from ci_gate.text import ascii_digits, one_line

#: GitHub's limit for a comment body, in characters.
MAX_BODY = 65_536
#: Seconds the comment may take in all (and never past the wait's deadline and grace).
COMMENT_BUDGET = 10.0
#: Pages of earlier comments read at most while looking for ours.
MAX_PAGES = 20
#: The identity GitHub Actions' own token posts as (it cannot read `GET /user`).
ACTIONS_BOT = "github-actions[bot]"
_ACTIONS_REFUSAL = "Resource not accessible by integration"


def comment_deadline(wait_deadline: float, grace: float, now: float) -> float:
    """When the review comment must be done: `COMMENT_BUDGET` from `now` (the command's
    monotonic clock), never past the wait's deadline and its `grace` (the wait's stop
    budget, which its caller passes)."""
    return min(now + COMMENT_BUDGET, wait_deadline + grace)


@dataclass(frozen=True)
class Identity:
    """Who the token posts as: a GitHub login, or a GitLab user's id and username."""

    login: str | None
    user_id: int | None = None


def same_origin(url: str, api: str) -> bool:
    """Whether `url` is on the API's own scheme, host and port (and carries no userinfo):
    the only place the token may be sent."""
    try:
        link, base = urlsplit(url), urlsplit(api)
        if "@" in link.netloc or link.scheme.lower() not in ("http", "https"):
            return False
        return (
            link.scheme.lower() == base.scheme.lower()
            and link.hostname is not None
            and link.hostname == base.hostname
            and _port(link.scheme, link.port) == _port(base.scheme, base.port)
        )
    except ValueError:  # a port out of range
        return False


def _port(scheme: str, port: int | None) -> int:
    return port if port is not None else (443 if scheme.lower() == "https" else 80)


def comment_body(markdown: str, marker: str, job_url: str | None) -> str:
    """The marker, summary.md's text (verdict first), and the job link, within the limit:
    cut at whole lines, never mid-row, saying how much was left out."""
    link = safe_link(job_url) if job_url else None
    footer = f"\n\n[The job]({link}) · posted by ci-gate" if link else "\n\n(posted by ci-gate)"
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
    clock: Clock = REAL_CLOCK,
) -> CommentResult:
    """Update our earlier comment (found by its marker) or create one, by `deadline` on
    `clock` (the command's); failures come back as a `failed` result, never raised."""
    client = PlatformClient(target.headers, deadline, clock=clock.monotonic)
    try:
        existing = _find_ours(client, target, _identity(client, target))
        if existing is None:
            answer = client.request("POST", target.create_url, {"body": body})
            return CommentResult("posted", "", _url_of(target, answer.body))
        method = "PATCH" if target.platform == "github" else "PUT"
        answer = client.request(method, _item_url(target, existing), {"body": body})
        return CommentResult("updated", "", _url_of(target, answer.body))
    except PlatformError as error:
        return CommentResult("failed", _why(error), None)
    except RecursionError:
        return CommentResult("failed", "an answer was nested too deep to read", None)
    finally:
        client.close()


def _identity(client: PlatformClient, target: Target) -> Identity:
    """Who the token posts as (`GET /user`): without it, no comment can be told ours."""
    try:
        answer = client.request("GET", f"{target.api}/user")
    except PlatformError as error:
        if target.platform == "github" and error.status == 403 and _ACTIONS_REFUSAL in str(error):
            return Identity(ACTIONS_BOT)  # the Actions token: it cannot read /user
        raise PlatformError(f"could not learn who the token posts as: {error}") from None
    user = answer.body if isinstance(answer.body, dict) else {}
    name = user.get("login" if target.platform == "github" else "username")
    user_id = user.get("id")
    identity = Identity(
        name if isinstance(name, str) and name else None,
        user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else None,
    )
    if identity.login is None or (target.platform == "gitlab" and identity.user_id is None):
        raise PlatformError("could not learn who the token posts as: GET /user named no user")
    return identity


def _written_by(item: Mapping[str, object], target: Target, identity: Identity) -> bool:
    """Whether the comment's author is the token's identity."""
    author = item.get("user" if target.platform == "github" else "author")
    if not isinstance(author, dict):
        return False
    if target.platform == "github":
        login = author.get("login")
        return isinstance(login, str) and login.casefold() == (identity.login or "").casefold()
    author_id = author.get("id")
    # a JSON true is not user 1 (`True == 1` in Python): an id is an int and never a bool
    return (
        isinstance(author_id, int)
        and not isinstance(author_id, bool)
        and author_id == identity.user_id
    )


def _item_url(target: Target, item_id: str) -> str:
    if target.platform == "github":
        # /repos/{o}/{r}/issues/comments/{id}: the create URL without the issue number
        repo_part = target.create_url.rsplit("/issues/", 1)[0]
        return f"{repo_part}/issues/comments/{quote(item_id)}"
    return f"{target.create_url}/{quote(item_id)}"


def _find_ours(client: PlatformClient, target: Target, identity: Identity) -> str | None:
    """The id of our earlier comment: its body starts with our marker and the token's
    identity wrote it. A list that cannot be read ends the search as a failure (posting
    anyway could leave a second comment of ours)."""
    url: str | None = target.list_url
    for _ in range(MAX_PAGES):
        if url is None:
            return None
        answer = client.request("GET", url)
        if not isinstance(answer.body, list):
            raise PlatformError("the list of earlier comments could not be read (not a JSON list)")
        for item in answer.body:
            if not isinstance(item, dict):
                continue
            text, item_id = item.get("body"), item.get("id")
            ours = isinstance(text, str) and text.startswith(target.marker)
            ours = ours and _written_by(item, target, identity)
            if ours and isinstance(item_id, int) and not isinstance(item_id, bool):
                return str(item_id)
        url = _next_page(target, answer.headers, url)
    return None


def _next_page(target: Target, headers: Mapping[str, str], current: str) -> str | None:
    """The next page from the Link header (or GitLab's X-Next-Page), on the API's scheme,
    host and port only: the token is never sent anywhere else, nor in clear. A next page
    elsewhere is a failure (the comments past it are unknown)."""
    link = headers.get("link", "")
    match = re.search(r'<([^>]+)>;\s*rel="next"', link)
    url: str | None = match.group(1) if match else None
    if url is None and ascii_digits(headers.get("x-next-page", "").strip()):
        page = headers["x-next-page"].strip()
        base = re.sub(r"([?&])page=\d+&?", r"\1", current).rstrip("?&")
        url = f"{base}{'&' if '?' in base else '?'}page={page}"
    if url is None:
        return None
    if not same_origin(url, target.api):
        try:
            parts = urlsplit(url)
            where = f"{parts.scheme}://{parts.hostname or ''}" + (
                f":{parts.port}" if parts.port else ""
            )
        except ValueError:
            where = "an address that is not a URL"
        raise PlatformError(
            f"the next page of comments is at {one_line(where, 200)}, not on the API's scheme, "
            "host and port: not followed"
        )
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
