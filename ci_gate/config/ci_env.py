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
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

_Record = TypeVar("_Record")


def _variable(name: str, default: str = "", *, secret: bool = False) -> Any:
    """A field read from the CI's variable `name` (`default` when it is unset); a secret
    one is left out of the record's repr."""
    return field(default=default, repr=not secret, metadata={"variable": name})


def _file(name: str) -> Any:
    """A file the CI names for the gate: its path, or None when unset or empty."""
    return field(default=None, metadata={"variable": name, "file": True})


#: Lone surrogates: how `os.environ` keeps bytes it could not decode; no encoder takes them.
_UNDECODED = {code: "\ufffd" for code in range(0xD800, 0xE000)}


def _read(record: type[_Record], env: Mapping[str, str]) -> _Record:
    """`record` with each field read from the variable it names: text every encoder takes
    (an undecodable byte becomes U+FFFD; a file's path is kept as the OS gave it)."""
    values: dict[str, object] = {}
    for each in fields(record):  # type: ignore[arg-type]
        name = each.metadata["variable"]
        if each.metadata.get("file"):
            values[each.name] = Path(env[name]) if env.get(name) else None
        else:
            values[each.name] = str(env.get(name, each.default)).translate(_UNDECODED)
    return record(**values)


@dataclass(frozen=True)
class GitHubCi:
    """GitHub Actions (`GITHUB_ACTIONS=true`)."""

    output: Path | None = _file("GITHUB_OUTPUT")
    step_summary: Path | None = _file("GITHUB_STEP_SUMMARY")
    event_name: str = _variable("GITHUB_EVENT_NAME")
    event_path: str = _variable("GITHUB_EVENT_PATH")
    token: str = _variable("GITHUB_TOKEN", secret=True)  # for the review comment
    repository: str = _variable("GITHUB_REPOSITORY")
    api_url: str = _variable("GITHUB_API_URL", "https://api.github.com")
    server_url: str = _variable("GITHUB_SERVER_URL", "https://github.com")
    run_id: str = _variable("GITHUB_RUN_ID")
    workflow: str = _variable("GITHUB_WORKFLOW")
    job: str = _variable("GITHUB_JOB")
    sha: str = _variable("GITHUB_SHA")
    ref_name: str = _variable("GITHUB_REF_NAME")
    comment_key: str = _variable("CI_GATE_COMMENT_KEY")


@dataclass(frozen=True)
class GitLabCi:
    """GitLab CI (`GITLAB_CI=true`): its reports include gate.env (the dotenv report)."""

    merge_request_iid: str = _variable("CI_MERGE_REQUEST_IID")
    token: str = _variable("CI_GATE_GITLAB_TOKEN", secret=True)  # for the review note
    api_url: str = _variable("CI_API_V4_URL")
    project_id: str = _variable("CI_PROJECT_ID")
    merge_request_project_url: str = _variable("CI_MERGE_REQUEST_PROJECT_URL")
    project_url: str = _variable("CI_PROJECT_URL")
    job_name: str = _variable("CI_JOB_NAME")
    job_url: str = _variable("CI_JOB_URL")
    commit_sha: str = _variable("CI_COMMIT_SHA")
    commit_ref_name: str = _variable("CI_COMMIT_REF_NAME")
    comment_key: str = _variable("CI_GATE_COMMENT_KEY")


@dataclass(frozen=True)
class AzureCi:
    """Azure Pipelines (`TF_BUILD=True`): its predefined variables of the build."""

    collection_uri: str = _variable("SYSTEM_COLLECTIONURI")
    team_project: str = _variable("SYSTEM_TEAMPROJECT")
    build_id: str = _variable("BUILD_BUILDID")
    source_version: str = _variable("BUILD_SOURCEVERSION")
    source_branch: str = _variable("BUILD_SOURCEBRANCH")
    source_branch_name: str = _variable("BUILD_SOURCEBRANCHNAME")


@dataclass(frozen=True)
class JenkinsCi:
    """Jenkins, known only for the provenance note (it gets plain output)."""

    build_url: str = _variable("BUILD_URL")
    git_commit: str = _variable("GIT_COMMIT")
    git_branch: str = _variable("GIT_BRANCH")


#: The CI the gate runs in; None outside any CI it knows.
Ci = GitHubCi | GitLabCi | AzureCi | JenkinsCi | None


def detect_ci(env: Mapping[str, str]) -> Ci:
    """The CI `env` tells, read into its record: GitHub, GitLab, Azure, then Jenkins."""
    if env.get("GITHUB_ACTIONS") == "true":
        return _read(GitHubCi, env)
    if env.get("GITLAB_CI") == "true":
        return _read(GitLabCi, env)
    if env.get("TF_BUILD", "").lower() == "true":  # Azure Pipelines sets it to "True"
        return _read(AzureCi, env)
    if env.get("JENKINS_URL") or env.get("BUILD_URL"):
        return _read(JenkinsCi, env)
    return None
