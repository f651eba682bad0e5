"""`--fail-on-file`: a Taurus config's passfail criteria in its three forms, YAML or JSON,
meaning exactly what the same short forms mean; every mistake a usage error naming where."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from ci_gate.cli.parser import build_parser
from ci_gate.config.fail_on import parse_fail_on
from ci_gate.config.fail_on_file import load_fail_on_file
from ci_gate.config.settings import WaitSettings, resolve_wait
from ci_gate.domain.live_criteria import LiveCriterion
from ci_gate.errors import UsageError

TAURUS_YAML = """\
execution:
- concurrency: 10
  scenario: shop
reporting:
- module: final-stats
- module: passfail
  criteria:
  - avg-rt of Checkout>1500ms for 60s, stop as failed
  - Too many errors: fail>5% within 2m
  - p90>2s
"""


def wait(env: dict[str, str] | None = None, *argv: str) -> WaitSettings:
    args = build_parser().parse_args(["wait", *argv, "--", "1"])
    return resolve_wait(args, env or {}, args.master_ids)


def write(tmp_path: Path, text: str, name: str = "bzt.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def rules(criteria: tuple[LiveCriterion, ...]) -> list[tuple[object, ...]]:
    return [(c.rule(), c.message) for c in criteria]


def test_a_list_of_short_forms(tmp_path: Path) -> None:
    criteria = load_fail_on_file(write(tmp_path, TAURUS_YAML))
    assert [c.text for c in criteria] == [
        "avg-rt of Checkout>1500ms for 60s, stop as failed",
        "fail>5% within 2m",
        "p90>2s",
    ]
    assert [c.message for c in criteria] == [None, "Too many errors", None]


def test_a_mapping_message_to_short_form(tmp_path: Path) -> None:
    text = """\
reporting:
- module: passfail
  criteria:
    Checkout is slow: avg-rt of Checkout>1500ms for 60s
    Errors: fail>5% within 2m, continue as non-failed
"""
    criteria = load_fail_on_file(write(tmp_path, text))
    assert rules(criteria) == [
        (parse_fail_on("avg-rt of Checkout>1500ms for 60s", "x").rule(), "Checkout is slow"),
        (parse_fail_on("fail>5% within 2m, continue as non-failed", "x").rule(), "Errors"),
    ]


def test_full_forms_mean_what_their_short_forms_mean(tmp_path: Path) -> None:
    text = """\
reporting:
- module: passfail
  criteria:
  - subject: avg-rt
    label: 'Buy, then "pay"'
    condition: '>'
    threshold: 1500ms
    logic: for
    timeframe: 60s
    stop: true
    fail: true
    message: Checkout is slow
  - subject: fail
    threshold: 5%
    logic: within
    timeframe: 120
    stop: false
  - subject: hits
    condition: <
    threshold: 10
    timeframe: 30s
    fail: false
  - subject: p90
    threshold: 2s
    timeframe: 0
  - class: bzt.modules.passfail.DataCriterion
    subject: concurrency
    condition: '>='
    threshold: 50
