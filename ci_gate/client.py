"""The only module that talks HTTP: BlazeMeter's status and stop endpoints.

Every request has connect and read timeouts; retryable failures (network trouble, 429,
5xx, answers that are not the expected JSON) are retried with `backoff` (exponential
with jitter, `Retry-After` honoured) within a budget of tries and seconds, itself cut to
the caller's deadline. Everything else maps to a `FatalApiError` at once.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Callable, Generator
from typing import Any, TypeVar
from urllib.parse import quote

import backoff
import requests

from ci_gate import __version__
from ci_gate.errors import ApiError, FatalApiError, MalformedResponseError, RetryableApiError
from ci_gate.model import GRACEFUL_STOP_PROGRESS, MasterStatus, Traffic, parse_status
from ci_gate.settings import Credentials, HttpSettings
from ci_gate.text import one_line

T = TypeVar("T")

#: Longest wait honoured from a Retry-After header, so a hostile value cannot park the gate.
MAX_RETRY_AFTER = 300.0


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _retry_delays(
    *, factor: float, max_delay: float
) -> Generator[float, BaseException | None, None]:
    """Backoff wait generator: exponential with equal jitter, or the server's Retry-After."""
    error = yield 0
    attempt = 0
    while True:
        ceiling = min(factor * (2**attempt), max_delay)
        attempt += 1
        delay = ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not crypto
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            delay = retry_after
        error = yield delay


_FATAL_REASONS = {
    400: "the API rejected the request",
    401: "credentials rejected",
    402: "the account's plan does not allow this",
    403: "access denied to this master",
    404: "master not found",
    409: "the request conflicts with the master's state",
}


def _envelope_message(body: object) -> str:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return " (" + one_line(error["message"], 200) + ")"
    return ""


