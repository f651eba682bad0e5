"""The provenance note `ci-gate run` writes: the CI job, commit and branch, nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate import __version__
from ci_gate.ci.provenance import NOTE_LIMIT, provenance_note
from ci_gate.config.ci_env import detect_ci


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
    assert provenance_note(detect_ci(github)) == (
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
    assert provenance_note(detect_ci(gitlab)).endswith(
        "GitLab CI: https://gl/j/1, commit def, branch dev"
    )
    jenkins = {
        "JENKINS_URL": "https://j/",
        "BUILD_URL": "https://j/job/x/5/",
        "GIT_COMMIT": "f00",
        "GIT_BRANCH": "origin/main",
    }
    assert provenance_note(detect_ci(jenkins)).endswith(
        "Jenkins: https://j/job/x/5/, commit f00, branch origin/main"
    )
    assert provenance_note(detect_ci({})) == f"Started by ci-gate {__version__} (outside CI)"


def test_the_note_is_one_bounded_line() -> None:
    hostile = {"GITLAB_CI": "true", "CI_JOB_URL": "x\n::error::y\x1b[2J" + "z" * 2000}
    note = provenance_note(detect_ci(hostile))
    assert "\n" not in note and "\x1b" not in note
    # no "::" where a line could start (GitHub's rule: after the leading blanks)
    assert not any(piece.startswith("::") for piece in note.split())
    assert len(note) <= NOTE_LIMIT


AZURE = {
    "TF_BUILD": "True",
    "SYSTEM_COLLECTIONURI": "https://dev.azure.com/acme/",
    "SYSTEM_TEAMPROJECT": "Shop",
    "BUILD_BUILDID": "4242",
    "BUILD_SOURCEVERSION": "0123abc",
    "BUILD_SOURCEBRANCH": "refs/heads/feature/cart",
    "BUILD_SOURCEBRANCHNAME": "cart",
    "SYSTEM_ACCESSTOKEN": "azure-secret-token",
}


def test_azure_pipelines_names_its_build_commit_and_branch() -> None:
    assert provenance_note(detect_ci(AZURE)) == (
        f"Started by ci-gate {__version__} from Azure Pipelines: "
        "https://dev.azure.com/acme/Shop/_build/results?buildId=4242, "
        "commit 0123abc, branch feature/cart"
    )
    # a collection URI without its trailing slash; a branch known only by its short name
    bare = {**AZURE, "SYSTEM_COLLECTIONURI": "https://tfs.acme.test/DefaultCollection"}
    del bare["BUILD_SOURCEBRANCH"]
    assert provenance_note(detect_ci(bare)).endswith(
        "https://tfs.acme.test/DefaultCollection/Shop/_build/results?buildId=4242, "
        "commit 0123abc, branch cart"
    )
    assert "azure-secret-token" not in provenance_note(detect_ci(AZURE))


@pytest.mark.parametrize(
    ("changes", "url"),
    [
        # the project is one path segment, escaped whole
        (
            {"SYSTEM_TEAMPROJECT": "Shop Front/../x?y#z [a](b)"},
            "https://dev.azure.com/acme/Shop%20Front%2F..%2Fx%3Fy%23z%20%5Ba%5D%28b%29"
            "/_build/results?buildId=4242",
        ),
        ({"SYSTEM_COLLECTIONURI": "javascript:alert(1)//"}, None),
        ({"SYSTEM_COLLECTIONURI": "https://user:pw@dev.azure.com/acme/"}, None),
        ({"SYSTEM_COLLECTIONURI": "https://dev.azure.com/acme/\n##vso[task.complete]"}, None),
        ({"BUILD_BUILDID": "42;rm -rf"}, None),
        ({"BUILD_BUILDID": ""}, None),
        ({"SYSTEM_TEAMPROJECT": ""}, None),
    ],
)
def test_azure_build_links_are_http_urls_escaped_or_none(
    changes: dict[str, str], url: str | None
) -> None:
    note = provenance_note(detect_ci({**AZURE, **changes}))
    assert note.startswith(f"Started by ci-gate {__version__} from Azure Pipelines: ")
    if url is None:
        assert "_build" not in note and "javascript" not in note and "pw@" not in note
    else:
        assert f": {url}, commit" in note


@pytest.mark.parametrize(
    "env",
    [
        {"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "javascript:x", "GITHUB_REPOSITORY": "a/b"},
        {"GITLAB_CI": "true", "CI_JOB_URL": "file:///etc/passwd"},
        {"JENKINS_URL": "x", "BUILD_URL": "data:text/html,<b>"},
    ],
)
def test_a_ci_link_that_is_not_http_is_left_out(env: dict[str, str]) -> None:
    note = provenance_note(detect_ci({**env, "GITHUB_RUN_ID": "1"}))
    assert not any(word in note for word in ("javascript", "file:", "data:"))


def test_hostile_azure_commit_and_branch_stay_one_inert_line() -> None:
    note = provenance_note(
        detect_ci(
            {
                **AZURE,
                "BUILD_SOURCEVERSION": "abc\n##vso[task.setvariable variable=X]1",
                "BUILD_SOURCEBRANCH": "refs/heads/x\r\n##[error]y" + "z" * 2000,
            }
        )
    )
    assert "\n" not in note and "\r" not in note and "##vso[" not in note and "##[" not in note
    assert len(note) <= NOTE_LIMIT


AZURE_VALUES = st.text(st.characters(codec=None, exclude_categories=()), max_size=60) | (
    st.sampled_from(["https://dev.azure.com/a/", "javascript:x//", "42", "refs/heads/"])
)


@settings(max_examples=150, deadline=None)
@given(values=st.fixed_dictionaries({name: AZURE_VALUES for name in AZURE if name != "TF_BUILD"}))
def test_any_azure_variables_make_one_inert_line_with_an_http_link_or_none(
    values: dict[str, str],
) -> None:
    note = provenance_note(detect_ci({"TF_BUILD": "True", **values}))
    assert note.startswith(f"Started by ci-gate {__version__} from Azure Pipelines")
    assert len(note) <= NOTE_LIMIT
    assert "\n" not in note and "\r" not in note and "##vso[" not in note.lower()
    head = note.split(": ", 1)[1] if ": " in note else ""
    if "/_build/results?buildId=" in head.split(", commit ", 1)[0]:
        assert head.startswith(("https://", "http://"))
