"""GitHub Actions: outputs, the job summary, `::error` annotations, a timeline group.

Every server-supplied string is made safe by `text.one_line` (one line, `::` and `##[`
neutralised) and then escaped by the workflow-command rules (`%`, CR, LF; and `:` `,` in
properties), so no event message can issue a workflow command or forge an output.
Outputs use the delimiter syntax with a random delimiter, so no value can end its block
early.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from ci_gate.ci.issues import MAX_ISSUES, capped_issues
from ci_gate.ci.timeline import timeline_lines
from ci_gate.config.ci_env import GitHubCi
from ci_gate.domain.outcome import Outcome
from ci_gate.files import append_to_file
from ci_gate.report import ReportPaths
from ci_gate.text import Redacted, Word, redact, redact_value

#: GitHub shows at most 10 error annotations per step; we emit no more than that.
MAX_ANNOTATIONS = MAX_ISSUES
#: The job summary's limit per step is 1 MiB; keep a margin for what others appended.
STEP_SUMMARY_LIMIT = 1024 * 1024


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_lines(outcome: Outcome) -> list[str]:
    """`::error` lines: masters that errored, timed out or broke, then offending events and
    failed criteria, capped (`ci.issues`). Workflow commands are structured output: the
    title and message redacted, the command never (`text.Redacted`, passed whole by the
    console sink), so a secret that is `error` cannot break one."""
    issues, rest = capped_issues(outcome)
    lines: list[str] = [
        Redacted(
            f"::error title={escape_property(f'ci-gate: master {redact(issue.master_id)}')}::"
            f"{escape_data(redact(issue.text))}"
        )
        for issue in issues
    ]
    if rest:
        lines.append(
            Redacted(f"::warning title=ci-gate::{rest} more offending events, see summary.json")
        )
    return lines


def _fit_summary(markdown: str, room: int) -> str:
    data = markdown.encode("utf-8")
    if len(data) <= room:
        return markdown
    note = "\n\n*Summary cut to fit GitHub's 1 MiB step summary; see summary.md.*\n"
    keep = max(room - len(note.encode("utf-8")), 0)
    return data[:keep].decode("utf-8", errors="ignore") + note


def write_step_summary(path: Path, markdown: str) -> None:
    """Append summary.md within the 1 MiB limit, never blocking (`files.append_to_file`)."""
    used = path.stat().st_size if path.is_file() else 0
    room = STEP_SUMMARY_LIMIT - used - 1024
    if room <= 0:
        return
    append_to_file(path, (redact(_fit_summary(markdown, room)) + "\n").encode("utf-8"))


def write_outputs(path: Path, outputs: Mapping[str, str]) -> None:
    """Append the outputs in one write, never blocking (`files.append_to_file`): each
    value redacted (a `text.Word` of ours aside), names and delimiters never."""
    blocks = []
    for name, value in outputs.items():
        delimiter = _delimiter()
        blocks.append(f"{name}<<{delimiter}\n{redact_value(value)}\n{delimiter}\n")
    append_to_file(path, "".join(blocks).encode("utf-8"))


def _delimiter() -> str:
    """A heredoc delimiter no value can hold, and one that redaction leaves whole: a
    registered secret that happens to spell part of it (`CI_GATE_`) would otherwise stand
    in the file beside the value (the delimiter is ours, never redacted, so it must not
    carry a run of a secret)."""
    while True:
        delimiter = f"ci_gate_{secrets.token_hex(16)}"
        if redact(delimiter) == delimiter:
            return delimiter
        delimiter = f"EOF_{secrets.token_hex(16)}"
        if redact(delimiter) == delimiter:
            return delimiter


def publish_github(
    outcome: Outcome,
    paths: ReportPaths,
    markdown: str,
    ci: GitHubCi,
    stream: TextIO,
    warn: Callable[[str], None],
) -> None:
    """Timeline group and annotations in the log, the step summary, the step outputs (all
    but `exit-code`, which `ci.tell_exit_code` writes on every path)."""
    stream.write(Redacted("::group::ci-gate: status timeline\n"))
    for line in timeline_lines(outcome):
        stream.write(line + "\n")
    stream.write(Redacted("::endgroup::\n"))
    for line in annotation_lines(outcome):
        stream.write(Redacted(line + "\n"))
    stream.flush()
    if ci.step_summary is not None:
        try:
            write_step_summary(ci.step_summary, markdown)
        except OSError as error:
            warn(f"could not append to $GITHUB_STEP_SUMMARY ({error.strerror or error})")
    if ci.output is not None:
        outputs = {
            "verdict": Word(outcome.verdict.value),
            "junit-path": str(paths.junit),
            "summary-path": str(paths.summary_json),
            "master-id": outcome.master_ids,
        }
        if outcome.report_urls:
            outputs["report-url"] = outcome.report_urls
        try:
            write_outputs(ci.output, outputs)
        except OSError as error:
            warn(f"could not write the step outputs to $GITHUB_OUTPUT ({error.strerror or error})")
