"""The CI recognised once (`config.ci_env.detect_ci`) and the context `cli.main` builds
from one snapshot of the environment (issue 30 item 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_gate.config.ci_env import AzureCi, GitHubCi, GitLabCi, JenkinsCi, detect_ci
from ci_gate.config.context import OUTSIDE_CI, resolve_context


def test_detect() -> None:
    assert isinstance(detect_ci({"GITHUB_ACTIONS": "true"}), GitHubCi)
    assert isinstance(detect_ci({"GITLAB_CI": "true"}), GitLabCi)
    # only GITLAB_CI=true counts: emulators that set it false are not GitLab
    assert detect_ci({"GITLAB_CI": "false", "CI_JOB_ID": "7", "CI_API_V4_URL": "x"}) is None
    assert detect_ci({"GITLAB_CI": "false"}) is None
    # Jenkins is known (for the provenance note) but gets no adapter of its own
    assert isinstance(detect_ci({"JENKINS_URL": "x"}), JenkinsCi)
    assert isinstance(detect_ci({"BUILD_URL": "https://j/job/x/5/"}), JenkinsCi)
    assert detect_ci({}) is None


def test_detect_azure_pipelines() -> None:
    assert isinstance(detect_ci({"TF_BUILD": "True"}), AzureCi)
    assert isinstance(detect_ci({"TF_BUILD": "true"}), AzureCi)
    assert detect_ci({"TF_BUILD": "False"}) is None
    assert detect_ci({"TF_BUILD": ""}) is None
    assert detect_ci({"BUILD_BUILDID": "7"}) is None


def test_the_first_ci_named_wins_as_it_always_did() -> None:
    both = {"GITHUB_ACTIONS": "true", "GITLAB_CI": "true", "TF_BUILD": "True", "BUILD_URL": "x"}
    assert isinstance(detect_ci(both), GitHubCi)
    assert isinstance(detect_ci({**both, "GITHUB_ACTIONS": ""}), GitLabCi)
    assert isinstance(detect_ci({"TF_BUILD": "True", "BUILD_URL": "x"}), AzureCi)


def test_githubs_files_are_paths_or_none_and_its_urls_default_as_github_sets_them() -> None:
    ci = detect_ci({"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": "/o", "GITHUB_STEP_SUMMARY": ""})
    assert isinstance(ci, GitHubCi)
    assert (ci.output, ci.step_summary) == (Path("/o"), None)
    assert (ci.api_url, ci.server_url) == ("https://api.github.com", "https://github.com")
    # set but empty stays empty, as the variable read it before
    empty = detect_ci({"GITHUB_ACTIONS": "true", "GITHUB_API_URL": ""})
    assert isinstance(empty, GitHubCi) and empty.api_url == ""


@pytest.mark.parametrize(
    ("env", "token"),
    [
        ({"GITHUB_ACTIONS": "true", "GITHUB_TOKEN": "ghs_tokenvalue"}, "ghs_tokenvalue"),
        ({"GITLAB_CI": "true", "CI_GATE_GITLAB_TOKEN": "glpat-tokenvalue"}, "glpat-tokenvalue"),
    ],
)
def test_a_token_is_carried_but_never_shown_in_the_records_repr(
    env: dict[str, str], token: str
) -> None:
    ci = detect_ci(env)
    assert isinstance(ci, (GitHubCi, GitLabCi)) and ci.token == token
    assert token not in repr(ci) and token not in repr(resolve_context(env))


@pytest.mark.parametrize(
    ("value", "on"), [("1", True), (" TRUE ", True), ("yes", True), ("0", False), ("x", False)]
)
def test_the_debug_flag_reads_the_configs_words_for_true(value: str, on: bool) -> None:
    assert resolve_context({"CI_GATE_DEBUG": value}).debug is on


def test_outside_ci_is_the_context_of_an_empty_environment() -> None:
    assert resolve_context({}) == OUTSIDE_CI


@pytest.mark.parametrize("odd", ["\udcff", "\ud800", "shop\udc80front"])
def test_a_value_the_environment_could_not_decode_reaches_ci_as_text(odd: str) -> None:
    """`os.environ` keeps undecodable bytes as lone surrogates, which no encoder takes (a
    URL's quoting raised UnicodeEncodeError: hypothesis found it in the Azure note); the
    reader hands `ci/` each as U+FFFD, so every use of the value is text."""
    from ci_gate.ci.provenance import provenance_note
    from ci_gate.ci.target import find_target

    azure = detect_ci(
        {
            "TF_BUILD": "True",
            "SYSTEM_COLLECTIONURI": "https://dev.azure.com/acme/",
            "SYSTEM_TEAMPROJECT": odd,
            "BUILD_BUILDID": "7",
            "BUILD_SOURCEBRANCH": odd,
        }
    )
    assert isinstance(azure, AzureCi) and azure.team_project == odd.translate(_REPLACED)
    assert "_build/results?buildId=7" in provenance_note(azure)
    gitlab = detect_ci({"GITLAB_CI": "true", "CI_JOB_URL": f"https://gl/{odd}", "CI_JOB_NAME": odd})
    assert "GitLab CI" in provenance_note(gitlab)
    assert isinstance(find_target(gitlab), str)


_REPLACED = {code: "\ufffd" for code in range(0xD800, 0xE000)}
