"""A bounded JSON request to a CI platform's API (GitHub, GitLab): sent through
`bounded_http.bounded_request`, as BlazeMeter's are (a wall-clock cap cut to the deadline,
no redirects, a size cap), and told as one line for every way it fails (the token never
in it)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
import urllib3

from ci_gate import __version__
from ci_gate.bounded_http import CapPassed, TooLarge, bounded_request, mount_capped
from ci_gate.safe_numbers import json_int
from ci_gate.text import one_line

#: The largest answer read from a CI platform's API.
MAX_ANSWER_BYTES = 8 * 1024 * 1024
#: Seconds to connect at most (within the time left).
CONNECT_TIMEOUT = 5.0


class PlatformError(Exception):
    """A request to the CI platform failed; the message is one safe line."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Answer:
    status: int
    body: object
    headers: dict[str, str]


class PlatformClient:
    """JSON over HTTPS to one API base, every request bounded by one deadline."""

    def __init__(
        self,
        headers: dict[str, str],
        deadline: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        verify: str | bool = True,
    ) -> None:
        self._session = mount_capped(requests.Session(), 2)
        self._session.headers.update(headers)
        self._session.headers["User-Agent"] = f"ci-gate/{__version__}"
        self._deadline = deadline
        self._clock = clock
        self._verify = verify

    def close(self) -> None:
        self._session.close()

    def request(self, method: str, url: str, body: object | None = None) -> Answer:
        if self._deadline - self._clock() <= 0:
            raise PlatformError("no time left for the request")
        try:
            reply = bounded_request(
                self._session,
                method,
                url,
                ends=self._deadline,
                connect_timeout=CONNECT_TIMEOUT,
                max_bytes=MAX_ANSWER_BYTES,
                clock=self._clock,
                json=body,
                verify=self._verify,
            )
        except CapPassed as cut:
            if cut.received is None:
                raise PlatformError("the API did not answer in time") from None
            raise PlatformError("the answer did not arrive in time") from None
        except TooLarge:
            raise PlatformError("the answer is too large") from None
        except requests.exceptions.Timeout:
            raise PlatformError("the API did not answer in time") from None
        except (
            requests.exceptions.RequestException,
            urllib3.exceptions.HTTPError,
            OSError,
        ) as error:
            raise PlatformError(f"request failed: {one_line(type(error).__name__)}") from None
        response, content = reply.response, reply.content
        code = response.status_code
        if 300 <= code < 400:
            raise PlatformError(f"the API answered with a redirect (HTTP {code})", code)
        try:
            parsed = json.loads(content, parse_int=json_int) if content else None
        except ValueError:
            parsed = None
        if code >= 400:
            message = parsed.get("message") if isinstance(parsed, dict) else None
            detail = f" ({one_line(message, 200)})" if isinstance(message, str) else ""
            raise PlatformError(f"HTTP {code}{detail}", code)
        return Answer(code, parsed, {k.lower(): v for k, v in response.headers.items()})
