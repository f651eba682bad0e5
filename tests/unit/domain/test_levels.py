import pytest

from ci_gate.domain.levels import level_name, parse_threshold, read_level
from ci_gate.errors import UsageError


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("ERROR", 400),
        ("error", 400),
        (" Warning ", 300),
        ("300", 300),
        ("600", 600),
        ("debug", 100),
        ("warn", 300),
        ("FATAL", 500),
    ],
)
def test_threshold_by_name_in_any_case_or_number(text: str, number: int) -> None:
    assert parse_threshold(text) == number


@pytest.mark.parametrize("text", ["", "LOUD", "301", "-1", "4e2", "\u0664\u0660\u0660"])
def test_unknown_threshold_is_a_usage_error_listing_the_levels(text: str) -> None:
    with pytest.raises(UsageError, match="EMERGENCY \\(600\\)"):
        parse_threshold(text)


def test_one_reader_for_names_aliases_and_numbers() -> None:
    assert read_level("WARNING") == 300
    assert read_level("critical") == 500
    assert read_level(550) == 550
    assert read_level("Fatal") == read_level("SEVERE") == read_level("crit") == 500
    assert read_level("EMERG") == 600 and read_level("err") == 400
    assert read_level("700") == read_level(700) == 700


@pytest.mark.parametrize("raw", [None, True, "LOUD", "", "\u0664\u0660\u0660", -1, 4.5, "4e2"])
def test_unreadable_levels(raw: object) -> None:
    assert read_level(raw) is None


def test_level_name() -> None:
    assert level_name(250) == "NOTICE"
    assert level_name(123) == "123"
