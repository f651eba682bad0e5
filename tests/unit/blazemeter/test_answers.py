from typing import Any

import pytest

from ci_gate.blazemeter.answers import (
    parse_criteria_with_notes,
    parse_event,
    parse_kpis,
    parse_master_info,
    parse_runs,
    parse_status,
)
from ci_gate.domain.findings import CriteriaMode, Criterion
from ci_gate.domain.verdict import Verdict
from ci_gate.errors import MalformedResponseError
from ci_gate.judging.criteria import judge


def test_seed_parses(seed_body: dict[str, Any]) -> None:
    status = parse_status("12345678", seed_body["result"])
    assert (status.status, status.progress, status.terminal) == ("ENDED", 140, True)
    assert len(status.events) == 77
    assert [e.level for e in status.events].count("WARNING") == 2
    # one seed event has "from": null; it must not break parsing
    assert any(e.offset is None for e in status.events)


@pytest.mark.parametrize(
    "result", [None, [], "ENDED", 140, {"events": []}, {"status": None, "progress": "x"}]
)
def test_wrong_shapes_are_malformed_not_crashes(result: Any) -> None:
    with pytest.raises(MalformedResponseError, match="master 7"):
        parse_status("7", result)


def test_events_must_be_a_list() -> None:
    with pytest.raises(MalformedResponseError, match="'events' is a dict"):
        parse_status("7", {"status": "ENDED", "events": {}})


def test_missing_optional_fields_are_tolerated() -> None:
    status = parse_status("7", {"progress": 100})
    assert (status.status, status.progress, status.events) == ("DATA_RECEIVED", 100, ())
    status = parse_status("7", {"status": "ended", "progress": "oops", "sessions": "x"})
    assert (status.status, status.progress, status.terminal) == ("ENDED", 140, True)


def test_unknown_status_is_not_terminal() -> None:
    status = parse_status("7", {"status": "WARP_DRIVE", "progress": 140})
    assert not status.terminal and not status.known_status


def test_unreadable_events_count_at_error_flagged() -> None:
    assert parse_event("junk").level_number == 400
    event = parse_event({"message": 42, "t": "soon", "level": ["ERROR"]})
    assert (event.level_number, event.level_recognised, event.message, event.t) == (
        400,
        False,
        "42",
        None,
    )


@pytest.mark.parametrize(
    ("progress", "read"),
    [("140", 140), (" 100 ", 100), ("-1", -1), ("²", None), ("--5", None), ("٣", None)],
)
def test_a_progress_string_is_read_as_ascii_digits_or_not_at_all(
    progress: str, read: int | None
) -> None:
    """ "²" and "--5" pass `isdigit` after `lstrip("-")` but not `int()`: a server sending
    them must not crash the gate; other scripts' digits are not BlazeMeter's either."""
    status = parse_status("7", {"status": "RUNNING", "progress": progress})
    assert status.progress == read
    event = parse_event({"message": "x", "level": "INFO", "t": progress, "from": progress})
    assert (event.t, event.offset) == (read, read)


# -- reportStatus, criteria and KPIs (moved from tests/unit/judging/test_criteria.py) --------


def test_master_info_and_criteria_parsing_tolerate_old_and_odd_shapes() -> None:
    assert parse_master_info("1", {"reportStatus": "fail", "testId": 42}).report_status == "fail"
    assert parse_master_info("1", {"passed": True}).report_status == "pass"
    assert parse_master_info("1", {"passed": False}).report_status == "fail"
    assert parse_master_info("1", {"reportStatus": None, "passed": True}).report_status is None
    with pytest.raises(MalformedResponseError):
        parse_master_info("1", None)
    parsed = parse_criteria_with_notes(
        "1", {"data": [{"field": "f", "op": "gt", "success": "no"}, 7]}
    )
    assert parsed == ((Criterion("f", "gt", None, None, None, "ALL"),), ())
    assert parse_criteria_with_notes("1", {"data": None}) == ((), ())


def test_kpis_keep_finite_numbers_under_plain_names() -> None:
    result = {
        "summary": [
            {
                "lb": "ALL",
                "hits": 10,
                "tp90": 480.5,
                "bad name!": 1,
                "nan": float("nan"),
                "flag": True,
                "text": "x",
            }
        ]
    }
    assert parse_kpis("1", result) == {"hits": 10.0, "tp90": 480.5, "bad name!": 1.0}
    assert parse_kpis("1", {"summary": []}) is None


def test_report_status_is_matched_case_insensitively_and_trimmed() -> None:
    assert parse_master_info("1", {"reportStatus": " FAIL "}).report_status == "fail"
    assert parse_master_info("1", {"reportStatus": "NODATA"}).report_status == "noData"
    assert parse_master_info("1", {"reportStatus": "Abort"}).report_status == "abort"
    assert parse_master_info("1", {"reportStatus": " Odd "}).report_status == "Odd"


@pytest.mark.parametrize(
    ("passed", "status", "note"),
    [
        (False, "fail", None),
        ("false", "fail", "BlazeMeter gave passed as 'false', read as false"),
        (" False ", "fail", "BlazeMeter gave passed as 'false', read as false"),
        (0, "fail", "BlazeMeter gave passed as '0', read as false"),
        ("true", "pass", "BlazeMeter gave passed as 'true', read as true"),
        (1, "pass", "BlazeMeter gave passed as '1', read as true"),
        ("maybe", 'passed "maybe"', None),
        (2, "passed 2", None),
    ],
)
def test_passed_false_with_no_report_status_fails_at_once_in_any_spelling(
    passed: object, status: str | None, note: str | None
) -> None:
    info = parse_master_info("1", {"passed": passed})
    assert info.report_status == status
    if status is not None and status.startswith("passed"):  # neither true nor false
        assert info.note is not None and "passed as" in info.note
    else:
        assert info.note == note
    # reportStatus null: a fail counts at once, a pass waits for BlazeMeter's verdict
    null = parse_master_info("1", {"passed": passed, "reportStatus": None})
    if status == "fail":
        assert (null.report_status, null.note) == ("fail", note)
    else:
        assert (null.report_status, null.note) == (None, None)


