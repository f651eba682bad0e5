"""`ci-gate wait --comment`, the real process against the simulator and a fake GitHub
(and GitLab) API on loopback: one comment that a second run updates, never the verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.fake_platforms import fake_platform
from tests.support.helpers import (
    SECRET,
    STATE_END,
    gate_env,
    run_gate,
    simulator,
    wait_args,
    write_scenario,
)

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


# -- issue 29 item 5: ours alone, and never the exit code ------------------------------------


def _ended(tmp_path: Path, *, failing: bool = False) -> Path:
    """A master that has ended at the first poll (passed, or failed by one ERROR)."""
    events = [{"level": "ERROR", "message": "Payment service down"}] if failing else []
    step = {**STATE_END, "events": [*STATE_END["events"], *events]}
    folder = tmp_path / "scenario"
    folder.mkdir(exist_ok=True)
    return write_scenario(folder, {"1": {"steps": [step]}})


def _gitlab(gitlab_url: str, **extra: str) -> dict[str, str]:
    return gate_env(
        GITLAB_CI="true",
        CI_MERGE_REQUEST_IID="3",
        CI_API_V4_URL=f"{gitlab_url}/api/v4",
        CI_PROJECT_ID="42",
        CI_JOB_NAME="gate",
        CI_GATE_GITLAB_TOKEN=TOKEN,
        **extra,
    )


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_a_planted_comment_with_our_marker_stays_and_ours_is_posted_beside_it(
    tmp_path: Path, kind: str
) -> None:
    """Someone else's comment that starts with our (predictable) marker and says "passed"
    is not ours: it is left alone, and the real verdict is posted beside it."""
    report = tmp_path / "r"
    marker = "<!-- ci-gate: gate/load -->" if kind == "github" else "<!-- ci-gate: gate -->"
    thread = 12 if kind == "github" else 3
    planted_body = f"{marker}\n# ci-gate: ✅ passed"
    with fake_platform(kind, TOKEN) as platform, simulator(_ended(tmp_path, failing=True)) as sim:
        planted = platform.add(thread, planted_body, user="mallory")
        env = _github(tmp_path, platform.url) if kind == "github" else _gitlab(platform.url)
        run = run_gate(wait_args(sim, report, "--comment"), report, env=env)
        comments = platform.comments(thread)
    assert run.code == 1, run.stderr
    assert run.summary["comment"]["status"] == "posted", run.summary["comment"]
    assert [c["id"] for c in comments[:1]] == [planted] and len(comments) == 2
    assert comments[0]["body"] == planted_body and comments[0]["user"] == "mallory"
    assert comments[1]["body"].startswith(f"{marker}\n# ci-gate: ❌ failed")


def test_a_next_page_in_clear_is_never_followed(tmp_path: Path) -> None:
    """The API is https; its Link header sends the next page to http:// on the same host
    and port. The gate does not follow it: the token never travels in clear."""
    from tests.support.tls import self_signed, server_context

    cert, key = self_signed(tmp_path)
    report = tmp_path / "r"
    with fake_platform("github", TOKEN, tls=server_context(cert, key)) as github:
        for n in range(31):
            github.add(12, f"comment {n}")
        github.next_base = github.url.replace("https://", "http://")
        with simulator(_ended(tmp_path)) as sim:
            env = _github(tmp_path, github.url)
            env["REQUESTS_CA_BUNDLE"] = str(cert)
            run = run_gate(wait_args(sim, report, "--comment"), report, env=env)
        schemes = list(github.schemes)
        writes = [method for method, _, _ in github.requests if method != "GET"]
    assert run.code == 0, run.stderr
    assert "https" in schemes and "http" not in schemes, schemes
    assert run.summary["comment"]["status"] == "failed"
    assert (
        "not on the API's scheme, host and port: not followed" in run.summary["comment"]["reason"]
    )
    assert writes == []


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    "trouble",
    ["token outside Latin-1", "event file nested too deep", "list nested too deep", "html list"],
)
def test_any_failure_on_the_comment_path_is_one_warning_and_the_verdicts_exit_code(
    tmp_path: Path, trouble: str
) -> None:
    report = tmp_path / "r"
    with fake_platform("github", TOKEN) as github, simulator(_ended(tmp_path)) as sim:
        env = _github(tmp_path, github.url)
        if trouble == "token outside Latin-1":
            env["GITHUB_TOKEN"] = "ghs_tøken☃-4711"
        elif trouble == "event file nested too deep":
            Path(env["GITHUB_EVENT_PATH"]).write_bytes(_deep(100_000))
        elif trouble == "list nested too deep":
            github.raw_list = _deep(100_000)
        else:
            github.add(12, "<!-- ci-gate: gate/load -->\n# ci-gate: ✅ passed", user=github.poster)
            github.raw_list = b"<html><body>Unicorn!</body></html>"
        run = run_gate(wait_args(sim, report, "--comment"), report, env=env)
        writes = [method for method, _, _ in github.requests if method != "GET"]
    assert run.code == 0, run.stderr
    assert run.summary["verdict"] == "passed" and run.summary["exit_code"] == 0
    assert run.summary["comment"]["status"] in ("skipped", "failed"), run.summary["comment"]
    warnings = [line for line in run.stderr.splitlines() if "review comment" in line]
    assert len(warnings) == 1 and warnings[0].startswith("ci-gate: warning: no review comment")
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    assert writes == []
    assert len(github.comments(12)) == (1 if trouble == "html list" else 0)
