"""The exit code is a property of the verdict (issue 30 item 2): no stored field that a
re-labelling of the outcome could leave behind."""

from __future__ import annotations

import signal
from dataclasses import fields, replace

from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate.domain.outcome import Outcome
from ci_gate.domain.verdict import Verdict
from ci_gate.judging.run_outcome import cancelled_late, reports_lost
from ci_gate.report.summary import summary_dict
from tests.support.helpers import make_outcome, master_outcome

VERDICTS = st.sampled_from(list(Verdict))
SIGNALS = st.none() | st.sampled_from([signal.SIGHUP, signal.SIGINT, signal.SIGTERM])


def test_the_outcome_stores_no_exit_code() -> None:
    assert "exit_code" not in {field.name for field in fields(Outcome)}


def test_a_verdict_changed_afterwards_changes_the_exit_code() -> None:
    outcome = make_outcome(master_outcome("passed"))
    assert outcome.exit_code == 0
    assert replace(outcome, verdict=Verdict.FAILED).exit_code == Verdict.FAILED.exit_code()


@settings(max_examples=100, deadline=None)
@given(
    masters=st.lists(VERDICTS, min_size=1, max_size=3),
    relabel=st.sampled_from(["none", "cancelled", "reports_lost", "both"]),
    late=st.sampled_from([signal.SIGHUP, signal.SIGINT, signal.SIGTERM]),
    verdict=st.none() | VERDICTS,
    signal_number=SIGNALS,
)
def test_exit_code_is_always_the_verdicts(
    masters: list[Verdict],
    relabel: str,
    late: int,
    verdict: Verdict | None,
    signal_number: int | None,
) -> None:
    outcome = make_outcome(*(master_outcome(str(each)) for each in masters))
    if verdict is not None:
        outcome = replace(outcome, verdict=verdict, signal_number=signal_number)
    if relabel in ("cancelled", "both"):
        outcome = cancelled_late(outcome, late, "cancelled late")
        assert outcome.exit_code == 128 + late
    if relabel in ("reports_lost", "both"):
        outcome = reports_lost(outcome, "the reports could not be written")
    assert outcome.exit_code == outcome.verdict.exit_code(outcome.signal_number)
    assert summary_dict(outcome)["exit_code"] == outcome.exit_code
