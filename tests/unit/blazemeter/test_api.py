from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

import pytest
import requests
import requests_mock as rm

from ci_gate.blazemeter.api import BlazeMeterClient
from ci_gate.blazemeter.transport import parse_retry_after
from ci_gate.config.credentials import Credentials
from ci_gate.config.options import parse_option
from ci_gate.config.settings import ApiSettings, HttpSettings, WaitSettings
from ci_gate.domain.trend import MAX_TREND
from ci_gate.errors import ApiError, FatalApiError, UsageError
from tests.support.fakes import FakeClock
from tests.support.helpers import DATA, KEY_ID, SECRET

URL = "https://api.example.test/api/v4"
STATUS = f"{URL}/masters/42/status"
FAST = HttpSettings(retry_max_time=30, retry_factor=1.0, retry_max_delay=4.0)


def ok(
    status: str = "ENDED", progress: int = 140, events: list[Any] | None = None
) -> dict[str, Any]:
    result = {"status": status, "progress": progress, "events": events or []}
    return {"json": {"api_version": 4, "error": None, "result": result}, "status_code": 200}


def _client(clock: FakeClock, url: str = URL, **options: Any) -> BlazeMeterClient:
    """A client on the fake clock: its back-off sleeps advance the clock, never wait."""
    options.setdefault("http", FAST)
    return BlazeMeterClient(
        url, Credentials(KEY_ID, SECRET), clock=clock, sleep=clock.sleep, **options
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(clock: FakeClock) -> BlazeMeterClient:
    return _client(clock)


@pytest.fixture
def sleeps(clock: FakeClock) -> list[float]:
    """The back-off sleeps the client took (each advanced the fake clock)."""
    return clock.sleeps


def test_status_sends_level_events_and_basic_auth(
    requests_mock: rm.Mocker, client: BlazeMeterClient
) -> None:
    requests_mock.get(STATUS, **ok())
    status = client.status("42", level="ERROR")
    assert status.terminal
    request = requests_mock.last_request
    assert request is not None
    assert request.qs == {"level": ["error"], "events": ["true"]}
    assert request.headers["Authorization"].startswith("Basic ")
    assert client.traffic().requests == 1 and client.traffic().bytes_received > 0


def test_5xx_and_429_are_retried_with_retry_after(
    requests_mock: rm.Mocker, client: BlazeMeterClient, sleeps: list[float]
) -> None:
    requests_mock.get(
        STATUS,
        [
            {"status_code": 503, "text": "<html>down</html>"},
            {"status_code": 429, "headers": {"Retry-After": "7"}, "json": {"error": {"code": 429}}},
            ok(),
        ],
    )
    assert client.status("42", level="ERROR").status == "ENDED"
    assert requests_mock.call_count == 3
    assert sleeps[-1] == 7.0  # Retry-After honoured exactly
    assert 0.5 <= sleeps[0] <= 1.0  # exponential back-off with equal jitter: factor 1 s


def test_connection_errors_and_timeouts_are_retried(
    requests_mock: rm.Mocker, client: BlazeMeterClient, sleeps: list[float]
) -> None:
    requests_mock.get(
        STATUS,
        [
            {"exc": requests.exceptions.ConnectionError("reset")},
            {"exc": requests.exceptions.ReadTimeout("slow")},
            ok(),
        ],
    )
    assert client.status("42", level="ERROR").terminal
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (401, "credentials rejected"),
        (403, "access denied"),
        (404, "master not found"),
        (400, "the API rejected the request"),
    ],
)
def test_client_errors_are_not_retried(
    requests_mock: rm.Mocker, client: BlazeMeterClient, code: int, words: str
) -> None:
    requests_mock.get(
        STATUS,
        status_code=code,
        json={"error": {"code": code, "message": "Unauthorized"}, "result": None},
    )
    with pytest.raises(FatalApiError, match=f"master 42: {words}.*HTTP {code}"):
        client.status("42", level="ERROR")
    assert requests_mock.call_count == 1


def test_html_forever_gives_up_within_the_budget(
    requests_mock: rm.Mocker, client: BlazeMeterClient, sleeps: list[float]
) -> None:
    requests_mock.get(STATUS, text="<html>login</html>", headers={"Content-Type": "text/html"})
    with pytest.raises(ApiError, match=r"not BlazeMeter's JSON envelope.*still failing after 30s"):
        client.status("42", level="ERROR")
    # retried by time: about 30 s of back-off (1, 2, 4, 4, ... s with jitter), not a try count
    assert sum(sleeps) == pytest.approx(30.0)
    assert requests_mock.call_count >= 8


def test_error_envelope_in_a_200(requests_mock: rm.Mocker, client: BlazeMeterClient) -> None:
    requests_mock.get(
        STATUS, json={"error": {"code": 404, "message": "Master not found"}, "result": None}
    )
    with pytest.raises(FatalApiError, match="master not found \\(Master not found\\)"):
        client.status("42", level="ERROR")


