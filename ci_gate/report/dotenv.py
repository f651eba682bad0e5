"""gate.env: GitLab's dotenv report, so later jobs can read the verdict as variables."""

from __future__ import annotations

import re

from ci_gate.domain.outcome import Outcome
from ci_gate.text import redact_value

#: What a dotenv value of ours may hold: the report URLs (quoted by us), nothing else.
_PLAIN = re.compile(r"[A-Za-z0-9:/?#=&%._~ +\-\[\]@!$'()*,;]+")

DOTENV_NAME = "gate.env"


def render_dotenv(outcome: Outcome, report_id: str) -> str:
    """Plain keys, single-line values of our own making: within GitLab's dotenv rules.
    A structured output: the keys and our words whole, the server's values redacted."""
    lines = [
        f"CI_GATE_VERDICT={outcome.verdict.value}",
        f"CI_GATE_EXIT_CODE={outcome.exit_code}",
        f"CI_GATE_REPORT_ID={report_id}",
        f"CI_GATE_MASTER_ID={redact_value(outcome.master_ids)}",
    ]
    urls = redact_value(outcome.report_urls)
    if urls and _PLAIN.fullmatch(urls):
        lines.append(f"CI_GATE_REPORT_URL={urls}")
    return "\n".join(lines) + "\n"


def started_dotenv(master_id: str) -> str:
    """gate.env the moment `run` or `start` has the master id (digits only)."""
    return f"CI_GATE_MASTER_ID={redact_value(master_id)}\n"
