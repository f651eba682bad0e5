"""A start says "no run was started" only when BlazeMeter cannot have started one (issue 29
item 6): a property test drives `BlazeMeterClient.start` with generated answers (any status,
any envelope, an id and an error together, bodies that are no envelope at all) and checks
each against the rule, never a second start."""

from __future__ import annotations

import json
from typing import Any

import requests_mock as rm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ci_gate.blazemeter.api import BlazeMeterClient
from ci_gate.blazemeter.start_attempts import StartAttempts
from ci_gate.config.credentials import Credentials
from ci_gate.config.settings import HttpSettings
from ci_gate.errors import ApiError, StartMayHaveHappenedError
from tests.support.fakes import FakeClock
from tests.support.helpers import KEY_ID, SECRET

URL = "https://api.example.test/api/v4"
START = f"{URL}/tests/7/start"
#: 429 is retried by time: a short budget on a fake clock
QUICK = HttpSettings(retry_max_time=5, retry_factor=1.0, retry_max_delay=1.0)

ids = st.one_of(
    st.integers(min_value=-5, max_value=10**12),
    st.sampled_from(["12", "0012", "0", "12a", "", "²", " 9 "]),
    st.none(),
    st.booleans(),
)
errors = st.one_of(
    st.none(),
    st.sampled_from(["", "Test already running", {}]),
    st.builds(
        lambda code, message: {"code": code, "message": message},
        st.sampled_from([None, 400, 401, 404, 409, 500, 503]),
        st.sampled_from(["", "boom", "Test not found"]),
    ),
)
envelopes = st.builds(
    lambda error, result: {"api_version": 4, "error": error, "result": result},
    errors,
    st.one_of(st.none(), st.builds(lambda i: {"id": i, "testId": 7}, ids), st.just([])),
)
bodies = st.one_of(
    envelopes.map(json.dumps), st.sampled_from(["", "<html>Maintenance</html>", "[1]", "{"])
)
statuses = st.sampled_from([200, 201, 202, 204, 301, 302, 400, 401, 403, 404, 409, 429, 500, 502])


def _clean_id(status: int, body: str) -> str | None:
    """The master id a clean 2xx answer names; None for any other answer."""
    if not 200 <= status < 300 or status == 204:
        return None
    try:
        envelope: Any = json.loads(body)
    except ValueError:
        return None
    if not isinstance(envelope, dict) or envelope.get("error"):
        return None
    result = envelope.get("result")
    master = result.get("id") if isinstance(result, dict) else None
    if isinstance(master, bool) or not isinstance(master, (int, str)):
        return None
    text = str(master).strip()
    if not (text.isascii() and text.isdigit()) or int(text) == 0:
        return None
    return str(int(text))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(status=statuses, body=bodies)
def test_no_run_was_started_only_when_blazemeter_refused_the_start(
    requests_mock: rm.Mocker, status: int, body: str
) -> None:
    requests_mock.reset_mock()
    requests_mock.post(
        START, status_code=status, text=body, headers={"Location": "https://elsewhere.test/"}
    )
    clock = FakeClock()  # back-off sleeps advance it, never wait
    client = BlazeMeterClient(
        URL, Credentials(KEY_ID, SECRET), http=QUICK, clock=clock, sleep=clock.sleep
    )
    expected = _clean_id(status, body)
    attempts = StartAttempts()  # what a cancel would read afterwards
    try:
        master_id = client.start("7", attempts=attempts)
    except StartMayHaveHappenedError as error:
        assert not attempts.cancel()  # a cancel now must not say "no run was started"
        assert expected is None
        assert not 400 <= status < 500, (status, body)  # BlazeMeter refused: nothing started
        assert "a run of test 7 may have started: check test 7 in BlazeMeter" in str(error)
        assert requests_mock.call_count == 1  # never a second start
    except ApiError as error:
        assert attempts.cancel()  # refused: no run was started
        assert 400 <= status < 500, (status, body, str(error))
        assert requests_mock.call_count == 1 or status == 429
    else:
        assert not attempts.cancel()
        assert master_id == expected, (status, body)
        assert requests_mock.call_count == 1
    finally:
        client.close()


def test_a_start_cancelled_between_tries_sends_no_later_try(requests_mock: rm.Mocker) -> None:
    """A signal while no try could have reached BlazeMeter: no run was started, and the
    start thread, still retrying, never sends another (outside review, item 3)."""
    requests_mock.post(START, json={"result": {"id": 99}})
    clock = FakeClock()
    client = BlazeMeterClient(
        URL, Credentials(KEY_ID, SECRET), http=QUICK, clock=clock, sleep=clock.sleep
    )
    attempts = StartAttempts()
    assert attempts.cancel()  # nothing out, nothing reached
    try:
        client.start("7", attempts=attempts)
    except ApiError as error:
        assert not isinstance(error, StartMayHaveHappenedError)
        assert "cancelled before the start request was sent" in str(error)
    else:
        raise AssertionError("a cancelled start was sent")
    finally:
        client.close()
    assert requests_mock.call_count == 0


def test_a_try_out_at_the_signal_leaves_it_unknown() -> None:
    attempts = StartAttempts()
    assert attempts.begin()
    assert not attempts.cancel()  # the try may reach BlazeMeter: a run may have started
    attempts.end(reached=False)
    assert not attempts.begin()  # and no try after it
