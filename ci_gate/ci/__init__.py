"""CI awareness: what the gate adds inside GitHub Actions, GitLab CI or Azure Pipelines.

Adapters read the finished `Outcome`, the report paths and the rendered summary; they
never call the API. A CI file that cannot be written (a broken `$GITHUB_STEP_SUMMARY`
path, a full disk) is reported on one line and never keeps the rest from being done.

The CI was recognised once, by `config.ci_env.detect_ci`; what it found comes here as a
typed record (`Ci`). The adapters are imported only when named, so that `cli.main`, which
hands every path's exit code to the CI (`tell_exit_code`), loads nothing else.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ci_gate.clock import REAL_CLOCK, Clock
from ci_gate.config.ci_env import AzureCi, Ci, GitHubCi, GitLabCi
from ci_gate.text import Redacted, Word

if TYPE_CHECKING:
    from ci_gate.domain.outcome import Outcome
    from ci_gate.report import ReportPaths


def publish(
    outcome: Outcome,
    paths: ReportPaths,
    ci: Ci,
    stream: TextIO | None = None,
    *,
    markdown: str | None = None,
    warn: Callable[[str], None] | None = None,
    clock: Clock = REAL_CLOCK,
) -> None:
    """Hand the outcome to the CI system the gate runs in, if any (the exit code is not
    among it: `tell_exit_code` hands that on, once, for every path).

    `markdown` is the rendered summary (read from the report when not given); `clock` is
    the command's (GitLab's section stamps are read on it).
    """
    stream = stream or sys.stdout
    if isinstance(ci, GitHubCi):
        from ci_gate.ci.github import publish_github

        if markdown is None:
            markdown = paths.summary_md.read_text("utf-8")
        publish_github(outcome, paths, markdown, ci, stream, warn or _warn_on_stderr)
    elif isinstance(ci, GitLabCi):
        from ci_gate.ci.gitlab import publish_gitlab

        publish_gitlab(outcome, stream, clock.now())
    elif isinstance(ci, AzureCi):
        from ci_gate.ci.azure import publish_azure

        publish_azure(outcome, paths, stream)


def tell_exit_code(
    ci: Ci, code: int, stream: TextIO | None = None, *, report_dir: Path | None = None
) -> None:
    """The one writer of the exit code the CI is handed: GitHub's `exit-code` step output,
    Azure's `CI_GATE_EXIT_CODE` output variable (on `stream`, stderr by default: stdout
    stays what the command prints, `start`'s only the id). `cli.main` calls it once the
    command has returned or failed, on every path, so it is always the process's own.
    GitLab's is in gate.env, part of the report set; where the command wrote none
    (`report_dir`: where `wait`, `run` or `start` would have), a gate.env naming only this
    exit code replaces any earlier run's, whose verdict must not pass for this job's."""
    stream = stream or sys.stderr
    if isinstance(ci, GitLabCi) and report_dir is not None:
        from ci_gate.ci.gitlab import hand_exit_code

        try:
            hand_exit_code(report_dir, code)
        except OSError as error:
            stream.write(f"ci-gate: could not write gate.env: {error.strerror or error}\n")
    if isinstance(ci, GitHubCi) and ci.output is not None:
        from ci_gate.ci.github import write_outputs

        try:
            write_outputs(ci.output, {"exit-code": Word(str(code))})
        except OSError as error:
            stream.write(f"ci-gate: could not write the GitHub output: {error.strerror}\n")
    elif isinstance(ci, AzureCi):
        from ci_gate.ci.azure import output_variable

        stream.write(Redacted(output_variable("CI_GATE_EXIT_CODE", Word(str(code))) + "\n"))
    stream.flush()


def _warn_on_stderr(message: str) -> None:
    sys.stderr.write(f"ci-gate: {message}\n")
