import pytest

from ci_gate.errors import UsageError
from ci_gate.policy import Judgement, Policy
from tests.helpers import event


def test_threshold_and_ignore() -> None:
    policy = Policy.build(300, ["already ended$"])
    assert policy.judge(event("INFO", number=200)) is Judgement.FINE
    assert policy.judge(event("WARNING", number=300)) is Judgement.OFFENDING
    assert policy.judge(event("WARNING", "session already ended", number=300)) is Judgement.IGNORED
    assert policy.judge(event("ERROR", "session already ended", number=400)) is Judgement.IGNORED


def test_unrecognised_levels_offend_at_error() -> None:
    odd = event("FATAL", number=400, recognised=False)
    assert Policy.build(400, []).judge(odd) is Judgement.OFFENDING
    assert Policy.build(500, []).judge(odd) is Judgement.FINE


def test_bad_regex_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="not a valid regex"):
        Policy.build(400, ["(unclosed"])
