from pathlib import Path

import pytest

from ci_gate.cli.parser import build_parser
from ci_gate.config.credentials import Credentials
from ci_gate.config.parsers import parse_master_ids
from ci_gate.config.settings import ApiSettings, WaitSettings, resolve_api, resolve_wait
from ci_gate.domain.findings import CriteriaMode, Limit
from ci_gate.domain.verdict import TROUBLE_WINDOW
from ci_gate.errors import UsageError
from ci_gate.judging.combine import Rules
from ci_gate.wait.loop import WaitLoop

CREDS = {"BLAZEMETER_API_KEY_ID": "id", "BLAZEMETER_API_KEY_SECRET": "secret"}


def wait(env: dict[str, str] | None = None, *argv: str, ids: str = "1") -> WaitSettings:
    """Settings exactly as `ci-gate wait` resolves them from these flags and this env."""
    args = build_parser().parse_args(["wait", *argv, "--", ids])
    return resolve_wait(args, env or {}, args.master_ids)


def api(env: dict[str, str] | None = None, *argv: str) -> ApiSettings:
    args = build_parser().parse_args(["wait", *argv, "1"])
    return resolve_api(args, {**CREDS, **(env or {})})


def test_defaults() -> None:
    settings = wait()
    assert (settings.level, settings.timeout, settings.interval) == (400, 3600, 10)
    assert settings.report_dir == Path("ci-gate-report")
    assert not settings.fail_fast


def test_env_fallbacks_and_flag_precedence() -> None:
    env = {
        "CI_GATE_LEVEL": "warning",
        "CI_GATE_TIMEOUT": "60",
        "CI_GATE_INTERVAL": "0.1",
        "CI_GATE_REPORT_DIR": "out",
        "CI_GATE_IGNORE": "a\n\nb",
        "CI_GATE_FAIL_FAST": "true",
        "CI_GATE_STOP_ON_CANCEL": "1",
    }
    settings = wait(env)
    assert (settings.level, settings.timeout, settings.interval) == (300, 60, 0.1)
    assert [p.pattern for p in settings.ignore] == ["a", "b"]
    assert settings.report_dir == Path("out")
    assert settings.fail_fast and settings.stop_on_cancel and not settings.stop_on_timeout
    assert wait(env, "--level", "CRITICAL", "--ignore", "c").level == 500
    assert [p.pattern for p in wait(env, "--ignore", "c").ignore] == ["c"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--timeout", "0"], "--timeout must be a number of seconds above 0"),
        (
            ["--timeout", "soon"],
            "--timeout 'soon' is not a duration: give seconds",
        ),
        (["--interval", "-1"], "--interval must be"),
        (["--interval", "inf"], "--interval must be"),
        (["--level", "LOUD"], "unknown level 'LOUD'"),
    ],
)
def test_bad_values_are_usage_errors(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        wait(None, *argv)


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ("12a", "master id '12a' is not a positive whole number"),
        ("0", "master id '0' is not a positive whole number"),
        ("000", "master id '000' is not a positive whole number"),
        ("-5", "master id '-5' is not a positive whole number"),
        (" , ", "give at least one master id"),
    ],
)
def test_bad_master_ids(ids: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        wait(ids=ids)


def test_a_bad_env_value_names_the_variable() -> None:
    with pytest.raises(UsageError, match="CI_GATE_TIMEOUT 'abc' is not a duration"):
        wait({"CI_GATE_TIMEOUT": "abc"})


def test_bad_boolean_env() -> None:
    with pytest.raises(UsageError, match="CI_GATE_FAIL_FAST='maybe': use true or false"):
        wait({"CI_GATE_FAIL_FAST": "maybe"})


def test_master_ids_split_on_commas_and_space() -> None:
    assert parse_master_ids(["1,2", "3 4\n5", "1"]) == ("1", "2", "3", "4", "5")


def test_credentials_from_env_or_file(tmp_path: Path) -> None:
    credentials = api().credentials
    assert credentials is not None and credentials.key_secret == "secret"
    key_file = tmp_path / "key"
    key_file.write_text("fileid:filesecret\n")
    credentials = api(None, "--api-key-file", str(key_file)).credentials
    assert credentials is not None and credentials.key_id == "fileid"
    key_file.write_text("no-colon")
    with pytest.raises(UsageError, match="must hold key_id:key_secret"):
        api(None, "--api-key-file", str(key_file))
    with pytest.raises(UsageError, match="cannot read it"):
        api(None, "--api-key-file", str(tmp_path / "missing"))


def test_missing_credentials_name_what_is_missing() -> None:
    with pytest.raises(UsageError, match="set BLAZEMETER_API_KEY_SECRET"):
        resolve_api(None, {"BLAZEMETER_API_KEY_ID": "id"})


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/api/v4",
        "http://localhost/api/v4",
        "http://[::1]:9/api/v4",
        "https://a.blazemeter.com/api/v4",
    ],
)
def test_loopback_http_and_https_are_fine(url: str) -> None:
    assert api(None, "--api-url", url).url == url


