"""`--fail-on`: Taurus's short form read into a `LiveCriterion`, and every mistake one
usage error that quotes the criterion and names the column."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from ci_gate import cli
from ci_gate.cli.parser import build_parser
from ci_gate.config.fail_on import parse_fail_on
from ci_gate.config.settings import WaitSettings, resolve_wait
from ci_gate.domain.live_criteria import Condition, LiveCriterion, Logic, Subject
from ci_gate.errors import UsageError


def read(text: str) -> LiveCriterion:
    return parse_fail_on(text, "--fail-on")


def wait(env: dict[str, str] | None = None, *argv: str) -> WaitSettings:
    args = build_parser().parse_args(["wait", *argv, "--", "1"])
    return resolve_wait(args, env or {}, args.master_ids)


def test_the_contracts_examples() -> None:
    checkout = read("avg-rt of Checkout>1500ms for 60s, stop as failed")
    assert (checkout.subject, checkout.label, checkout.condition) == (
        Subject.AVG_RT,
        "Checkout",
        Condition.GT,
    )
    assert (checkout.threshold, checkout.unit, checkout.logic, checkout.timeframe) == (
        1500,
        "ms",
        Logic.FOR,
        60,
    )
    assert (checkout.stop, checkout.fail, checkout.message) == (True, True, None)
    assert checkout.text == "avg-rt of Checkout>1500ms for 60s, stop as failed"

    failures = read("fail>5% within 2m")
    assert (failures.subject, failures.percent, failures.threshold, failures.unit) == (
        Subject.FAIL,
        True,
        5,
        "%",
    )
    assert (failures.label, failures.logic, failures.timeframe) == (None, Logic.WITHIN, 120)

    p90 = read("p90>2s")
    assert (p90.subject, p90.threshold, p90.logic, p90.timeframe) == (Subject.P90, 2000, None, None)

    hits = read("hits<10 for 30s, continue as non-failed")
    assert (hits.condition, hits.threshold, hits.unit) == (Condition.LT, 10, "count")
    assert (hits.stop, hits.fail) == (False, False)


@pytest.mark.parametrize(
    ("text", "subject", "percent", "threshold", "unit"),
    [
        ("avg-lt>250", Subject.AVG_LT, False, 250, "ms"),
        ("avg-rt>2s500ms", Subject.AVG_RT, False, 2500, "ms"),
        ("avg-rt>1m", Subject.AVG_RT, False, 60_000, "ms"),
        ("avg-rt>1.5s", Subject.AVG_RT, False, 1500, "ms"),
        ("p50>100ms", Subject.P50, False, 100, "ms"),
        ("p95>1m2s", Subject.P95, False, 62_000, "ms"),
        ("p99>3s", Subject.P99, False, 3000, "ms"),
        ("failures>3", Subject.FAIL, False, 3, "count"),
        ("succ<95%", Subject.SUCC, True, 95, "%"),
        ("success<100", Subject.SUCC, False, 100, "count"),
        ("bytes>512", Subject.BYTES, False, 512, "B"),
        ("bytes>512B", Subject.BYTES, False, 512, "B"),
        ("bytes>2kB", Subject.BYTES, False, 2000, "B"),
        ("bytes>1.5MB", Subject.BYTES, False, 1_500_000, "B"),
        ("concurrency<50", Subject.CONCURRENCY, False, 50, "count"),
        ("AVG-RT>1s", Subject.AVG_RT, False, 1000, "ms"),
        # what Taurus's passfail reads and the gate refused (issue 31 attack, item 11):
        # units in any case (dehumanize_time lowers them), .5, h and d, and subjects by
        # their start (concurr..., succ..., fail...) or a percentile's level as a float
        ("avg-rt>2S", Subject.AVG_RT, False, 2000, "ms"),
        ("avg-rt>1500MS", Subject.AVG_RT, False, 1500, "ms"),
        ("avg-rt>.5s", Subject.AVG_RT, False, 500, "ms"),
        ("avg-rt>1h", Subject.AVG_RT, False, 3_600_000, "ms"),
        ("avg-rt>1d", Subject.AVG_RT, False, 86_400_000, "ms"),
        ("failed>5", Subject.FAIL, False, 5, "count"),
        ("fails>5%", Subject.FAIL, True, 5, "%"),
        ("successful>5", Subject.SUCC, False, 5, "count"),
        ("concurr>5", Subject.CONCURRENCY, False, 5, "count"),
        ("p90.0>2s", Subject.P90, False, 2000, "ms"),
        ("hits>.5", Subject.HITS, False, 0.5, "count"),
        ("avg-rt>1500", Subject.AVG_RT, False, 1500, "ms"),  # the contract's default ms
    ],
)
def test_subjects_and_units(
    text: str, subject: Subject, percent: bool, threshold: float, unit: str
) -> None:
    criterion = read(text)
    assert (criterion.subject, criterion.percent, criterion.threshold, criterion.unit) == (
        subject,
        percent,
        threshold,
        unit,
    )


@pytest.mark.parametrize(
    ("text", "condition"),
    [("a>1", ">"), ("a>=1", ">="), ("a<1", "<"), ("a<=1", "<="), ("a=1", "="), ("a==1", "=")],
)
def test_conditions(text: str, condition: str) -> None:
    assert read(text.replace("a", "hits", 1)).condition is Condition(condition)


@pytest.mark.parametrize(
    ("text", "logic", "timeframe"),
    [
        ("hits<1 for 90s", Logic.FOR, 90),
        ("hits<1 within 2m", Logic.WITHIN, 120),
        ("hits<1 over 1h", Logic.OVER, 3600),
        ("hits<1 over 1m30s", Logic.OVER, 90),
        ("hits<1 for 45", Logic.FOR, 45),
        ("hits<1 FOR 5s", Logic.FOR, 5),
    ],
)
def test_logics_and_timeframes(text: str, logic: Logic, timeframe: int) -> None:
    criterion = read(text)
    assert (criterion.logic, criterion.timeframe) == (logic, timeframe)


@pytest.mark.parametrize(
    ("text", "stop", "fail"),
    [
        ("hits<1, stop", True, True),
        ("hits<1, continue", False, True),
        ("hits<1, stop as non-failed", True, False),
        ("hits<1, continue as failed", False, True),
        ("hits<1 for 5s,continue as non-failed", False, False),
    ],
)
def test_actions_and_statuses(text: str, stop: bool, fail: bool) -> None:
    criterion = read(text)
    assert (criterion.stop, criterion.fail) == (stop, fail)


def test_labels_plain_quoted_and_all() -> None:
    assert read("avg-rt of http://blazedemo.com/>1s").label == "http://blazedemo.com/"
    assert read('avg-rt of "Buy, then pay >= 2">1s').label == "Buy, then pay >= 2"
    assert read(r'avg-rt of "say \"hi\" \\ now">1s').label == 'say "hi" \\ now'
    assert read("avg-rt of Check out page>1s").label == "Check out page"
    assert read("avg-rt of ALL>1s").label is None  # the run as a whole, as without a label


def test_messages_before_a_colon_outside_quotes() -> None:
    slow = read("Checkout is slow: avg-rt of Checkout>1500ms for 60s")
    assert (slow.message, slow.text, slow.name) == (
        "Checkout is slow",
        "avg-rt of Checkout>1500ms for 60s",
        "Checkout is slow",
    )
    assert read("avg-rt of http://a.b/>1s").message is None  # the label keeps its colon
    assert read('avg-rt of "a:b">1s').label == "a:b"
    assert read('Late: avg-rt of "a:b">1s').message == "Late"
    assert read("fail>5%").name == "fail>5%"


@pytest.mark.parametrize(
    ("text", "column", "why"),
    [
        ("avg-rt>", 8, "a threshold is missing after the condition"),
        ("avg-ct>100ms", 1, "subject 'avg-ct' is not one BlazeMeter's live data can feed"),
        ("stdev-rt>100ms", 1, "not one BlazeMeter's live data can feed"),
        ("rc500>10", 1, "not one BlazeMeter's live data can feed"),
        ("p99.9>1s", 1, "not one BlazeMeter's live data can feed"),
        ("avg-rtt>1s", 1, "unknown subject 'avg-rtt' (did you mean avg-rt?)"),
        (">1s", 1, "expected a subject"),
        ("avg-rt 1s", 7, "expected ' of LABEL' or a condition"),
        ("avg-rt >1s", 7, "no spaces around the condition"),
        ("avg-rt> 1s", 8, "no spaces around the condition"),
        ("avg-rt of Checkout >1s", 19, "no spaces around the condition"),
        ('avg-rt of "Checkout" >1s', 21, "no spaces around the condition"),
        ("avg-rt=>1s", 7, "unknown condition '=>'"),
        ("avg-rt>>1s", 7, "unknown condition '>>'"),
        ("avg-rt of >1s", 11, "the label is missing after 'of'"),
        ('avg-rt of "">1s', 11, "the label is empty"),
        ('avg-rt of "Checkout>1s', 11, "the label's double quote is not closed"),
        ("avg-rt of Buy, pay>1s", 14, "no condition after the label"),
        ("avg-rt of Checkout", 19, "no condition after the label"),
        ("avg-rt>1xs", 8, "threshold '1xs' does not fit avg-rt: use ms, s or m"),
        ("avg-rt>1s1s", 10, "does not fit avg-rt"),
        ("avg-rt>5%", 8, "a % threshold fits only fail and succ, not avg-rt"),
        ("hits>5%", 6, "a % threshold fits only fail and succ, not hits"),
        ("hits>5ms", 6, "threshold '5ms' does not fit hits"),
        ("concurrency>1kB", 13, "does not fit concurrency"),
        ("bytes>2s", 7, "threshold '2s' does not fit bytes: use B, kB or MB"),
        ("bytes>5%", 7, "does not fit bytes"),
        ("fail>101%", 6, "over 100%"),
        ("fail>-1", 6, "does not fit fail"),
        ("avg-rt>1s for 0s", 15, "timeframe '0s' is 0"),
        ("avg-rt>1s for 0", 15, "timeframe '0' is 0"),
        ("avg-rt>1s for 1.5s", 15, "not a whole number of seconds"),
        ("avg-rt>1s for 500ms", 15, "use whole seconds"),
        ("avg-rt>1s for 1x", 15, "use whole seconds"),
        ("avg-rt>1s during 1m", 11, "expected for, within or over"),
        ("avg-rt>1s for", 14, "a timeframe is missing after 'for'"),
        ("avg-rt>1s for ", 14, "a timeframe is missing after 'for'"),
        ("avg-rt>1sfor 1m", 10, "threshold '1sfor' does not fit avg-rt"),
        ("avg-rt>1s,", 11, "no action after ','"),
        ("avg-rt>1s, halt", 12, "'halt' is not an action"),
        ("avg-rt>1s, stop as ok", 20, "a status after 'as': use failed or non-failed"),
        ("avg-rt>1s, stop now", 17, "unexpected 'now' after the action"),
        ("avg-rt>1s for 1m 2m", 18, "unexpected '2m' after the timeframe"),
    ],
)
def test_every_mistake_quotes_the_criterion_and_names_the_column(
    text: str, column: int, why: str
) -> None:
    with pytest.raises(UsageError) as raised:
        read(text)
    message = str(raised.value)
    assert message.startswith(f"--fail-on {text.strip()!r}, at column {column}: "), message
    assert why in message
    assert "\n" not in message


def test_a_mistake_after_a_message_is_placed_in_the_whole_text() -> None:
    with pytest.raises(UsageError, match=r"at column 23: threshold '1xs'"):
        read("Checkout slow: avg-rt>1xs")
    with pytest.raises(UsageError, match=r"at column 9: "):
        read("  avg-rt 1s")  # leading blanks count


def test_an_empty_criterion() -> None:
    with pytest.raises(UsageError, match="--fail-on is empty"):
        read("   ")


def test_the_options_resolve_into_the_wait_settings() -> None:
    settings = wait(None, "--fail-on", "p90>2s", "--fail-on", "fail>5% within 2m")
    assert [c.text for c in settings.fail_on] == ["p90>2s", "fail>5% within 2m"]
    assert settings.warmup == 0 and settings.fail_on_file is None
    from_env = wait({"CI_GATE_FAIL_ON": "p90>2s\n\nhits<1 for 5s\n", "CI_GATE_WARMUP": "2m"})
    assert [c.text for c in from_env.fail_on] == ["p90>2s", "hits<1 for 5s"]
    assert from_env.warmup == 120
    assert wait({"CI_GATE_FAIL_ON": "p90>2s"}, "--fail-on", "p50>1s").fail_on[0].text == "p50>1s"
    assert wait(None, "--warmup", "90").warmup == 90
    assert wait(None, "--warmup", "0s").warmup == 0


@pytest.mark.parametrize(
    ("env", "argv", "message"),
    [
        ({}, ["--fail-on", "p90>2s", "--fail-on", "p90>2000ms"], "is given twice"),
        ({}, ["--fail-on", "A: p90>2s", "--fail-on", "B: p90>2s"], "is given twice"),
        ({"CI_GATE_FAIL_ON": "hits<1\nhits<1"}, [], "'hits<1' is given twice"),
        ({}, ["--fail-on", "hits<1 for 2h"], "timeframe (7200 s) is longer than --timeout"),
        ({}, ["--timeout", "60", "--fail-on", "hits<1 for 61s"], "longer than --timeout (60 s)"),
        ({"CI_GATE_FAIL_ON": "hits<"}, [], "CI_GATE_FAIL_ON 'hits<', at column 6"),
        ({}, ["--warmup", "soon"], "--warmup 'soon': give whole seconds, 0 or more"),
        ({}, ["--warmup", "-5"], "--warmup '-5'"),
        ({"CI_GATE_WARMUP": "1.5s"}, [], "CI_GATE_WARMUP '1.5s'"),
    ],
)
def test_cross_checks_and_bad_values(env: dict[str, str], argv: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        wait(env, *argv)


def test_a_timeframe_as_long_as_the_timeout_is_fine() -> None:
    assert wait(None, "--timeout", "60", "--fail-on", "hits<1 for 1m").fail_on[0].timeframe == 60


def test_a_bad_criterion_is_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["wait", "1", "--fail-on", "avg-rt>"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "ci-gate: --fail-on 'avg-rt>', at column 8: a threshold is missing after the condition\n"
    )


def _modules_after(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(done.stdout.split())


def test_yaml_is_imported_only_when_a_file_is_read() -> None:
    """PyYAML costs start-up time: `--help` and a wait without --fail-on-file never load it
    (the fail_on_file module is not even imported)."""
    loaded = _modules_after(
        "import contextlib, io\n"
        "from ci_gate import cli\n"
        "from ci_gate.cli.parser import build_parser\n"
        "from ci_gate.config.settings import resolve_wait\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    cli.main(['--help'])\n"
        "args = build_parser().parse_args(['wait', '1', '--fail-on', 'p90>2s'])\n"
        "resolve_wait(args, {}, args.master_ids)"
    )
    assert "ci_gate.config.settings" in loaded
    assert "yaml" not in loaded and "ci_gate.config.fail_on_file" not in loaded


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("avg-rt>2s for 1M", 60),
        ("avg-rt>2s for 1H", 3600),
        ("avg-rt>2s for 1d", 86400),
        ("avg-rt>2s within 90S", 90),
        ("avg-rt>2s over 1m30S", 90),
    ],
)
def test_timeframes_in_taurus_units(text: str, seconds: int) -> None:
    """Taurus reads a timeframe's units in any case and takes days."""
    assert read(text).timeframe == seconds
