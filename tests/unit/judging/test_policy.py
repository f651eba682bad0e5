import re

import pytest

from ci_gate.config.parsers import parse_ignore
from ci_gate.errors import UsageError
from ci_gate.judging.policy import EventPolicy, Judgement
from tests.support.helpers import event


def test_threshold_and_ignore() -> None:
    policy = EventPolicy(300, (re.compile("already ended$"),))
    assert policy.judge(event("INFO")) is Judgement.FINE
    assert policy.judge(event("WARNING")) is Judgement.OFFENDING
    assert policy.judge(event("WARNING", "session already ended")) is Judgement.IGNORED
    assert policy.judge(event("ERROR", "session already ended")) is Judgement.IGNORED


def test_unrecognised_levels_offend_at_every_threshold() -> None:
    odd = event("LOUD")
    assert EventPolicy(400).judge(odd) is Judgement.OFFENDING
    assert EventPolicy(600).judge(odd) is Judgement.OFFENDING


def test_numeric_levels_are_judged_by_value() -> None:
    assert EventPolicy(600).judge(event("700")) is Judgement.OFFENDING
    assert EventPolicy(400).judge(event("350")) is Judgement.FINE


def test_bad_regex_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="not a valid regex"):
        parse_ignore("(unclosed", "--ignore")


@pytest.mark.parametrize("pattern", ["", " ", "x|", ".*", "^"])
def test_a_pattern_that_would_waive_every_event_is_refused(pattern: str) -> None:
    with pytest.raises(UsageError, match="would waive every event"):
        parse_ignore(pattern, "--ignore")