def test_plain_http_elsewhere_is_refused_unless_allowed() -> None:
    with pytest.raises(UsageError, match="credentials would travel in clear"):
        api(None, "--api-url", "http://blazemeter.example.test/api/v4")
    assert api(None, "--api-url", "http://blazemeter.example.test/api/v4", "--allow-insecure-http")


@pytest.mark.parametrize("url", ["ftp://x/api", "a.blazemeter.com", "https://user:pw@host/api"])
def test_bad_urls(url: str) -> None:
    with pytest.raises(UsageError):
        api(None, "--api-url", url)


def test_ca_bundle_must_exist(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        api(None, "--ca-bundle", str(tmp_path / "nope.pem"))


def test_tuning_env() -> None:
    http = api(
        {"CI_GATE_MAX_ANSWER_MB": "2", "CI_GATE_RETRY_MAX_TIME": "5", "CI_GATE_HTTP_TIMEOUT": "1.5"}
    ).http
    assert (http.max_answer_bytes, http.retry_max_time, http.read_timeout) == (2 << 20, 5, 1.5)
    with pytest.raises(UsageError, match="CI_GATE_MAX_ANSWER_MB"):
        api({"CI_GATE_MAX_ANSWER_MB": "0"})
    assert api().http.retry_max_time == 300


def test_a_key_file_with_a_bom_and_crlf_reads_cleanly(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_bytes(b"\xef\xbb\xbffileid:filesecret\r\n")
    credentials = api(None, "--api-key-file", str(key_file)).credentials
    assert credentials == Credentials("fileid", "filesecret")


@pytest.mark.parametrize(
    ("secret", "words"),
    [
        ("pässwörd-ключ", "cannot travel in an HTTP Basic header"),
        ("line\nXYZZY", "control character"),
    ],
)
def test_a_key_that_cannot_travel_is_a_usage_error_that_does_not_echo_it(
    tmp_path: Path, secret: str, words: str
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(f"fileid:{secret}", encoding="utf-8")
    with pytest.raises(UsageError, match=words) as caught:
        api(None, "--api-key-file", str(key_file))
    assert "ключ" not in str(caught.value) and "XYZZY" not in str(caught.value)
    assert "position" not in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("90", 90.0),
        ("0.1", 0.1),
        ("90s", 90.0),
        ("5m", 300.0),
        ("1h30m", 5400.0),
        ("1h02m03s", 3723.0),
        (" 2M ", 120.0),
        ("1.5h", 5400.0),
    ],
)
def test_durations_are_read_as_the_gate_prints_them(raw: str, seconds: float) -> None:
    from ci_gate.config.parsers import parse_seconds

    assert parse_seconds(raw, "--timeout") == seconds


@pytest.mark.parametrize("raw", ["", "s", "5x", "m5", "1h-5m", "0s", "0m", "-5m", "inf"])
def test_a_duration_that_is_no_duration_is_a_usage_error(raw: str) -> None:
    from ci_gate.config.parsers import parse_seconds

    with pytest.raises(UsageError, match="--timeout"):
        parse_seconds(raw, "--timeout")


# -- issue 30 item 7: defaults where they are declared -----------------------------------------


def test_a_baseline_without_regression_limits_carries_the_default_limit() -> None:
    """The limit a baseline is judged by, as resolved: the one --help shows, p90=+20%;
    without a baseline no limit (nothing is compared), so no warning is owed."""
    default = (Limit("p90", 20.0, True),)
    assert wait({}, "--baseline", "9").regression == default
    assert wait({"CI_GATE_BASELINE": "last-passed"}).regression == default
    assert WaitSettings(baseline="9").regression == default  # built without resolving (demo)
    assert wait().regression == ()
    given = (Limit("avg", 5.0, False),)
    assert wait({}, "--baseline", "9", "--regression", "avg=+5").regression == given
    assert wait({}, "--regression", "avg=+5").regression == given


def test_the_trouble_window_has_one_default() -> None:
    """CI_GATE_RETRY_MAX_TIME's default is the window the wait and the verdict use."""
    assert api().http.retry_max_time == TROUBLE_WINDOW == 300.0
    rules = Rules(level=400, criteria=CriteriaMode.ON, limits=(), timeout=60)
    assert rules.trouble_window == TROUBLE_WINDOW
    assert WaitLoop.trouble_window == TROUBLE_WINDOW


@pytest.mark.parametrize(
    ("url", "part"),
    [
        ("https://a.blazemeter.com/api/v4#frag", "a fragment (#...)"),
        ("https://a.blazemeter.com/api/v4?key=Zq9SECRETxYwV7mPq", "a query (?...)"),
        ("https://a.blazemeter.com/api/v4?", "a query (?...)"),
        ("https://a.blazemeter.com/api/v4#", "a fragment (#...)"),
    ],
)
def test_an_api_url_with_a_query_or_a_fragment_is_one_line_that_does_not_echo_it(
    url: str, part: str
) -> None:
    """Outside review of issue 29 (minor): a fragment sent every request to the base URL,
    a query put every path inside the query string."""
    with pytest.raises(UsageError) as refused:
        api(None, "--api-url", url)
    assert str(refused.value) == (
        f"--api-url 'https://a.blazemeter.com/api/v4' must not carry {part}: "
        "the gate adds each endpoint's path to it"
    )
