"""CI awareness: what the gate adds when it runs inside GitHub Actions or GitLab CI.

Adapters read the finished `Outcome` and the report paths; they never call the API.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO

from ci_gate.ci.github import publish_github
from ci_gate.ci.gitlab import publish_gitlab
from ci_gate.outcome import Outcome
from ci_gate.report import ReportPaths


def detect(env: Mapping[str, str]) -> str | None:
    """'github', 'gitlab' or None (Jenkins and the rest get plain output)."""
    if env.get("GITHUB_ACTIONS") == "true":
        return "github"
    if env.get("GITLAB_CI") == "true":
        return "gitlab"
    return None


def publish(
    outcome: Outcome,
    paths: ReportPaths,
    env: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
) -> None:
    """Hand the outcome to the CI system the gate runs in, if any."""
    env = os.environ if env is None else env
    stream = stream or sys.stdout
    platform = detect(env)
    if platform == "github":
        publish_github(outcome, paths, env, stream)
    elif platform == "gitlab":
        publish_gitlab(outcome, paths, stream)