def test_the_deadline_cuts_the_retry_budget(
    requests_mock: rm.Mocker, client: BlazeMeterClient, clock: FakeClock
) -> None:
    requests_mock.get(STATUS, status_code=500)
    deadline = clock() + 0.05
    with pytest.raises(ApiError, match=r"HTTP 500.*still failing at the deadline"):
        client.status("42", level="ERROR", deadline=deadline)
    assert clock.sleeps == [pytest.approx(0.05)]  # one pause, to the deadline, not past it
    assert clock() == pytest.approx(deadline)
    assert requests_mock.call_count == 1  # no request is begun at the deadline


@pytest.mark.parametrize(
    ("progress", "action"), [(99, "terminate"), (None, "terminate"), (100, "stop"), (130, "stop")]
)
def test_stop_or_terminate_by_progress(
    requests_mock: rm.Mocker, client: BlazeMeterClient, progress: int | None, action: str
) -> None:
    requests_mock.post(f"{URL}/masters/42/{action}", status_code=202, json={"result": {}})
    assert client.stop("42", progress) == action
    assert requests_mock.call_count == 1


def test_the_secret_is_in_no_error_text(
    requests_mock: rm.Mocker, client: BlazeMeterClient, sleeps: list[float]
) -> None:
    requests_mock.get(STATUS, exc=requests.exceptions.ConnectionError(f"failed for {URL}"))
    with pytest.raises(ApiError) as caught:
        client.status("42", level="ERROR")
    assert SECRET not in str(caught.value) and SECRET not in repr(caught.value)
    assert SECRET not in repr(Credentials(KEY_ID, SECRET))


def test_retry_after_forms() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("999999") == 300.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    # an HTTP date, against an injected wall clock: exactly the seconds until then
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    header = format_datetime(when, usegmt=True)
    assert parse_retry_after(header, now=when.timestamp() - 30) == 30.0
    assert parse_retry_after(header, now=when.timestamp() + 30) == 0.0  # already past


def test_a_long_retry_after_inside_the_budget_is_waited_out(
    requests_mock: rm.Mocker, clock: FakeClock, sleeps: list[float]
) -> None:
    client = _client(clock, http=HttpSettings())
    requests_mock.get(
        STATUS,
        [{"status_code": 429, "headers": {"Retry-After": "45"}, "json": {}}, ok()],
    )
    deadline = clock() + 60
    assert client.status("42", level="ERROR", deadline=deadline).terminal
    assert sleeps == [45.0]


def test_one_line_per_episode_of_trouble(requests_mock: rm.Mocker, clock: FakeClock) -> None:
    lines: list[str] = []
    client = _client(clock, on_retry=lines.append)
    requests_mock.get(STATUS, [{"status_code": 503}] * 6 + [ok()])
    assert client.status("42", level="ERROR").terminal
    assert len(lines) == 2, lines
    assert lines[0].startswith("API trouble: master 42: the API failed (HTTP 503)")
    assert lines[1].startswith("API healthy again after ")
    assert client.traffic().retries == 6


def test_redirects_are_not_followed(requests_mock: rm.Mocker, client: BlazeMeterClient) -> None:
    requests_mock.get(
        STATUS, status_code=302, headers={"Location": "http://evil.example.test/api/v4/x"}
    )
    with pytest.raises(FatalApiError, match=r"redirect \(HTTP 302\) to evil\.example\.test"):
        client.status("42", level="ERROR")
    assert requests_mock.call_count == 1


def test_an_answer_over_the_size_cap_is_an_api_error(
    requests_mock: rm.Mocker, clock: FakeClock
) -> None:
    client = _client(clock, http=HttpSettings(max_answer_bytes=1000))
    requests_mock.get(STATUS, text="x" * 5000)
    with pytest.raises(FatalApiError, match="larger than"):
        client.status("42", level="ERROR")
    assert requests_mock.call_count == 1


def test_no_request_is_sent_once_the_deadline_has_passed(
    requests_mock: rm.Mocker, client: BlazeMeterClient, clock: FakeClock
) -> None:
    requests_mock.get(STATUS, **ok())
    with pytest.raises(ApiError, match="no time left"):
        client.status("42", level="ERROR", deadline=clock() - 1)
    assert requests_mock.call_count == 0


def test_an_old_shape_error_body_keeps_the_servers_words(
    requests_mock: rm.Mocker, client: BlazeMeterClient, sleeps: list[float]
) -> None:
    # a real recorded API v2 answer: the error is a string, beside `response_code`
    body = DATA / "realworld/jenkins-plugin/getSessionId_v2_500.json"
    requests_mock.get(STATUS, content=body.read_bytes(), status_code=500)
    with pytest.raises(ApiError, match=r"HTTP 500: Test already running, please stop it first\)"):
        client.status("42", level="ERROR")
    requests_mock.get(STATUS, content=body.read_bytes(), status_code=200)
    with pytest.raises(ApiError, match=r"reported an error \(Test already running"):
        client.status("42", level="ERROR")


