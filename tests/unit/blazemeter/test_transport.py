"""`Transport` on an injected clock: a request's cap is its own budget cut to the caller's
deadline, both read on the client's clock (no real waiting; the real sockets, TLS and the
watchdog are tests/e2e/test_transport.py's and tests/unit/test_bounded_http.py's)."""

from __future__ import annotations

from typing import Any

import pytest
import requests_mock as rm

from ci_gate.blazemeter.transport import Transport
from ci_gate.config.credentials import Credentials
from ci_gate.config.settings import HttpSettings
from ci_gate.errors import OutOfTimeError, RetryableApiError
from tests.support.fakes import FakeClock
from tests.support.helpers import KEY_ID, SECRET

URL = "https://api.example.test/api/v4"
STATUS = f"{URL}/masters/1/status"
ANSWER: dict[str, object] = {"api_version": 4, "error": None, "result": {"status": "ENDED"}}


def _transport(clock: FakeClock, read_timeout: float = 30.0) -> Transport:
    http = HttpSettings(read_timeout=read_timeout)
    return Transport(URL, Credentials(KEY_ID, SECRET), http=http, clock=clock)


def _answer_after(clock: FakeClock, seconds: float) -> Any:
    """A body callback: the answer arrives `seconds` later on the fake clock."""

    def body(request: Any, context: Any) -> dict[str, object]:
        clock.now += seconds
        return ANSWER

    return body


def _get(transport: Transport, deadline: float | None) -> object:
    return transport.request("GET", "masters/1/status", "master 1", None, deadline)


def test_no_request_is_sent_once_the_deadline_has_passed_on_the_clock(
    requests_mock: rm.Mocker,
) -> None:
    clock = FakeClock()
    requests_mock.get(STATUS, json=ANSWER)
    transport = _transport(clock)
    with pytest.raises(OutOfTimeError, match="master 1: no time left before the deadline"):
        _get(transport, clock())
    assert requests_mock.call_count == 0 and transport.traffic().requests == 0


@pytest.mark.parametrize(
    ("deadline_in", "arrives_after", "read"),
    [
        (None, 29.0, True),  # within the request's own 30 s
        (None, 31.0, False),  # past it
        (60.0, 31.0, False),  # the request's budget, not the deadline, cuts it
        (10.0, 9.0, True),
        (10.0, 11.0, False),  # the deadline cuts the request's 30 s
    ],
)
def test_an_answer_is_read_only_within_the_cap_cut_to_the_deadline(
    requests_mock: rm.Mocker, deadline_in: float | None, arrives_after: float, read: bool
) -> None:
    clock = FakeClock()
    requests_mock.get(STATUS, json=_answer_after(clock, arrives_after))
    transport = _transport(clock)
    deadline = None if deadline_in is None else clock() + deadline_in
    if read:
        assert _get(transport, deadline) == {"status": "ENDED"}
    else:
        with pytest.raises(RetryableApiError, match="master 1: the API did not answer in time"):
            _get(transport, deadline)
    assert transport.traffic().requests == 1
