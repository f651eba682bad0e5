"""The CI the gate runs in, recognised once and read into a typed record (issue 30 item 1).

`detect_ci` is the one function that names the variables that tell the CI apart
(`GITHUB_ACTIONS`, `GITLAB_CI`, `TF_BUILD`; Jenkins by `JENKINS_URL` or `BUILD_URL`, for
the provenance note only) and the one reader of each CI's own variables: the output
files, the review comment's inputs (tokens included), the job's provenance. `cli` calls
it once per process; the layers below receive the record, never the environment.

The values are kept as the CI wrote them (a default where the CI always sets one): they
are as hostile as server text, and `ci/` checks each where it is used (`target.safe_link`,
`target._fits_a_header`, `text.one_line`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


def _path(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name, "")
    return Path(value) if value else None


@dataclass(frozen=True)
class GitHubCi:
    """GitHub Actions (`GITHUB_ACTIONS=true`)."""

    output: Path | None = None  # $GITHUB_OUTPUT
    step_summary: Path | None = None  # $GITHUB_STEP_SUMMARY
    event_name: str = ""
    event_path: str = ""
    token: str = field(default="", repr=False)  # $GITHUB_TOKEN, for the review comment
    repository: str = ""
    api_url: str = "https://api.github.com"
    server_url: str = "https://github.com"
    run_id: str = ""
    workflow: str = ""
    job: str = ""
    sha: str = ""
    ref_name: str = ""
    comment_key: str = ""  # CI_GATE_COMMENT_KEY

    @classmethod
    def read(cls, env: Mapping[str, str]) -> GitHubCi:
        return cls(
            output=_path(env, "GITHUB_OUTPUT"),
            step_summary=_path(env, "GITHUB_STEP_SUMMARY"),
            event_name=env.get("GITHUB_EVENT_NAME", ""),
            event_path=env.get("GITHUB_EVENT_PATH", ""),
            token=env.get("GITHUB_TOKEN", ""),
            repository=env.get("GITHUB_REPOSITORY", ""),
            api_url=env.get("GITHUB_API_URL", cls.api_url),
            server_url=env.get("GITHUB_SERVER_URL", cls.server_url),
            run_id=env.get("GITHUB_RUN_ID", ""),
            workflow=env.get("GITHUB_WORKFLOW", ""),
            job=env.get("GITHUB_JOB", ""),
            sha=env.get("GITHUB_SHA", ""),
            ref_name=env.get("GITHUB_REF_NAME", ""),
            comment_key=env.get("CI_GATE_COMMENT_KEY", ""),
        )


@dataclass(frozen=True)
class GitLabCi:
    """GitLab CI (`GITLAB_CI=true`): its reports include gate.env (the dotenv report)."""

    merge_request_iid: str = ""
    token: str = field(default="", repr=False)  # CI_GATE_GITLAB_TOKEN, for the review note
    api_url: str = ""  # CI_API_V4_URL
    project_id: str = ""
    merge_request_project_url: str = ""
    project_url: str = ""
    job_name: str = ""
    job_url: str = ""
    commit_sha: str = ""
    commit_ref_name: str = ""
    comment_key: str = ""  # CI_GATE_COMMENT_KEY

    @classmethod
    def read(cls, env: Mapping[str, str]) -> GitLabCi:
        return cls(
            merge_request_iid=env.get("CI_MERGE_REQUEST_IID", ""),
            token=env.get("CI_GATE_GITLAB_TOKEN", ""),
            api_url=env.get("CI_API_V4_URL", ""),
            project_id=env.get("CI_PROJECT_ID", ""),
            merge_request_project_url=env.get("CI_MERGE_REQUEST_PROJECT_URL", ""),
            project_url=env.get("CI_PROJECT_URL", ""),
            job_name=env.get("CI_JOB_NAME", ""),
            job_url=env.get("CI_JOB_URL", ""),
            commit_sha=env.get("CI_COMMIT_SHA", ""),
            commit_ref_name=env.get("CI_COMMIT_REF_NAME", ""),
            comment_key=env.get("CI_GATE_COMMENT_KEY", ""),
        )


@dataclass(frozen=True)
class AzureCi:
    """Azure Pipelines (`TF_BUILD=True`): its predefined variables of the build."""

    collection_uri: str = ""  # SYSTEM_COLLECTIONURI
    team_project: str = ""  # SYSTEM_TEAMPROJECT
    build_id: str = ""  # BUILD_BUILDID
    source_version: str = ""
    source_branch: str = ""
    source_branch_name: str = ""

    @classmethod
    def read(cls, env: Mapping[str, str]) -> AzureCi:
        return cls(
            collection_uri=env.get("SYSTEM_COLLECTIONURI", ""),
            team_project=env.get("SYSTEM_TEAMPROJECT", ""),
            build_id=env.get("BUILD_BUILDID", ""),
            source_version=env.get("BUILD_SOURCEVERSION", ""),
            source_branch=env.get("BUILD_SOURCEBRANCH", ""),
            source_branch_name=env.get("BUILD_SOURCEBRANCHNAME", ""),
        )


@dataclass(frozen=True)
class JenkinsCi:
    """Jenkins, known only for the provenance note (it gets plain output)."""

    build_url: str = ""
    git_commit: str = ""
    git_branch: str = ""

    @classmethod
    def read(cls, env: Mapping[str, str]) -> JenkinsCi:
        return cls(
            build_url=env.get("BUILD_URL", ""),
            git_commit=env.get("GIT_COMMIT", ""),
            git_branch=env.get("GIT_BRANCH", ""),
        )


#: The CI the gate runs in; None outside any CI it knows.
Ci = GitHubCi | GitLabCi | AzureCi | JenkinsCi | None


def detect_ci(env: Mapping[str, str]) -> Ci:
    """The CI `env` tells, read into its record: GitHub, GitLab, Azure, then Jenkins."""
    if env.get("GITHUB_ACTIONS") == "true":
        return GitHubCi.read(env)
    if env.get("GITLAB_CI") == "true":
        return GitLabCi.read(env)
    if env.get("TF_BUILD", "").lower() == "true":  # Azure Pipelines sets it to "True"
        return AzureCi.read(env)
    if env.get("JENKINS_URL") or env.get("BUILD_URL"):
        return JenkinsCi.read(env)
    return None
