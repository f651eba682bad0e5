"""`ci-gate wait --comment`, the real process against the simulator and a fake GitHub
(and GitLab) API on loopback: one comment that a second run updates, never the verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.fake_platforms import fake_platform
from tests.support.helpers import SECRET, gate_env, run_gate, simulator, wait_args

TOKEN = "ghs_e2e-TOKEN-0815"


def _github(tmp_path: Path, api: str) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 12}}))
    return gate_env(
        GITHUB_ACTIONS="true",
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=str(event),
        GITHUB_API_URL=api,
        GITHUB_REPOSITORY="acme/shop",
        GITHUB_WORKFLOW="gate",
        GITHUB_JOB="load",
        GITHUB_RUN_ID="7",
        GITHUB_TOKEN=TOKEN,
        GITHUB_OUTPUT=str(tmp_path / "out"),
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary"),
    )


@pytest.mark.parametrize(("scenario", "code"), [("seed", 0), ("error", 1)])
def test_a_pull_request_run_posts_one_comment_that_the_next_run_updates(
    tmp_path: Path, scenario: str, code: int
) -> None:
    report = tmp_path / "r"
    with fake_platform("github", TOKEN) as github, simulator(scenario) as sim:
        env = _github(tmp_path, github.url)
        first = run_gate(wait_args(sim, report, "--comment"), report, env=env)
        first_summary = first.summary
    with fake_platform("github", TOKEN) as github2, simulator(scenario) as sim:
        github2.threads = github.threads
        env = _github(tmp_path, github2.url)
        second = run_gate(wait_args(sim, report, "--comment"), report, env=env)
    assert (first.code, second.code) == (code, code), first.stderr + second.stderr
    comments = github2.comments(12)
    assert len(comments) == 1
    assert first_summary["comment"]["status"] == "posted"
    assert second.summary["comment"]["status"] == "updated"
    assert comments[0]["body"].startswith("<!-- ci-gate: gate/load -->\n# ci-gate: ")
    assert "ci-gate: review comment updated: " in second.stderr
    for text in (second.stdout, second.stderr, comments[0]["body"], json.dumps(second.summary)):
        assert SECRET not in text and TOKEN not in text


def test_a_read_only_token_is_one_warning_and_the_verdict_stays(tmp_path: Path) -> None:
    report = tmp_path / "r"
    with fake_platform("github", TOKEN) as github, simulator("error") as sim:
        github.fail_writes = 403
        run = run_gate(
            wait_args(sim, report, "--comment"), report, env=_github(tmp_path, github.url)
        )
    assert run.code == 1
    assert run.summary["verdict"] == "failed"
    assert run.summary["comment"]["status"] == "failed"
    warnings = [line for line in run.stderr.splitlines() if "review comment" in line]
    assert warnings == [
        "ci-gate: warning: no review comment posted (failed): HTTP 403 (Resource not "
        "accessible): the token may not write comments here (a fork's pull request gets a "
        "read-only token; the job needs permissions: pull-requests: write)"
    ]


def test_outside_a_pull_request_one_line_says_why(tmp_path: Path) -> None:
    report = tmp_path / "r"
    with simulator("seed") as sim:
        run = run_gate(wait_args(sim, report, "--comment"), report)
    assert run.code == 0
    assert run.summary["comment"] == {
        "status": "skipped",
        "reason": "not a GitHub pull-request run or a GitLab merge-request pipeline",
        "url": None,
    }
    assert [line for line in run.stderr.splitlines() if "review comment" in line] == [
        "ci-gate: warning: no review comment (skipped): not a GitHub pull-request run or a "
        "GitLab merge-request pipeline"
    ]


def test_a_merge_request_pipeline_posts_a_note(tmp_path: Path) -> None:
    report = tmp_path / "r"
    with fake_platform("gitlab", TOKEN) as gitlab, simulator("seed") as sim:
        env = gate_env(
            GITLAB_CI="true",
            CI_MERGE_REQUEST_IID="3",
            CI_API_V4_URL=f"{gitlab.url}/api/v4",
            CI_PROJECT_ID="42",
            CI_JOB_NAME="gate",
            CI_GATE_GITLAB_TOKEN=TOKEN,
        )
        run = run_gate(wait_args(sim, report, "--comment"), report, env=env)
    assert run.code == 0, run.stderr
    assert run.summary["comment"]["status"] == "posted"
    assert gitlab.comments(3)[0]["body"].startswith("<!-- ci-gate: gate -->\n# ci-gate: ✅ passed")


def test_a_run_whose_start_fails_still_tells_the_pull_request(tmp_path: Path) -> None:
    report = tmp_path / "r"
    with fake_platform("github", TOKEN) as github, simulator("seed") as sim:
        args = ["run", "999", "--api-url", sim.url, "--report-dir", str(report), "--comment"]
        run = run_gate(args, report, env=_github(tmp_path, github.url))
    assert run.code == 4
    (comment,) = github.comments(12)
    assert "could not start test 999" in comment["body"]
    assert run.summary["comment"]["status"] == "posted"
