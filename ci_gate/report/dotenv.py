"""gate.env: GitLab's dotenv report, so later jobs can read the verdict as variables."""

from __future__ import annotations

import re

from ci_gate.domain.outcome import Outcome

#: What a dotenv value of ours may hold: the report URLs (quoted by us), nothing else.
_PLAIN = re.compile(r"[A-Za-z0-9:/?#=&%._~ +\-\[\]@!$'()*,;]+")

DOTENV_NAME = "gate.env"


def render_dotenv(outcome: Outcome, report_id: str) -> str:
    """Plain keys, single-line values of our own making: within GitLab's dotenv rules."""
    lines = [
        f"CI_GATE_VERDICT={outcome.verdict.value}",
        f"CI_GATE_EXIT_CODE={outcome.exit_code}",
        f"CI_GATE_REPORT_ID={report_id}",
        f"CI_GATE_MASTER_ID={outcome.master_ids}",
    ]
    urls = outcome.report_urls
    if urls and _PLAIN.fullmatch(urls):
        lines.append(f"CI_GATE_REPORT_URL={urls}")
    return "\n".join(lines) + "\n"


def started_dotenv(master_id: str) -> str:
    """gate.env the moment `run` or `start` has the master id (digits only)."""
    return f"CI_GATE_MASTER_ID={master_id}\n"
