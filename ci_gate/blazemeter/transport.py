"""One request to the API and its answer: the session, TLS, BlazeMeter's envelope, and
every way a request can fail mapped to the error tree.

Each request goes through `bounded_http.bounded_request`: a hard wall-clock cap (its
time budget, `CI_GATE_HTTP_TIMEOUT`, cut to the caller's deadline) kept by a watchdog that
shuts the connection down whatever bytes still arrive, a size cap on the decoded body,
no redirects. Here every failure is mapped: retryable (network trouble, the cap, 429,
5xx), not sent (safe to retry even a start), or fatal. A little over 300 lines on purpose:
the one place where every way a request can fail is mapped, side by side.
"""

from __future__ import annotations

import email.utils
import json
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import requests
import urllib3

from ci_gate import __version__
from ci_gate.bounded_http import CapPassed, TooLarge, bounded_request, mount_capped
from ci_gate.config.credentials import Credentials
from ci_gate.config.settings import HttpSettings
from ci_gate.domain.run import Traffic
from ci_gate.errors import (
    ApiError,
    FatalApiError,
    MalformedResponseError,
    NotFoundError,
    NotSentError,
    OutOfTimeError,
    RateLimitedError,
    RetryableApiError,
    UnresolvedHostError,
)
from ci_gate.safe_numbers import json_int
from ci_gate.text import one_line

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


_FATAL_REASONS = {
    400: "the API rejected the request",
    401: "credentials rejected",
    402: "the account's plan does not allow this",
    403: "access denied to this master",
    404: "master not found",
    409: "the request conflicts with the master's state",
}


def _kind(what: str) -> str:
    """'master' of 'master 123', 'test' of 'test 7'."""
    return what.rsplit(" ", 1)[0] if " " in what else what


def _fatal_reason(code: object, what: str) -> str | None:
    if code == 404:
        return f"{_kind(what)} not found"
    return _FATAL_REASONS.get(code) if isinstance(code, int) else None


def _envelope_message(body: object) -> str:
    """The server's own words from an error body, in any of its historical shapes.

    API v4: `{"error": {"code": 404, "message": "..."}}`; API v2 and older answers:
    `{"response_code": 500, "error": "Test already running..."}` or a bare `message`.
    """
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    text: object = None
    if isinstance(error, dict):
        text = error.get("message") or error.get("Message")
    elif isinstance(error, str):
        text = error
    if not isinstance(text, str) or not text.strip():
        text = body.get("message")
    if isinstance(text, str) and text.strip():
        return one_line(text.strip(), 200)
    return ""


def _http(code: object, detail: str) -> str:
    """`(HTTP 429: Too Many Requests)`: the code and the server's words in one bracket."""
    return f"(HTTP {code}: {detail})" if detail else f"(HTTP {code})"


def _envelope_error_code(body: dict[str, object]) -> object:
    error = body.get("error")
    if isinstance(error, dict):
        return error.get("code")
    return body.get("response_code")


