import pytest
import regex

from ci_gate.config.parsers import parse_ignore
from ci_gate.errors import UsageError
from ci_gate.judging.policy import EventPolicy, Judgement
from tests.support.helpers import event


def test_threshold_and_ignore() -> None:
    policy = EventPolicy(300, (regex.compile("already ended$"),))
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


# A search that runs out of time never waives its event (outside review of issue 29, F4).
BACKTRACKS = "^(a+)+$"
HOSTILE = "a" * 5000 + "!"


def test_a_search_that_runs_out_offends_and_one_note_names_the_pattern() -> None:
    policy = EventPolicy(400, (parse_ignore(BACKTRACKS, "--ignore"),), search_seconds=0.01)
    assert policy.judge(event("ERROR", HOSTILE)) is Judgement.OFFENDING
    assert policy.judge(event("ERROR", HOSTILE + "!")) is Judgement.OFFENDING
    assert policy.judge(event("ERROR", "aaa")) is Judgement.IGNORED  # still waives in time
    [note] = policy.take_notes()
    assert repr(BACKTRACKS) in note and "took too long" in note
    assert policy.take_notes() == []


class _Ticks:
    """A clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_once_the_budget_is_spent_no_event_is_searched_and_every_one_offends() -> None:
    policy = EventPolicy(400, (regex.compile("flake"),), clock=_Ticks(), budget=2.0)
    assert policy.judge(event("ERROR", "flake 1")) is Judgement.IGNORED  # spends 1 s
    assert policy.judge(event("ERROR", "flake 2")) is Judgement.IGNORED  # spends 1 s
    assert policy.judge(event("ERROR", "flake 3")) is Judgement.OFFENDING
    assert policy.judge(event("ERROR", "flake 4")) is Judgement.OFFENDING
    [note] = policy.take_notes()
    assert "used up their 2 s" in note


def test_a_pattern_python_accepts_but_regex_does_not_is_a_usage_error() -> None:
    """Both compile the user's pattern: Python's syntax is the promise, `regex` runs it."""
    with pytest.raises(UsageError, match="not a valid regex"):
        parse_ignore(r"\p{L}", "--ignore")  # `regex` takes it, Python's `re` does not
    assert parse_ignore("(?P<name>x)+y", "--ignore").pattern == "(?P<name>x)+y"
