"""gate.env: GitLab's dotenv report, so later jobs can read the verdict as variables."""

from __future__ import annotations

from ci_gate.outcome import Outcome

DOTENV_NAME = "gate.env"


def render_dotenv(outcome: Outcome, report_id: str) -> str:
    """Plain keys, single-line values of our own making: within GitLab's dotenv rules."""
    return (
        f"CI_GATE_VERDICT={outcome.verdict.value}\n"
        f"CI_GATE_EXIT_CODE={outcome.exit_code}\n"
        f"CI_GATE_REPORT_ID={report_id}\n"
    )