@pytest.mark.parametrize(
    ("code", "message", "words"),
    [
        (429, "Too Many Requests", "rate-limited by the API (HTTP 429: Too Many Requests)"),
        (502, "Error", "the API failed (HTTP 502: Error)"),
        (401, "Unauthorized", "credentials rejected (HTTP 401: Unauthorized)"),
        (404, "No such master", "master not found (HTTP 404: No such master); check the"),
    ],
)
def test_the_http_code_and_the_servers_words_share_one_bracket(
    requests_mock: rm.Mocker, clock: FakeClock, code: int, message: str, words: str
) -> None:
    """`(HTTP 429: Too Many Requests)`, never `(HTTP 429) (Too Many Requests)` (issue 32
    item 9)."""
    requests_mock.get(STATUS, status_code=code, json={"error": {"code": code, "message": message}})
    once = _client(clock, http=HttpSettings(retry_max_time=0))
    with pytest.raises(ApiError) as caught:
        once.status("42", level="ERROR", deadline=clock() + 5)
    assert words in str(caught.value)
    assert ") (" not in str(caught.value)


def test_not_found_hints_at_the_api_url(requests_mock: rm.Mocker, clock: FakeClock) -> None:
    bare = _client(clock, "https://api.example.test")
    requests_mock.get("https://api.example.test/masters/42/status", status_code=404)
    with pytest.raises(
        FatalApiError,
        match=r"master not found \(HTTP 404\); check --api-url: https://api.example.test "
        r"does not end in /api/v4",
    ):
        bare.status("42", level="ERROR")
    full = _client(clock)
    requests_mock.get(STATUS, status_code=404)
    with pytest.raises(FatalApiError, match=r"\(HTTP 404\); check the master id and --api-url"):
        full.status("42", level="ERROR")


def test_deeply_nested_json_is_a_malformed_answer_not_a_crash(
    requests_mock: rm.Mocker, client: BlazeMeterClient, clock: FakeClock
) -> None:
    nested = b'{"result": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    requests_mock.get(STATUS, content=nested)
    with pytest.raises(ApiError, match="master 42: ") as caught:
        client.status("42", level="ERROR", deadline=clock() + 5)
    assert "Recursion" not in str(caught.value)
    assert requests_mock.call_count > 1  # retried like any garbled answer


def test_a_host_that_does_not_resolve_is_named_and_given_30_seconds_not_300(
    requests_mock: rm.Mocker, clock: FakeClock, sleeps: list[float]
) -> None:
    typo = "https://a.blazemeter.co/api/v4"
    client = _client(clock, typo, http=HttpSettings(retry_max_time=300))
    requests_mock.get(
        f"{typo}/masters/42/status",
        exc=requests.exceptions.ConnectionError(
            "HTTPSConnectionPool(host='a.blazemeter.co', port=443): Max retries exceeded "
            "(Caused by NameResolutionError(\"Failed to resolve 'a.blazemeter.co' ([Errno -2] "
            'Name or service not known)"))'
        ),
    )
    with pytest.raises(ApiError) as caught:
        client.status("42", level="ERROR")
    message = str(caught.value)
    assert message.startswith("master 42: cannot resolve a.blazemeter.co: check --api-url;")
    assert 30 <= sum(sleeps) < 60, sleeps  # about 30 s, not the 300 s of other trouble


def test_the_retry_line_never_promises_past_the_deadline(
    requests_mock: rm.Mocker, clock: FakeClock
) -> None:
    lines: list[str] = []
    client = _client(clock, on_retry=lines.append)
    requests_mock.get(STATUS, [{"status_code": 503}, ok()])
    client.status("42", level="ERROR", deadline=clock() + 15)
    assert lines[0] == (
        "API trouble: master 42: the API failed (HTTP 503); retrying until the deadline"
    )
    lines.clear()
    requests_mock.get(STATUS, [{"status_code": 503}, ok()])
    client.status("42", level="ERROR")
    assert lines[0].endswith("; retrying for up to 30s")


def test_the_runs_of_a_test_are_read_as_many_as_trend_can_show(
    requests_mock: rm.Mocker, client: BlazeMeterClient
) -> None:
    """One number for --trend's most and the page of runs read (issue 30 item 7)."""
    requests_mock.get(f"{URL}/masters", json={"result": []})
    assert client.runs_of_test("7") == []
    request = requests_mock.last_request
    assert request is not None
    assert request.qs == {"testid": ["7"], "limit": [str(MAX_TREND)], "sort[]": ["-created"]}
    assert parse_option(WaitSettings, "trend", str(MAX_TREND)) == MAX_TREND
    with pytest.raises(UsageError, match=f"from 1 to {MAX_TREND}"):
        parse_option(WaitSettings, "trend", str(MAX_TREND + 1))


def test_the_client_is_built_from_the_resolved_api_settings() -> None:
    """Every command builds its client from `ApiSettings` here (issue 30 item 8)."""
    settings = ApiSettings(url=URL + "/", http=FAST, credentials=Credentials(KEY_ID, SECRET))
    client = BlazeMeterClient.from_settings(settings, pool_size=2)
    try:
        assert client.api_url == URL
        assert client.http == FAST
    finally:
        client.close()
    with pytest.raises(UsageError, match="missing credentials"):
        BlazeMeterClient.from_settings(ApiSettings())