def test_thresholds_in_the_object_and_the_list_of_objects_shapes() -> None:
    assertion = {
        "label": "home",
        "field": "responseTime.max",
        "op": "ne",
        "failValue": 1,
        "success": False,
        "actual": 1390,
    }
    expected = ((Criterion("responseTime.max", "ne", 1.0, 1390.0, False, "home"),), ())
    in_an_object = {"data": {"success": False, "assertions": [assertion]}}
    in_a_list = {"data": [{"success": False, "assertions": [assertion]}]}
    assert parse_criteria_with_notes("1", in_an_object) == expected
    assert parse_criteria_with_notes("1", in_a_list) == expected
    assert expected[0][0].describe() == "max response time 1,390 ms != 1 ms (label home)"
    with pytest.raises(MalformedResponseError):
        parse_criteria_with_notes("1", {"data": {"assertions": "junk"}})


def test_criteria_values_that_are_not_finite_become_none_with_a_note() -> None:
    criteria, notes = parse_criteria_with_notes(
        "1",
        {"data": [{"field": "f", "op": "gt", "threshold": float("nan"), "value": int("9" * 400)}]},
    )
    assert (criteria[0].threshold, criteria[0].value) == (None, None)
    assert notes == (
        "criterion f: threshold was nan, not a number; shown as none",
        "criterion f: value was an integer too large to use; shown as none",
    )


def test_kpis_read_numeric_strings_and_leave_out_integers_too_large() -> None:
    """Numbers may come as numeric strings (the contract): `"1234.5"` is a KPI; the text
    fields of a row (its label and id, a name) are not, even when they look like numbers."""
    row = {
        "lb": "ALL",
        "hits": 500.0,
        "bytes": int("9" * 400),
        "avg": 12,
        "name": "12",
        "id": "7",
        "labelId": "42",
        "tp90": "1234.5",
        "std": " 3 ",
        "when": "2026-01-02",
    }
    assert parse_kpis("1", {"summary": [row]}) == {
        "hits": 500.0,
        "avg": 12.0,
        "tp90": 1234.5,
        "std": 3.0,
    }


def test_kpis_keep_any_name_that_is_one_plain_line() -> None:
    """Outside review of issue 29 (minor): `a-b`, `9lives`, `ünï` were dropped silently;
    metrics.txt is valid for any KPI name (its sanitiser gives the metric names)."""
    row = {"lb": "ALL", "a-b": 1, "9lives": 2, "ünï": 3, "line\nbreak": 4, "x" * 300: 5}
    assert parse_kpis("1", {"summary": [row]}) == {"9lives": 2.0, "a-b": 1.0, "ünï": 3.0}


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ({"status": "fail"}, '{"status": "fail"}'),
        (["fail"], '["fail"]'),
        (0, "0"),
        (1, "1"),
        (True, "true"),
        ("", '""'),
        ("  ", '"  "'),
    ],
)
def test_a_report_status_that_is_not_text_is_kept_so_that_it_never_passes(
    raw: object, shown: str
) -> None:
    # issue 30 (attackers): a non-text reportStatus was read as missing, re-read, then
    # `unset`, and the run passed
    for passed in (True, None, "nonsense"):
        info = parse_master_info("1", {"reportStatus": raw, "passed": passed})
        assert info.report_status == shown
    assert judge(CriteriaMode.ON, shown, ()).verdict is Verdict.BROKEN
    assert judge(CriteriaMode.REQUIRED, shown, ()).verdict is Verdict.FAILED
    assert repr(shown) in judge(CriteriaMode.ON, shown, ()).reason
    # the last-passed baseline never takes such a run as passed
    runs = parse_runs("7", [{"id": 1, "reportStatus": raw, "passed": True}])
    assert [(run.passed, run.report_status) for run in runs] == [(False, shown)]


def test_an_unreadable_passed_without_report_status_is_never_a_pass() -> None:
    info = parse_master_info("1", {"passed": {"x": 1}})
    assert info.report_status == 'passed {"x": 1}'
    assert judge(CriteriaMode.ON, info.report_status, ()).verdict is Verdict.BROKEN


@pytest.mark.parametrize("raw", ["\u00a0pass\u2028", "pass\u200b", "\u3000pass", "\u00a0"])
def test_only_ascii_white_space_is_trimmed_from_report_status(raw: str) -> None:
    """BlazeMeter writes plain lowercase words: a no-break space or a line separator
    around `pass` is not its spelling, as a zero-width space is not (never a pass)."""
    status = parse_master_info("1", {"reportStatus": raw, "passed": True}).report_status
    assert status is not None and status != "pass"
    assert judge(CriteriaMode.ON, status, ()).verdict is Verdict.BROKEN
    assert parse_master_info("1", {"reportStatus": " \tpass\r\n"}).report_status == "pass"
    assert parse_master_info("1", {"passed": "\u00a0true"}).report_status != "pass"
