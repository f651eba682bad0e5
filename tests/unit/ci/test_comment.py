"""The review comment's target, body and posting, against the fake GitHub and GitLab APIs
(real HTTP on loopback)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate.ci.comment import (
    COMMENT_BUDGET,
    MAX_BODY,
    comment_body,
    comment_deadline,
    post_comment,
)
from ci_gate.ci.target import find_target, marker_for
from ci_gate.config.ci_env import detect_ci
from ci_gate.domain.outcome import CommentResult
from ci_gate.report.summary import render_markdown
from tests.support.fake_platforms import fake_platform
from tests.support.helpers import event, make_outcome, markdown_html, master_outcome

TOKEN = "ghs_TOKEN-canary-4711"


def _github_env(tmp_path: Path, api: str, **extra: str) -> dict[str, str]:
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps({"pull_request": {"number": 7}}))
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event_file),
        "GITHUB_API_URL": api,
        "GITHUB_SERVER_URL": "https://github.example.test",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_WORKFLOW": "load test",
        "GITHUB_JOB": "gate",
        "GITHUB_TOKEN": TOKEN,
        **extra,
    }


def _gitlab_env(api: str, **extra: str) -> dict[str, str]:
    return {
        "GITLAB_CI": "true",
        "CI_MERGE_REQUEST_IID": "5",
        "CI_API_V4_URL": f"{api}/api/v4",
        "CI_PROJECT_ID": "99",
        "CI_PROJECT_URL": "https://gitlab.example.test/acme/shop",
        "CI_JOB_NAME": "blazemeter-gate",
        "CI_JOB_URL": "https://gitlab.example.test/acme/shop/-/jobs/1",
        "CI_GATE_GITLAB_TOKEN": TOKEN,
        **extra,
    }


def _post(env: dict[str, str], markdown: str = "# ci-gate: ✅ passed\n") -> CommentResult:
    target = find_target(detect_ci(env))
    assert not isinstance(target, str), target
    return post_comment(
        target, comment_body(markdown, target.marker, target.job_url), time.monotonic() + 10
    )


@pytest.mark.parametrize(
    ("env", "why"),
    [
        ({}, "not a GitHub pull-request run or a GitLab merge-request pipeline"),
        (
            {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push"},
            "the workflow runs for push, not a pull request",
        ),
        (
            {"GITLAB_CI": "true"},
            "the pipeline is not a merge-request pipeline (no CI_MERGE_REQUEST_IID)",
        ),
        (
            {"GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "5"},
            "no CI_GATE_GITLAB_TOKEN: a project access token with api scope is needed (the "
            "job token cannot write merge-request notes)",
        ),
    ],
)
def test_outside_a_review_or_without_a_token_there_is_one_reason(
    env: dict[str, str], why: str
) -> None:
    assert find_target(detect_ci(env)) == why


def test_github_without_a_token_says_so(tmp_path: Path) -> None:
    env = _github_env(tmp_path, "http://127.0.0.1:1", GITHUB_TOKEN="")
    assert (
        find_target(detect_ci(env))
        == "no GITHUB_TOKEN (the action's github-token input) to post with"
    )


def test_the_marker_cannot_end_the_html_comment() -> None:
    assert marker_for("wf --> <b>", "job", "") == "<!-- ci-gate: wf _-_ _b_/job -->"


def test_the_first_run_creates_and_the_second_updates_the_same_comment(tmp_path: Path) -> None:
    with fake_platform("github", TOKEN) as github:
        env = _github_env(tmp_path, github.url)
        first = _post(env)
        second = _post(env, "# ci-gate: ❌ failed\n")
        comments = github.comments(7)
    assert (first.status, second.status) == ("posted", "updated")
    assert len(comments) == 1
    assert comments[0]["body"].startswith("<!-- ci-gate: load test/gate -->\n# ci-gate: ❌ failed")
    assert (
        "[The job](https://github.example.test/acme/shop/actions/runs/4242)"
        in (comments[0]["body"])
    )
    assert all(auth == f"Bearer {TOKEN}" for _, _, auth in github.requests)


def test_others_comments_are_never_touched_and_pages_are_followed(tmp_path: Path) -> None:
    with fake_platform("github", TOKEN) as github:
        for n in range(65):  # three pages of 30
            github.add(7, f"comment {n}")
        similar = github.add(7, "ci-gate: load test/gate <!-- ci-gate: load test/gate -->")
        env = _github_env(tmp_path, github.url)
        _post(env)
        ours = github.comments(7)[-1]["id"]
        _post(env, "# again\n")
        comments = github.comments(7)
    assert len(comments) == 67  # 65 + the similar one + ours, once
    assert next(c for c in comments if c["id"] == similar)["body"].startswith("ci-gate: load")
    assert next(c for c in comments if c["id"] == ours)["body"].endswith("posted by ci-gate")
    pages = [path for method, path, _ in github.requests if method == "GET"]
    assert any("page=3" in path for path in pages)


def test_matrix_legs_and_jobs_keep_one_comment_each(tmp_path: Path) -> None:
    with fake_platform("github", TOKEN) as github:
        for key in ("eu", "us", "eu"):
            _post(_github_env(tmp_path, github.url, CI_GATE_COMMENT_KEY=key))
        _post(_github_env(tmp_path, github.url, GITHUB_JOB="other"))
        markers = sorted(c["body"].split("\n", 1)[0] for c in github.comments(7))
    assert markers == [
        "<!-- ci-gate: load test/gate/eu -->",
        "<!-- ci-gate: load test/gate/us -->",
        "<!-- ci-gate: load test/other -->",
    ]


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (403, "HTTP 403 (Resource not accessible): the token may not write comments here"),
        (404, "HTTP 404 (Resource not accessible): the pull request or project was not found"),
        (422, "HTTP 422 (Resource not accessible): the platform refused the comment"),
        (502, "HTTP 502 (Resource not accessible)"),
    ],
)
def test_a_refused_write_is_a_failed_result_never_raised(
    tmp_path: Path, status: int, words: str
) -> None:
    with fake_platform("github", TOKEN) as github:
        github.fail_writes = status
        result = _post(_github_env(tmp_path, github.url))
    assert result.status == "failed" and result.reason.startswith(words), result
    assert TOKEN not in result.reason


def test_a_slow_api_is_cut_by_the_budget(tmp_path: Path) -> None:
    with fake_platform("github", TOKEN) as github:
        github.delay = 3
        target = find_target(detect_ci(_github_env(tmp_path, github.url)))
        assert not isinstance(target, str)
        started = time.monotonic()
        result = post_comment(target, "x", time.monotonic() + 1)
    assert result.status == "failed" and time.monotonic() - started < 2.5


def test_gitlab_notes_are_created_then_updated(tmp_path: Path) -> None:
    with fake_platform("gitlab", TOKEN) as gitlab:
        for n in range(31):
            gitlab.add(5, f"note {n}")
        env = _gitlab_env(gitlab.url)
        first = _post(env)
        second = _post(env, "# again\n")
        notes = gitlab.comments(5)
    assert (first.status, second.status) == ("posted", "updated")
    assert len(notes) == 32
    assert notes[-1]["body"].startswith("<!-- ci-gate: blazemeter-gate -->\n# again")
    assert second.url == (
        f"https://gitlab.example.test/acme/shop/-/merge_requests/5#note_{notes[-1]['id']}"
    )
    assert all(auth == TOKEN for _, _, auth in gitlab.requests)


def test_a_body_over_the_limit_is_cut_at_whole_lines() -> None:
    rows = [f"| {n} | `event {n}` |" for n in range(20_000)]
    markdown = "# ci-gate: ❌ failed\n\n| # | message |\n|---|---|\n" + "\n".join(rows)
    body = comment_body(markdown, "<!-- ci-gate: x -->", "https://job.test/1")
    assert len(body) <= MAX_BODY
    lines = body.split("\n")
    cut = next(line for line in lines if line.startswith("… and "))
    assert cut.endswith("more lines: the whole summary is in the job's summary.md")
    assert all(line.endswith("|") for line in lines[3 : lines.index(cut) - 1])  # whole rows


def test_hostile_server_text_renders_as_text_in_the_body() -> None:
    hostile = "@org/team <img src=x onerror=alert(1)> [x](javascript:alert(1)) ::set-output"
    outcome = make_outcome(master_outcome("failed", offending=(event("ERROR", hostile),)))
    body = comment_body(render_markdown(outcome), "<!-- ci-gate: x -->", None)
    html = markdown_html(body)
    assert "<img" not in html and 'href="javascript' not in html
    assert "@org/team" in html and "<code>" in html  # a mention inside code notifies nobody


@pytest.mark.parametrize(("run_id", "linked"), [("4242", True), ("²", False), ("42a", False)])
def test_the_job_link_needs_a_run_id_of_ascii_digits(
    tmp_path: Path, run_id: str, linked: bool
) -> None:
    target = find_target(
        detect_ci(_github_env(tmp_path, "http://127.0.0.1:9", GITHUB_RUN_ID=run_id))
    )
    assert not isinstance(target, str)
    link = f"https://github.example.test/acme/shop/actions/runs/{run_id}"
    assert target.job_url == (link if linked else None)


# -- issue 29 item 5: the comment is ours alone, and nothing on its path raises ---------------


def _env_for(kind: str, tmp_path: Path, api: str, **extra: str) -> dict[str, str]:
    return _github_env(tmp_path, api, **extra) if kind == "github" else _gitlab_env(api, **extra)


@pytest.mark.parametrize(
    ("kind", "actions_token"),
    [("github", False), ("github", True), ("gitlab", False)],
    ids=["github", "github-actions-token", "gitlab"],
)
def test_a_planted_comment_with_our_marker_is_left_alone_and_ours_posted_beside_it(
    tmp_path: Path, kind: str, actions_token: bool
) -> None:
    with fake_platform(kind, TOKEN) as platform:
        platform.actions_token = actions_token
        thread = 7 if kind == "github" else 5
        marker = find_target(detect_ci(_env_for(kind, tmp_path, platform.url)))
        assert not isinstance(marker, str)
        planted_body = f"{marker.marker}\n# ci-gate: ✅ passed (planted)"
        planted = platform.add(thread, planted_body, user="mallory")
        first = _post(_env_for(kind, tmp_path, platform.url), "# ci-gate: ❌ failed\n")
        second = _post(_env_for(kind, tmp_path, platform.url), "# ci-gate: ❌ failed again\n")
        comments = platform.comments(thread)
    assert (first.status, second.status) == ("posted", "updated"), (first, second)
    assert [c["id"] for c in comments[:1]] == [planted] and len(comments) == 2
    assert comments[0]["body"] == planted_body
    assert comments[1]["user"] == platform.poster
    assert comments[1]["body"].startswith(f"{marker.marker}\n# ci-gate: ❌ failed again")


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_without_knowing_who_the_token_is_nothing_is_written(tmp_path: Path, kind: str) -> None:
    with fake_platform(kind, TOKEN) as platform:
        platform.fail_user = 500
        result = _post(_env_for(kind, tmp_path, platform.url))
        writes = [m for m, _, _ in platform.requests if m != "GET"]
    assert result.status == "failed" and "who the token posts as" in result.reason, result
    assert writes == []


def test_an_unreadable_comment_list_posts_no_second_comment(tmp_path: Path) -> None:
    with fake_platform("github", TOKEN) as github:
        _post(_github_env(tmp_path, github.url))
        github.raw_list = b"<html><body>Service temporarily unavailable</body></html>"
        result = _post(_github_env(tmp_path, github.url))
        comments = github.comments(7)
    assert result.status == "failed" and "comments" in result.reason, result
    assert len(comments) == 1


def test_a_comment_list_nested_too_deep_is_a_failed_result(tmp_path: Path) -> None:
    with fake_platform("gitlab", TOKEN) as gitlab:
        gitlab.raw_list = b"[" * 100_000 + b"]" * 100_000
        result = _post(_gitlab_env(gitlab.url))
        writes = [m for m, _, _ in gitlab.requests if m != "GET"]
    assert result.status == "failed", result
    assert writes == []


def test_a_next_page_link_elsewhere_is_not_followed_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    with fake_platform("github", TOKEN) as github:
        for n in range(31):
            github.add(7, f"comment {n}")
        github.next_base = "http://127.0.0.1:1"  # same host, another port
        result = _post(_github_env(tmp_path, github.url))
        requests = list(github.requests)
    assert result.status == "failed", result
    assert "not followed" in result.reason and TOKEN not in result.reason
    assert [m for m, _, _ in requests if m != "GET"] == []


@pytest.mark.parametrize(
    ("api", "link", "followed"),
    [
        ("https://api.github.com", "https://api.github.com/x?page=2", True),
        ("https://api.github.com", "https://API.github.com:443/x?page=2", True),
        ("https://api.github.com", "http://api.github.com/x?page=2", False),
        ("https://api.github.com", "http://api.github.com:443/x?page=2", False),
        ("https://api.github.com", "https://api.github.com:8443/x?page=2", False),
        ("https://api.github.com", "https://evil.example/x?page=2", False),
        ("https://api.github.com", "https://user@api.github.com/x?page=2", False),
        ("https://api.github.com", "//api.github.com/x?page=2", False),
        ("https://api.github.com", "https://api.github.com:99999/x", False),
        ("http://127.0.0.1:8080", "https://127.0.0.1:8080/x?page=2", False),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/x?page=2", True),
    ],
)
def test_pages_are_followed_only_on_the_apis_scheme_host_and_port(
    api: str, link: str, followed: bool
) -> None:
    from ci_gate.ci.comment import same_origin

    assert same_origin(link, api) is followed


def test_a_token_that_cannot_travel_in_a_header_is_a_reason_not_a_crash(tmp_path: Path) -> None:
    for env in (
        _github_env(tmp_path, "http://127.0.0.1:9", GITHUB_TOKEN="ghs_tøken\u2603x"),
        _gitlab_env("http://127.0.0.1:9", CI_GATE_GITLAB_TOKEN="glpat-\u2603-x"),
        _gitlab_env("http://127.0.0.1:9", CI_GATE_GITLAB_TOKEN="glpat-a\nX-Evil: 1"),
    ):
        why = find_target(detect_ci(env))
        assert isinstance(why, str) and "cannot travel in an HTTP header" in why, why
        assert "\u2603" not in why


def test_an_event_file_nested_too_deep_names_no_pull_request(tmp_path: Path) -> None:
    env = _github_env(tmp_path, "http://127.0.0.1:9")
    Path(env["GITHUB_EVENT_PATH"]).write_text("[" * 100_000 + "]" * 100_000)
    assert find_target(detect_ci(env)) == "the event file names no pull request"


HOSTILE_URL = "https://x) ![p](http://evil.example/p.png) @acme/security"


def _rendered_footer(body: str) -> tuple[str, str]:
    """The footer rendered as GitHub does: its HTML, and its visible text."""
    html = markdown_html(body.rsplit("\n\n", 1)[1])
    return html, re.sub(r"<[^>]*>", "", html)


@pytest.mark.parametrize(
    "extra",
    [
        {"GITHUB_SERVER_URL": HOSTILE_URL},
        {"GITHUB_SERVER_URL": "https://github.example.test/<script>\"'"},
        {"GITHUB_SERVER_URL": "javascript:alert(1)//"},
        {"GITHUB_SERVER_URL": "https://github.example.test/a b@acme/x)"},
    ],
)
def test_the_servers_url_is_one_inert_link_or_none(tmp_path: Path, extra: dict[str, str]) -> None:
    target = find_target(detect_ci(_github_env(tmp_path, "http://127.0.0.1:9", **extra)))
    assert not isinstance(target, str)
    html, visible = _rendered_footer(
        comment_body("# ci-gate: ✅ passed\n", "<!-- m -->", target.job_url)
    )
    assert "<img" not in html and "<script" not in html
    assert html.count("<a ") <= 1 and "javascript:" not in html
    assert "@acme" not in visible and "evil.example" not in visible
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(("https://", "http://")) and " " not in href


@pytest.mark.parametrize(
    ("job_url", "linked"),
    [
        (HOSTILE_URL, False),
        ("https://gitlab.example.test/j) ![p](http://evil.example/p.png) @acme/security", True),
        ("https://gitlab.example.test/j/<img src=x>`[x](y)`", True),
        ("ftp://gitlab.example.test/job", False),
        ("nonsense", False),
        ("https://user:pw@gitlab.example.test/job", False),
    ],
)
def test_the_job_url_is_one_inert_link_or_none(tmp_path: Path, job_url: str, linked: bool) -> None:
    target = find_target(detect_ci(_gitlab_env("http://127.0.0.1:9", CI_JOB_URL=job_url)))
    assert not isinstance(target, str)
    html, visible = _rendered_footer(
        comment_body("# ci-gate: ✅ passed\n", "<!-- m -->", target.job_url)
    )
    assert "<img" not in html and html.count("<a ") <= 1
    assert "@acme" not in visible and "evil.example" not in visible
    assert ("<a " in html) is linked
    assert visible.strip() == ("The job · posted by ci-gate" if linked else "(posted by ci-gate)")


def test_a_plain_job_url_stays_a_plain_link(tmp_path: Path) -> None:
    target = find_target(detect_ci(_gitlab_env("http://127.0.0.1:9")))
    assert not isinstance(target, str)
    body = comment_body("# x\n", "<!-- m -->", target.job_url)
    assert body.endswith(
        "[The job](https://gitlab.example.test/acme/shop/-/jobs/1) · posted by ci-gate"
    )


_URL_PIECES = st.sampled_from(
    [
        "https://",
        "http://",
        "javascript:",
        "gitlab.example.test",
        "x",
        ":8443",
        "/",
        "(",
        ")",
        "[",
        "]",
        "!",
        "@acme/security",
        " ",
        "<",
        ">",
        "`",
        "\\",
        "*",
        "_",
        "%",
        "&lt;",
        "'",
        '"',
        "#",
        "?",
        "=",
        "|",
        "\n",
        "![p](http://evil.example/p.png)",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.lists(_URL_PIECES, max_size=12).map("".join), st.text(max_size=60)))
def test_no_url_from_the_ci_environment_renders_more_than_our_one_link(url: str) -> None:
    """The one place a CI URL enters the body (`safe_link`), attacked: rendered as GitHub
    does, the footer is our link to an http(s) URL or no link, and nothing else (no image,
    no mention, no second link)."""
    html, visible = _rendered_footer(comment_body("# ci-gate: ✅ passed\n", "<!-- m -->", url))
    assert visible.strip() in ("The job · posted by ci-gate", "(posted by ci-gate)"), html
    assert "<img" not in html and html.count("<a ") == (1 if "The job" in visible else 0)
    for href in re.findall(r'href="([^"]*)"', html):
        assert re.match(r"https?://[A-Za-z0-9.-]+(:[0-9]+)?(/|$|\?|#)", href), href


def test_a_gitlab_author_id_of_true_is_not_user_1() -> None:
    """Issue 29 (F11): `True == 1` in Python, so a note whose author id is a JSON `true`
    was taken for user 1's and PUT as ours."""
    from ci_gate.ci.comment import Identity, _written_by

    target = find_target(detect_ci(_gitlab_env("https://gitlab.example.test")))
    assert not isinstance(target, str)
    ours = Identity(login="ci-bot", user_id=1)
    assert _written_by({"author": {"id": 1}}, target, ours)
    for fake in (True, 1.0, "1", None):
        assert not _written_by({"author": {"id": fake}}, target, ours), fake


def test_the_comment_has_its_budget_but_never_past_the_waits_deadline_and_grace() -> None:
    now = 1000.0  # the command's clock, read by its caller
    assert comment_deadline(now + 3600, 4.0, now) == now + COMMENT_BUDGET
    assert comment_deadline(now - 2.0, 4.0, now) == now + 2.0
    assert comment_deadline(now + 1.0, 4.0, now) == now + 5.0  # never past deadline + grace
