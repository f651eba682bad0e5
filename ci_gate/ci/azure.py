"""Azure Pipelines: `##vso[...]` logging commands for the issues, the summary and the
output variables, and a collapsible timeline group.

The grammar is Microsoft's: `##vso[area.action property1=value;property2=value]message`,
one command per line. As the agent's own task library writes it (azure-pipelines-task-lib,
`taskcommand.ts`), a message escapes `%` as `%AZP25`, CR as `%0D` and LF as `%0A`; a
property value escapes `;` as `%3B` and `]` as `%5D` besides. (In the message, `]` and `;`
need no escape: the first `]` ends the properties, and the agent would show `%5D` as is.)
Every server string is first made one inert line by `text.one_line`, which also breaks
`##vso[` and `##[` wherever they appear, so no event text can issue a command of its own.

The output variables (`isoutput=true`) carry the keys of GitLab's gate.env:
`CI_GATE_VERDICT`, `CI_GATE_EXIT_CODE`, and where known `CI_GATE_MASTER_ID` and
`CI_GATE_REPORT_URL`; a later step reads `$(STEP_NAME.CI_GATE_VERDICT)`. The master id is
also set as soon as a start returns (`commands.outputs.announce_master`), and the exit code
by `ci.tell_exit_code` (from `cli.main`, on every path, on stderr): a job killed or
refused still hands them on.
The agent reads logging commands on stderr as on stdout (its handler processes both, and
Bash@3 sends a script's stderr to its stdout), so `start`, whose stdout is only the id,
writes its command there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TextIO

from ci_gate.ci.issues import capped_issues
from ci_gate.ci.timeline import timeline_lines
from ci_gate.domain.outcome import Outcome
from ci_gate.report import ReportPaths
from ci_gate.text import Redacted, Word, one_line, redact_value

#: The output variables (GitLab's gate.env keys): `variable_lines` sets all but the exit
#: code's, which `ci.tell_exit_code` sets on every path.
VARIABLES = ("CI_GATE_VERDICT", "CI_GATE_EXIT_CODE", "CI_GATE_MASTER_ID", "CI_GATE_REPORT_URL")

_AREA_ACTION = re.compile(r"[a-z]+\.[a-z]+")
_PROPERTY_NAME = re.compile(r"[a-z]+")


def escape_data(text: str) -> str:
    """A command's message: `%`, CR and LF escaped (`%` first, so nothing is escaped twice)."""
    return text.replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: the message escapes, and `;` and `]`, which would end it early."""
    return escape_data(text).replace(";", "%3B").replace("]", "%5D")


def logging_command(
    area_action: str, message: str = "", properties: Mapping[str, str] | None = None
) -> str:
    """`##vso[area.action name=value;...]message`, every value and the message redacted
    (a `text.Word` of ours aside) and escaped: a structured output, passed whole by the
    console sink (`text.Redacted`), so a secret spelling `setvariable` or `true` cannot
    break it.

    Names are ours (checked, never escaped): a name that could break the grammar is a bug.
    """
    if not _AREA_ACTION.fullmatch(area_action):
        raise ValueError(f"not an area.action: {area_action!r}")
    pairs = []
    for name, value in (properties or {}).items():
        if not _PROPERTY_NAME.fullmatch(name):
            raise ValueError(f"not a property name: {name!r}")
        pairs.append(f"{name}={escape_property(redact_value(value))}")
    head = f"{area_action} {';'.join(pairs)}" if pairs else area_action
    return Redacted(f"##vso[{head}]{escape_data(redact_value(message))}")


def issue_lines(outcome: Outcome) -> list[str]:
    """`task.logissue` errors, capped as the GitHub annotations are, then a count."""
    issues, rest = capped_issues(outcome)
    lines = [
        logging_command(
            "task.logissue",
            f"ci-gate: master {issue.master_id}: {issue.text}",
            {"type": Word("error")},
        )
        for issue in issues
    ]
    if rest:
        lines.append(
            logging_command(
                "task.logissue",
                f"ci-gate: {rest} more offending events, see summary.json",
                {"type": Word("warning")},
            )
        )
    return lines


def output_variable(name: str, value: str) -> str:
    """`##vso[task.setvariable variable=NAME;isoutput=true]VALUE`: a step output variable."""
    return logging_command(
        "task.setvariable", value, {"variable": Word(name), "isoutput": Word("true")}
    )


def variable_lines(outcome: Outcome) -> list[str]:
    """`task.setvariable` output variables: the verdict, the masters and their report
    links where known (the exit code is `ci.tell_exit_code`'s, on every path)."""
    values = {
        "CI_GATE_VERDICT": Word(outcome.verdict.value),
        "CI_GATE_MASTER_ID": outcome.master_ids,
        "CI_GATE_REPORT_URL": one_line(outcome.report_urls, 20_000),
    }
    return [output_variable(name, value) for name, value in values.items() if value]


def publish_azure(outcome: Outcome, paths: ReportPaths, stream: TextIO) -> None:
    """The timeline group, the issues, summary.md on the run's summary page, the variables."""
    stream.write(Redacted("##[group]ci-gate: status timeline\n"))
    for line in timeline_lines(outcome):
        stream.write(line + "\n")
    stream.write(Redacted("##[endgroup]\n"))
    lines = issue_lines(outcome)
    if paths.summary_md.is_file():  # the agent wants an absolute path to a file that exists
        lines.append(logging_command("task.uploadsummary", str(paths.summary_md.absolute())))
    lines += variable_lines(outcome)
    for line in lines:
        stream.write(Redacted(line + "\n"))
    stream.flush()