class Transport:
    """A `requests.Session` that speaks BlazeMeter's envelope and counts its traffic."""

    def __init__(
        self,
        api_url: str,
        credentials: Credentials,
        *,
        http: HttpSettings | None = None,
        ca_bundle: str | None = None,
        session: requests.Session | None = None,
        pool_size: int = 16,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.http = http or HttpSettings()
        self._clock = clock  # the deadlines' clock: a request's cap is cut on it
        self._traffic = Traffic()
        self._traffic_lock = threading.Lock()
        # one connection per worker thread, kept alive between polls (stop requests from
        # the main thread get a spare one), each request capped by the watchdog
        self._session = mount_capped(session or requests.Session(), pool_size + 1)
        self._session.auth = (credentials.key_id, credentials.key_secret)
        self._session.headers["User-Agent"] = f"ci-gate/{__version__}"
        self._session.headers["Accept"] = "application/json"
        self._verify: str | bool = ca_bundle or True

    def close(self) -> None:
        self._session.close()

    def traffic(self) -> Traffic:
        """What this client has sent and received so far."""
        return self._traffic

    def count(self, *, requests: int = 0, received: int = 0, retries: int = 0) -> None:
        with self._traffic_lock:  # worker threads count at once
            old = self._traffic
            self._traffic = Traffic(
                old.requests + requests, old.bytes_received + received, old.retries + retries
            )

    def request(
        self,
        method: str,
        path: str,
        what: str,
        params: dict[str, str] | list[tuple[str, str]] | None,
        deadline: float | None,
        body: dict[str, object] | None = None,
        decode: Callable[[bytes], object | None] | None = None,
    ) -> object:
        """One request and its answer, bounded by its own time budget and the deadline.

        `decode` reads a 2xx body in its usual shape straight to its `result` (None: not
        that shape, so it is read as any answer is)."""
        url = f"{self.api_url}/{path}"
        started = self._clock()
        # this request's own deadline: its time budget, cut to the caller's deadline
        ends = started + self.http.read_timeout
        if deadline is not None:
            ends = min(ends, deadline)
        left = ends - started
        if left <= 0:
            raise OutOfTimeError(f"{what}: no time left before the deadline for another request")
        self.count(requests=1)
        try:
            reply = bounded_request(
                self._session,
                method,
                url,
                ends=ends,
                connect_timeout=self.http.connect_timeout,
                max_bytes=self.http.max_answer_bytes,
                on_bytes=lambda size: self.count(received=size),
                clock=self._clock,
                params=params,
                json=body,
                verify=self._verify,
            )
        except CapPassed as cut:
            raise RetryableApiError(
                f"{what}: the API did not answer in time"
                if cut.received is None
                else f"{what}: the answer did not arrive in time ({cut.received} bytes so far)"
            ) from None
        except TooLarge as large:
            error = FatalApiError(
                f"{what}: the answer is larger than "
                f"{self.http.max_answer_bytes // (1024 * 1024)} MiB (CI_GATE_MAX_ANSWER_MB)"
            )
            error.answered = large.status  # an answer came: a start may have started a run
            raise error from None
        except requests.exceptions.SSLError as error:
            raise FatalApiError(f"{what}: TLS verification failed: {_short(error)}") from None
        except requests.exceptions.ConnectTimeout:
            raise NotSentError(f"{what}: could not connect to the API in time") from None
        except (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError):
            raise RetryableApiError(f"{what}: the API did not answer in time") from None
        except requests.exceptions.ConnectionError as error:
            if _unresolved(error):
                host = one_line(urlsplit(self.api_url).hostname or "the API host", 200)
                raise UnresolvedHostError(
                    f"{what}: cannot resolve {host}: check --api-url"
                ) from None
            if _never_connected(error):
                raise NotSentError(f"{what}: could not reach the API: {_short(error)}") from None
            raise RetryableApiError(f"{what}: could not reach the API: {_short(error)}") from None
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as error:
            raise RetryableApiError(f"{what}: request failed: {_short(error)}") from None
        except OSError as error:
            raise RetryableApiError(f"{what}: the connection failed: {_short(error)}") from None
        try:
            if decode is not None and 200 <= reply.response.status_code < 300 and reply.content:
                result = decode(reply.content)
                if result is not None:
                    return result
            return self._read_answer(reply.response, reply.content, what)
        except ApiError as error:
            error.answered = reply.response.status_code
            raise

    def _hint(self, code: object, what: str) -> str:
        """What to check when the API says 'not found': the id, or the URL it was sent to."""
        if code != 404:
            return ""
        if not urlsplit(self.api_url).path.rstrip("/").endswith("/api/v4"):
            return f"; check --api-url: {self.api_url} does not end in /api/v4"
        return f"; check the {_kind(what)} id and --api-url"

    def _read_answer(self, response: requests.Response, content: bytes, what: str) -> object:
        code = response.status_code
        body: object = None
        try:
            body = json.loads(content, parse_int=json_int) if content else None
        except (ValueError, RecursionError):
            body = None
        detail = _envelope_message(body)
        if 300 <= code < 400:
            target = urlsplit(response.headers.get("Location", "")).hostname or "an unnamed host"
            raise FatalApiError(
                f"{what}: the API answered with a redirect (HTTP {code}) to "
                f"{one_line(target, 100)}; redirects are not followed (check --api-url)"
            )
        if code == 429:
            raise RateLimitedError(
                f"{what}: rate-limited by the API {_http(429, detail)}",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if code >= 500:
            raise RetryableApiError(
                f"{what}: the API failed {_http(code, detail)}",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if code >= 400 or code < 200:
            reason = _fatal_reason(code, what) or "the API refused the request"
            error = NotFoundError if code == 404 else FatalApiError
            raise error(f"{what}: {reason} {_http(code, detail)}{self._hint(code, what)}")
        if code == 204 or (not content and code in (201, 202)):
            return None
        if not isinstance(body, dict):
            kind = one_line(response.headers.get("Content-Type", "no content type"), 80)
            raise MalformedResponseError(
                f"{what}: the API answered HTTP {code} with a body that is not "
                f"BlazeMeter's JSON envelope ({kind}, {len(content)} bytes)"
            )
        detail = f" ({detail})" if detail else ""
        if body.get("error"):
            error_code = _envelope_error_code(body)
            fatal = _fatal_reason(error_code, what)
            if fatal:
                error = NotFoundError if error_code == 404 else FatalApiError
                raise error(f"{what}: {fatal}{detail}{self._hint(error_code, what)}")
            raise RetryableApiError(f"{what}: the API reported an error{detail}")
        return body.get("result")


_RESOLUTION_FAILURES = (
    "NameResolutionError",
    "Name or service not known",
    "nodename nor servname",
    "Temporary failure in name resolution",
    "No address associated with hostname",
    "getaddrinfo failed",
)


def _unresolved(error: requests.exceptions.ConnectionError) -> bool:
    """Whether the connection failed because the host name did not resolve."""
    text = f"{error!r} {error}"
    return any(phrase in text for phrase in _RESOLUTION_FAILURES)


def _never_connected(error: requests.exceptions.ConnectionError) -> bool:
    """Whether the connection was never made (so the request cannot have been sent)."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError) or isinstance(
        error.args[0] if error.args else None, urllib3.exceptions.NewConnectionError
    )


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
