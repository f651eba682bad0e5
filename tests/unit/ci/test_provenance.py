"""The provenance note `ci-gate run` writes: the CI job, commit and branch, nothing else."""

from __future__ import annotations

from ci_gate import __version__
from ci_gate.ci.provenance import NOTE_LIMIT, provenance_note


def test_github_gitlab_jenkins_and_outside_ci() -> None:
    github = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_RUN_ID": "77",
        "GITHUB_SHA": "abc123",
        "GITHUB_REF_NAME": "main",
        "GITHUB_TOKEN": "ghs_secret",
        "BLAZEMETER_API_KEY_SECRET": "s3cr3t",
    }
    assert provenance_note(github) == (
        f"Started by ci-gate {__version__} from GitHub Actions: "
        "https://github.com/acme/shop/actions/runs/77, commit abc123, branch main"
    )
    gitlab = {
        "GITLAB_CI": "true",
        "CI_JOB_URL": "https://gl/j/1",
        "CI_COMMIT_SHA": "def",
        "CI_COMMIT_REF_NAME": "dev",
        "CI_JOB_TOKEN": "glcbt-secret",
    }
    assert provenance_note(gitlab).endswith("GitLab CI: https://gl/j/1, commit def, branch dev")
    jenkins = {
        "JENKINS_URL": "https://j/",
        "BUILD_URL": "https://j/job/x/5/",
        "GIT_COMMIT": "f00",
        "GIT_BRANCH": "origin/main",
    }
    assert provenance_note(jenkins).endswith(
        "Jenkins: https://j/job/x/5/, commit f00, branch origin/main"
    )
    assert provenance_note({}) == f"Started by ci-gate {__version__} (outside CI)"


def test_the_note_is_one_bounded_line() -> None:
    hostile = {"GITLAB_CI": "true", "CI_JOB_URL": "x\n::error::y\x1b[2J" + "z" * 2000}
    note = provenance_note(hostile)
    assert "\n" not in note and "\x1b" not in note and "::" not in note
    assert len(note) <= NOTE_LIMIT