class BlazeMeterClient:
    """A BlazeMeter API v4 client for what a gate needs: read a status, stop a master."""

    def __init__(
        self,
        api_url: str,
        credentials: Credentials,
        *,
        http: HttpSettings | None = None,
        ca_bundle: str | None = None,
        session: requests.Session | None = None,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.http = http or HttpSettings()
        self._traffic = Traffic()
        self._on_retry = on_retry
        self._session = session or requests.Session()
        self._session.auth = (credentials.key_id, credentials.key_secret)
        self._session.headers["User-Agent"] = f"ci-gate/{__version__}"
        self._session.headers["Accept"] = "application/json"
        self._verify: str | bool = ca_bundle or True

    def close(self) -> None:
        self._session.close()

    def traffic(self) -> Traffic:
        """What this client has sent and received so far."""
        return self._traffic

    def _count(self, *, requests: int = 0, received: int = 0, retries: int = 0) -> None:
        old = self._traffic
        self._traffic = Traffic(
            old.requests + requests, old.bytes_received + received, old.retries + retries
        )

    def status(
        self,
        master_id: str,
        *,
        level: str,
        events: bool = True,
        deadline: float | None = None,
    ) -> MasterStatus:
        """`GET /masters/{id}/status`, retried within the budget and the deadline."""
        params = {"level": level, "events": "true" if events else "false"}

        def read_status() -> MasterStatus:
            # parsed inside the retried call: a body of the wrong shape is worth another try
            return parse_status(master_id, self._call("GET", master_id, "status", params))

        return self._with_retries(read_status, master_id, deadline)

    def stop(self, master_id: str, progress: int | None, deadline: float | None = None) -> str:
        """Stop a master: `stop` once it has data (progress >= 100), else `terminate`.

        Returns the action used. Never `/tests/{id}/stop`: that stops other people's runs.
        """
        action = (
            "stop" if progress is not None and progress >= GRACEFUL_STOP_PROGRESS else "terminate"
        )
        self._with_retries(lambda: self._call("POST", master_id, action, None), master_id, deadline)
        return action

    def _with_retries(self, call: Callable[[], T], master_id: str, deadline: float | None) -> T:
        policy = self.http

        def max_time() -> float:
            budget = policy.retry_max_time
            if deadline is not None:
                budget = min(budget, deadline - time.monotonic())
            return max(budget, 0.0)

        retries = 0

        def on_backoff(details: Any) -> None:
            nonlocal retries
            retries += 1
            self._count(retries=1)
            if self._on_retry is not None:
                error = details.get("exception")
                self._on_retry(f"{error}; retrying in {details.get('wait', 0):.1f}s")

        retrying = backoff.on_exception(
            _retry_delays,
            RetryableApiError,
            max_tries=policy.retry_tries,
            max_time=max_time,
            jitter=None,
            on_backoff=on_backoff,
            logger=None,
            factor=policy.retry_factor,
            max_delay=policy.retry_max_delay,
        )(call)
        try:
            return retrying()
        except RetryableApiError as error:
            raise ApiError(f"{error} (gave up after {retries + 1} tries)") from None

    def _call(
        self, method: str, master_id: str, endpoint: str, params: dict[str, str] | None
    ) -> object:
        url = f"{self.api_url}/masters/{quote(master_id, safe='')}/{endpoint}"
        what = f"master {master_id}"
        self._count(requests=1)
        try:
            response = self._session.request(
                method,
                url,
                params=params,
                timeout=(self.http.connect_timeout, self.http.read_timeout),
                verify=self._verify,
            )
            content = response.content
        except requests.exceptions.SSLError as error:
            raise FatalApiError(f"{what}: TLS verification failed: {_short(error)}") from None
        except requests.exceptions.Timeout:
            raise RetryableApiError(f"{what}: the API did not answer in time") from None
        except requests.exceptions.ConnectionError as error:
            raise RetryableApiError(f"{what}: could not reach the API: {_short(error)}") from None
        except requests.exceptions.RequestException as error:
            raise RetryableApiError(f"{what}: request failed: {_short(error)}") from None
        self._count(received=len(content))
        return self._read_answer(response, content, what)

    def _read_answer(self, response: requests.Response, content: bytes, what: str) -> object:
        code = response.status_code
        body: object = None
        try:
            body = json.loads(content) if content else None
        except ValueError:
            body = None
        detail = _envelope_message(body)
        if code == 429:
            raise RetryableApiError(
                f"{what}: rate-limited by the API (HTTP 429){detail}",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if code >= 500:
            raise RetryableApiError(
                f"{what}: the API failed (HTTP {code}){detail}",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if code >= 400 or code < 200:
            reason = _FATAL_REASONS.get(code, "the API refused the request")
            raise FatalApiError(f"{what}: {reason} (HTTP {code}){detail}")
        if code == 204 or (not content and code in (201, 202)):
            return None
        if not isinstance(body, dict):
            kind = one_line(response.headers.get("Content-Type", "no content type"), 80)
            raise MalformedResponseError(
                f"{what}: the API answered HTTP {code} with a body that is not "
                f"BlazeMeter's JSON envelope ({kind}, {len(content)} bytes)"
            )
        error = body.get("error")
        if error:
            error_code = error.get("code") if isinstance(error, dict) else None
            if error_code in _FATAL_REASONS:
                raise FatalApiError(f"{what}: {_FATAL_REASONS[error_code]}{detail}")
            raise RetryableApiError(f"{what}: the API reported an error{detail}")
        return body.get("result")


def _short(error: BaseException) -> str:
    """A one-line description of a transport error, without the noise of its chain."""
    text = str(error)
    for pattern, plain in _TRANSPORT_PHRASES:
        if pattern in text:
            return plain
    return one_line(text, 200)


_TRANSPORT_PHRASES = (
    ("RemoteDisconnected", "the connection was closed without an answer"),
    ("Connection aborted", "the connection was closed without an answer"),
    ("Connection reset", "the connection was reset"),
    ("Connection refused", "connection refused"),
    ("Name or service not known", "the host name could not be resolved"),
    ("nodename nor servname", "the host name could not be resolved"),
    ("Temporary failure in name resolution", "the host name could not be resolved"),
    ("IncompleteRead", "the answer was cut short"),
    ("ProxyError", "the proxy refused or failed the connection"),
    ("CERTIFICATE_VERIFY_FAILED", "the server's certificate could not be verified"),
)
