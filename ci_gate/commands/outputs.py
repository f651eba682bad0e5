"""What the commands write besides the reports, and when: every output path proved
writable before the first request, the master id handed to the CI at once, an earlier
report set removed before a new master is announced.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ci_gate.ci.azure import output_variable
from ci_gate.ci.github import write_outputs
from ci_gate.ci.gitlab import names_a_verdict
from ci_gate.config.ci_env import AzureCi, Ci, GitHubCi, GitLabCi
from ci_gate.errors import UsageError
from ci_gate.files import check_appendable
from ci_gate.report.atomic import COMMIT_MARK, SET_NAMES, remove_set, write_file
from ci_gate.report.dotenv import DOTENV_NAME, started_dotenv
from ci_gate.text import RedactedBytes


def prepare_report_dir(report_dir: Path, named: str = "--report-dir") -> None:
    """Create the report folder and prove it writable before the first poll (exit 2,
    naming the option or variable, `named`, that chose it)."""
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(
            f"{named} {str(report_dir)!r}: cannot create it ({error.strerror})"
        ) from None
    try:
        with tempfile.TemporaryFile(dir=report_dir, prefix=".ci-gate-probe."):
            pass
    except OSError as error:
        raise UsageError(
            f"{named} {str(report_dir)!r}: cannot write there ({error.strerror})"
        ) from None


def prepare_outputs(
    report_dir: Path, ci: Ci, *, reports: bool = True, named: str = "--report-dir"
) -> None:
    """Every path the gate will write, proved before the first request (exit 2 naming
    it): the report folder, each report file's own path (a folder named junit.xml),
    gate.env inside GitLab, $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY inside GitHub (opened
    as they will be written, without blocking: a FIFO with no reader is refused now).

    `reports=False` (`start`): no report set, so the folder (chosen by `named`) is needed
    only inside GitLab, for gate.env. Inside GitLab an earlier run's verdict is removed now
    (its whole set): it must not be handed on as this job's when this one writes none (a
    failed start, an API error before the first poll). A gate.env that holds only a master
    id (`start`'s, or `run`'s own before its wait proves the outputs again) stays."""
    if reports or isinstance(ci, GitLabCi):
        prepare_report_dir(report_dir, named)
    for name in SET_NAMES if reports else ():  # a folder at a report file's path: now
        path = report_dir / name
        if path.is_dir() and not path.is_symlink():
            raise UsageError(f"{str(path)!r} ({name}) cannot be written: it is a folder")
    if isinstance(ci, GitLabCi):
        dotenv = report_dir / DOTENV_NAME
        if dotenv.exists() and not os.access(dotenv, os.W_OK):
            raise UsageError(f"{str(dotenv)!r} (gate.env) cannot be written")
        try:
            if _holds_a_verdict(report_dir):
                remove_set(report_dir)
        except OSError as error:
            raise UsageError(
                f"{named} {str(report_dir)!r}: cannot remove the earlier reports "
                f"({error.strerror or error})"
            ) from None
    prepare_ci_files(ci)


def _holds_a_verdict(report_dir: Path) -> bool:
    """A report set is there (summary.json), or a gate.env naming a verdict or exit code."""
    if (report_dir / COMMIT_MARK).exists():
        return True
    try:
        text = (report_dir / DOTENV_NAME).read_text("ascii", errors="replace")
    except FileNotFoundError:
        return False
    return names_a_verdict(text)


def prepare_ci_files(ci: Ci) -> None:
    """$GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY inside GitHub, proved writable (exit 2
    naming the path): also `stop`'s, whose exit code goes to $GITHUB_OUTPUT."""
    if isinstance(ci, GitHubCi):
        for variable, ci_file in (
            ("GITHUB_OUTPUT", ci.output),
            ("GITHUB_STEP_SUMMARY", ci.step_summary),
        ):
            if ci_file is not None:
                _check_ci_file(variable, ci_file)


def _check_ci_file(variable: str, path: Path) -> None:
    try:
        check_appendable(path)
    except OSError as error:
        raise UsageError(
            f"${variable} {str(path)!r} cannot be opened ({error.strerror or error})"
        ) from None


def wants_dotenv(ci: Ci) -> bool:
    """GitLab's dotenv report (gate.env) is part of the set inside GitLab CI only."""
    return isinstance(ci, GitLabCi)


def remove_previous_reports(report_dir: Path, warn: Callable[[str], None]) -> None:
    """The previous run's report set removed (summary.json first) before a new master is
    announced: no file of an earlier run stands beside the new master id."""
    try:
        remove_set(report_dir)
    except OSError as error:
        warn(f"could not remove the previous reports ({error.strerror or error})")


def why_not_written(error: BaseException) -> str:
    """Why a file was not written, naming it (`Is a directory: 'rC/junit.xml'`): a rename's
    target, else the file the error is about."""
    if isinstance(error, OSError) and error.strerror:
        where = error.filename2 if error.filename2 is not None else error.filename
        return error.strerror if where is None else f"{error.strerror}: {str(where)!r}"
    return f"{type(error).__name__}: {error}"


def announce_master(
    master_id: str,
    report_dir: Path,
    ci: Ci,
    warn: Callable[[str], None],
    stream: TextIO,
) -> None:
    """Tell the CI system the new master's id at once, so a cancelled job can stop it:
    `$GITHUB_OUTPUT`'s `master-id`, GitLab's gate.env, Azure's `CI_GATE_MASTER_ID` (a
    logging command on `stream`)."""
    try:
        if isinstance(ci, AzureCi):
            stream.write(output_variable("CI_GATE_MASTER_ID", master_id) + "\n")
            stream.flush()
        elif isinstance(ci, GitHubCi) and ci.output is not None:
            write_outputs(ci.output, {"master-id": master_id})
        elif isinstance(ci, GitLabCi):
            report_dir.mkdir(parents=True, exist_ok=True)
            remove_set(report_dir)  # no file of an earlier run beside the new master id
            write_file(
                report_dir, DOTENV_NAME, RedactedBytes(started_dotenv(master_id).encode("ascii"))
            )
    except OSError as error:
        warn(f"could not hand the master id to the CI system ({error.strerror or error})")
