import pytest

from ci_gate.errors import UsageError
from ci_gate.levels import event_level, level_name, parse_threshold


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("ERROR", 400),
        ("error", 400),
        (" Warning ", 300),
        ("300", 300),
        ("600", 600),
        ("debug", 100),
    ],
)
def test_threshold_by_name_in_any_case_or_number(text: str, number: int) -> None:
    assert parse_threshold(text) == number


@pytest.mark.parametrize("text", ["", "LOUD", "301", "-1", "4e2"])
def test_unknown_threshold_is_a_usage_error_listing_the_levels(text: str) -> None:
    with pytest.raises(UsageError, match="EMERGENCY \\(600\\)"):
        parse_threshold(text)


def test_event_levels_fail_closed() -> None:
    assert event_level("WARNING") == (300, True)
    assert event_level("critical") == (500, True)
    assert event_level(550) == (550, True)
    assert event_level("FATAL") == (400, False)
    assert event_level(None) == (400, False)
    assert event_level(True) == (400, False)
    assert event_level(999) == (400, False)


def test_level_name() -> None:
    assert level_name(250) == "NOTICE"
    assert level_name(123) == "123"
