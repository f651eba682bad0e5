"""The review comment's target, body and posting, against the fake GitHub and GitLab APIs
(real HTTP on loopback)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ci_gate.ci.comment import (
    MAX_BODY,
    comment_body,
    find_target,
    marker_for,
    post_comment,
)
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
    target = find_target(env)
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
    assert find_target(env) == why


def test_github_without_a_token_says_so(tmp_path: Path) -> None:
    env = _github_env(tmp_path, "http://127.0.0.1:1", GITHUB_TOKEN="")
    assert find_target(env) == "no GITHUB_TOKEN (the action's github-token input) to post with"


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
        target = find_target(_github_env(tmp_path, github.url))
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
    target = find_target(_github_env(tmp_path, "http://127.0.0.1:9", GITHUB_RUN_ID=run_id))
    assert not isinstance(target, str)
    link = f"https://github.example.test/acme/shop/actions/runs/{run_id}"
    assert target.job_url == (link if linked else None)
