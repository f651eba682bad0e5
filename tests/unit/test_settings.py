from pathlib import Path
from typing import Any

import pytest

from ci_gate.errors import UsageError
from ci_gate.settings import parse_master_ids, resolve_api, resolve_wait

CREDS = {"BLAZEMETER_API_KEY_ID": "id", "BLAZEMETER_API_KEY_SECRET": "secret"}


def wait(env: dict[str, str] | None = None, **flags: Any) -> Any:
    args: dict[str, Any] = dict(
        master_ids=["1"],
        level=None,
        timeout=None,
        interval=None,
        report_dir=None,
        ignore=None,
        fail_fast=False,
        stop_on_timeout=False,
        stop_on_fail=False,
        stop_on_cancel=False,
    )
    args.update(flags)
    return resolve_wait(env=env or {}, **args)


def api(env: dict[str, str] | None = None, **flags: Any) -> Any:
    args: dict[str, Any] = dict(
        api_url=None, api_key_file=None, ca_bundle=None, allow_insecure_http=False
    )
    args.update(flags)
    return resolve_api(env={**CREDS, **(env or {})}, **args)


def test_defaults() -> None:
    settings = wait().plan
    assert (settings.policy.threshold, settings.timeout, settings.interval) == (400, 3600, 10)
    assert wait().report_dir == Path("ci-gate-report")
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
    settings = wait(env).plan
    assert (settings.policy.threshold, settings.timeout, settings.interval) == (300, 60, 0.1)
    assert [p.pattern for p in settings.policy.ignore] == ["a", "b"]
    assert wait(env).report_dir == Path("out")
    assert settings.fail_fast and settings.stop_on_cancel and not settings.stop_on_timeout
    assert wait(env, level="CRITICAL", ignore=["c"]).plan.policy.threshold == 500
    assert [p.pattern for p in wait(env, ignore=["c"]).plan.policy.ignore] == ["c"]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"timeout": "0"}, "--timeout must be a number of seconds above 0"),
        ({"timeout": "soon"}, "--timeout 'soon' is not a number"),
        ({"interval": "-1"}, "--interval must be"),
        ({"interval": "inf"}, "--interval must be"),
        ({"level": "LOUD"}, "unknown level 'LOUD'"),
        ({"master_ids": ["12a"]}, "master id '12a' is not a number"),
        ({"master_ids": [" , "]}, "give at least one master id"),
    ],
)
def test_bad_values_are_usage_errors(flags: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        wait(**flags)


def test_bad_boolean_env() -> None:
    with pytest.raises(UsageError, match="CI_GATE_FAIL_FAST='maybe': use true or false"):
        wait({"CI_GATE_FAIL_FAST": "maybe"})


def test_master_ids_split_on_commas_and_space() -> None:
    assert parse_master_ids(["1,2", "3 4\n5", "1"]) == ("1", "2", "3", "4", "5")


def test_credentials_from_env_or_file(tmp_path: Path) -> None:
    assert api().credentials.key_secret == "secret"
    key_file = tmp_path / "key"
    key_file.write_text("fileid:filesecret\n")
    assert api(api_key_file=str(key_file)).credentials.key_id == "fileid"
    key_file.write_text("no-colon")
    with pytest.raises(UsageError, match="must hold key_id:key_secret"):
        api(api_key_file=str(key_file))
    with pytest.raises(UsageError, match="cannot read it"):
        api(api_key_file=str(tmp_path / "missing"))


def test_missing_credentials_name_what_is_missing() -> None:
    with pytest.raises(UsageError, match="set BLAZEMETER_API_KEY_SECRET"):
        resolve_api(
            env={"BLAZEMETER_API_KEY_ID": "id"},
            api_url=None,
            api_key_file=None,
            ca_bundle=None,
            allow_insecure_http=False,
        )


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
    assert api(api_url=url).url == url


def test_plain_http_elsewhere_is_refused_unless_allowed() -> None:
    with pytest.raises(UsageError, match="credentials would travel in clear"):
        api(api_url="http://blazemeter.example.test/api/v4")
    assert api(api_url="http://blazemeter.example.test/api/v4", allow_insecure_http=True)


@pytest.mark.parametrize("url", ["ftp://x/api", "a.blazemeter.com", "https://user:pw@host/api"])
def test_bad_urls(url: str) -> None:
    with pytest.raises(UsageError):
        api(api_url=url)


def test_ca_bundle_must_exist(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        api(ca_bundle=str(tmp_path / "nope.pem"))


def test_tuning_env() -> None:
    http = api(
        {"CI_GATE_RETRY_TRIES": "2", "CI_GATE_RETRY_MAX_TIME": "5", "CI_GATE_HTTP_TIMEOUT": "1.5"}
    ).http
    assert (http.retry_tries, http.retry_max_time, http.read_timeout) == (2, 5, 1.5)
    with pytest.raises(UsageError, match="CI_GATE_RETRY_TRIES"):
        api({"CI_GATE_RETRY_TRIES": "0"})