"""
    criteria = load_fail_on_file(write(tmp_path, text))
    expected = [
        ('avg-rt of "Buy, then \\"pay\\"">1500ms for 60s', "Checkout is slow"),
        ("fail>5% within 120s, continue as failed", None),
        ("hits<10 for 30s, stop as non-failed", None),
        ("p90>2s", None),
        ("concurrency>=50", None),
    ]
    assert rules(criteria) == [(parse_fail_on(t, "x").rule(), m) for t, m in expected]
    assert criteria[0].label == 'Buy, then "pay"'


def test_json_and_several_passfail_items(tmp_path: Path) -> None:
    config = {
        "reporting": [
            "console",
            {"module": "passfail", "criteria": ["p90>2s"]},
            {"module": "passfail", "criteria": {"Slow": {"subject": "avg-rt", "threshold": 900}}},
        ]
    }
    criteria = load_fail_on_file(write(tmp_path, json.dumps(config), "bzt.json"))
    assert [(c.text, c.message, c.threshold) for c in criteria] == [
        ("p90>2s", None, 2000),
        ("avg-rt>900", "Slow", 900),
    ]


def test_the_option_and_its_env_add_the_files_criteria_to_the_flags(tmp_path: Path) -> None:
    path = write(tmp_path, TAURUS_YAML)
    settings = wait(None, "--fail-on", "hits<1 for 5s", "--fail-on-file", str(path))
    assert [c.text for c in settings.fail_on][:2] == [
        "hits<1 for 5s",
        "avg-rt of Checkout>1500ms for 60s, stop as failed",
    ]
    assert len(wait({"CI_GATE_FAIL_ON_FILE": str(path)}).fail_on) == 3
    with pytest.raises(UsageError, match="'p90>2s' is given twice"):
        wait(None, "--fail-on", "p90>2s", "--fail-on-file", str(path))
    with pytest.raises(UsageError, match="longer than --timeout"):
        wait(None, "--timeout", "30", "--fail-on-file", str(path))


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        (
            "reporting: [",
            "bzt.yml",
            "not YAML (expected the node content, but found '<stream end>' at line 1, column 13)",
        ),
        ("{", "bzt.json", "not JSON (Expecting property name"),
        ("execution: []", "bzt.yml", "no 'reporting' item with 'module: passfail'"),
        ("- 1", "bzt.yml", "no 'reporting' item with 'module: passfail'"),
        ("reporting:\n- module: passfail\n", "bzt.yml", "the passfail item lists no criteria"),
        (
            "reporting:\n- module: passfail\n  criteria: p90>1s\n",
            "bzt.yml",
            "reporting[0].criteria: a list or a mapping of criteria, not str",
        ),
        (
            "reporting:\n- module: passfail\n  criteria: [[p90>1s]]\n",
            "bzt.yml",
            "reporting[0].criteria[0]: a criterion is text or a mapping, not a list",
        ),
        (
            "reporting:\n- module: passfail\n  criteria: [avg-rt>1xs]\n",
            "bzt.yml",
            "reporting[0].criteria[0] 'avg-rt>1xs', at column 8: threshold '1xs'",
        ),
        (
            "reporting:\n- module: passfail\n  criteria:\n    Slow: avg-rt>\n",
            "bzt.yml",
            "reporting[0].criteria['Slow'] 'avg-rt>', at column 8",
        ),
        (
            "reporting:\n- module: passfail\n  criteria:\n  - {subject: avg-rt, threshold: 1s, "
            "timeframe: 1m, logic: during}\n",
            "bzt.yml",
            "'avg-rt>1s during 1m', at column 11: expected for, within or over",
        ),
        (
            "reporting:\n- module: passfail\n  criteria:\n  - {subject: avg-rt, treshold: 1s}\n",
            "bzt.yml",
            "unknown key 'treshold': a criterion takes subject, label",
        ),
        (
            "reporting:\n- module: passfail\n  criteria:\n  - {subject: avg-rt}\n",
            "bzt.yml",
            "reporting[0].criteria[0]: 'threshold' is missing",
        ),
        (
            "reporting:\n- module: passfail\n  criteria:\n  - {threshold: 1s}\n",
            "bzt.yml",
            "'subject' is missing",
        ),
        (
            "reporting:\n- module: passfail\n  criteria:\n  - {subject: hits, threshold: 1, "
            "stop: maybe}\n",
            "bzt.yml",
            "'stop' is true or false, not 'maybe'",
        ),
        (
            "reporting:\n- module: passfail\n  criteria:\n  - {subject: hits, threshold: [1]}\n",
            "bzt.yml",
            "'threshold' is a list, not text or a number",
        ),
        (
            "reporting:\n- module: passfail\n  criteria:\n  - {class: my.Own, subject: hits, "
            "threshold: 1}\n",
            "bzt.yml",
            "class 'my.Own': only Taurus's data criteria",
        ),
    ],
)
def test_mistakes_name_the_file_and_the_place(
    tmp_path: Path, text: str, name: str, message: str
) -> None:
    path = write(tmp_path, text, name)
    with pytest.raises(UsageError) as raised:
        load_fail_on_file(path)
    assert str(raised.value).startswith(f"--fail-on-file {str(path)!r}: ")
    assert message in str(raised.value)


def test_an_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=re.escape("cannot be read (No such file")):
        wait(None, "--fail-on-file", str(tmp_path / "missing.yml"))
    (tmp_path / "bad.yml").write_bytes(b"\xff\xfe criteria")
    with pytest.raises(UsageError, match="not UTF-8 text"):
        load_fail_on_file(tmp_path / "bad.yml")
    with pytest.raises(UsageError, match="--fail-on-file is empty"):
        wait(None, "--fail-on-file", " ")


def test_a_file_too_large_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.yml"
    path.write_bytes(b"#" * (4 * 1024 * 1024 + 1))
    with pytest.raises(UsageError, match=re.escape("cannot be read (larger than 4 MiB)")):
        load_fail_on_file(path)


def test_a_fifo_or_a_folder_is_refused_without_blocking(tmp_path: Path) -> None:
    """Opening a FIFO for reading would wait for a writer for ever."""
    fifo = tmp_path / "criteria.yml"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match=re.escape("cannot be read (not a regular file)")):
        load_fail_on_file(fifo)
    with pytest.raises(UsageError, match=re.escape("cannot be read (a folder)")):
        wait(None, "--fail-on-file", str(tmp_path))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.yml", "reporting: " + "[" * 100_000 + "]" * 100_000 + "\n"),
        ("deep.json", '{"reporting": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        ("deep-map.yml", "reporting: " + "{a: " * 100_000 + "1" + "}" * 100_000 + "\n"),
    ],
)
def test_a_file_nested_too_deeply_is_one_usage_line(tmp_path: Path, name: str, text: str) -> None:
    """Outside review of issue 29, F9: a RecursionError was an internal error, exit 4."""
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(UsageError) as refused:
        load_fail_on_file(path)
    assert str(refused.value) == f"--fail-on-file {str(path)!r}: nested too deeply to read"
