"""`ci.http.PlatformClient` on an injected clock: every request bounded by one deadline
read on that clock, and every failure one safe line (the loopback GitHub and GitLab
fakes of tests/unit/ci/test_comment.py cover the real sockets)."""

from __future__ import annotations

from typing import Any

import pytest
import requests_mock as rm

from ci_gate.ci.http import PlatformClient, PlatformError
from tests.support.fakes import FakeClock

API = "https://api.github.example.test/repos/acme/shop/issues/7/comments"
TOKEN = "ghs_TOKEN-canary-4711"


def _client(clock: FakeClock, seconds: float) -> PlatformClient:
    return PlatformClient({"Authorization": f"Bearer {TOKEN}"}, clock() + seconds, clock=clock)


def test_no_request_is_sent_once_the_deadline_has_passed_on_the_clock(
    requests_mock: rm.Mocker,
) -> None:
    clock = FakeClock()
    requests_mock.get(API, json=[])
    client = _client(clock, 10.0)
    clock.sleep(10.0)
    with pytest.raises(PlatformError, match=r"^no time left for the request$"):
        client.request("GET", API)
    assert requests_mock.call_count == 0


@pytest.mark.parametrize(("arrives_after", "read"), [(9.0, True), (11.0, False)])
def test_an_answer_is_read_only_before_the_deadline_on_the_clock(
    requests_mock: rm.Mocker, arrives_after: float, read: bool
) -> None:
    clock = FakeClock()

    def body(request: Any, context: Any) -> list[object]:
        clock.now += arrives_after  # the answer comes this much later
        return [{"id": 1}]

    requests_mock.get(API, json=body, headers={"X-Next": "2"})
    client = _client(clock, 10.0)
    if read:
        answer = client.request("GET", API)
        assert (answer.status, answer.body, answer.headers["x-next"]) == (200, [{"id": 1}], "2")
    else:
        with pytest.raises(PlatformError, match=r"^the API did not answer in time$"):
            client.request("GET", API)


@pytest.mark.parametrize(
    ("reply", "words", "status"),
    [
        ({"status_code": 302, "headers": {"Location": "https://evil.test/"}}, "redirect", 302),
        (
            {"status_code": 403, "json": {"message": f"bad {TOKEN}\nx"}},
            r"^HTTP 403 \(bad \[redacted\]",
            403,
        ),
        ({"status_code": 500, "text": "<html>"}, r"^HTTP 500$", 500),
    ],
)
def test_a_refusal_is_one_line_with_its_status(
    requests_mock: rm.Mocker, reply: dict[str, Any], words: str, status: int
) -> None:
    from ci_gate.text import forget_secrets, register_secret

    register_secret(TOKEN)
    try:
        requests_mock.post(API, **reply)
        with pytest.raises(PlatformError, match=words) as caught:
            _client(FakeClock(), 10.0).request("POST", API, {"body": "x"})
    finally:
        forget_secrets()
    assert caught.value.status == status
    assert "\n" not in str(caught.value) and TOKEN not in str(caught.value)


def test_a_huge_integer_in_an_answer_is_out_of_range_not_an_unreadable_answer(
    requests_mock: rm.Mocker,
) -> None:
    """Outside review of issue 29, F8: one 4,301-digit integer made the whole list unreadable."""
    clock = FakeClock()
    requests_mock.get(API, text='[{"id": 1, "user": {"id": ' + "9" * 4301 + "}}]")
    answer = _client(clock, 10.0).request("GET", API)
    assert answer.body == [{"id": 1, "user": {"id": float("inf")}}]
