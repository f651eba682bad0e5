"""CI awareness: what the gate adds inside GitHub Actions, GitLab CI or Azure Pipelines.

Adapters read the finished `Outcome`, the report paths and the rendered summary; they
never call the API. A CI file that cannot be written (a broken `$GITHUB_STEP_SUMMARY`
path, a full disk) is reported on one line and never keeps the rest from being done.

`detect` is the one place the CI is recognised; the adapters are imported only when
`publish` runs, so that the error paths of `cli.main`, which ask `detect` where to hand
the exit code, load nothing else.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ci_gate.domain.outcome import Outcome
    from ci_gate.report import ReportPaths


def detect(env: Mapping[str, str]) -> str | None:
    """'github', 'gitlab', 'azure' or None (Jenkins and the rest get plain output)."""
    if env.get("GITHUB_ACTIONS") == "true":
        return "github"
    if env.get("GITLAB_CI") == "true":
        return "gitlab"
    if env.get("TF_BUILD", "").lower() == "true":  # Azure Pipelines sets it to "True"
        return "azure"
    return None


def publish(
    outcome: Outcome,
    paths: ReportPaths,
    env: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
    *,
    markdown: str | None = None,
    warn: Callable[[str], None] | None = None,
) -> None:
    """Hand the outcome to the CI system the gate runs in, if any.

    `markdown` is the rendered summary (read from the report when not given).
    """
    env = os.environ if env is None else env
    stream = stream or sys.stdout
    platform = detect(env)
    if platform == "github":
        from ci_gate.ci.github import publish_github

        if markdown is None:
            markdown = paths.summary_md.read_text("utf-8")
        publish_github(outcome, paths, markdown, env, stream, warn or _warn_on_stderr)
    elif platform == "gitlab":
        from ci_gate.ci.gitlab import publish_gitlab

        publish_gitlab(outcome, stream)
    elif platform == "azure":
        from ci_gate.ci.azure import publish_azure

        publish_azure(outcome, paths, stream)


def _warn_on_stderr(message: str) -> None:
    sys.stderr.write(f"ci-gate: {message}\n")
