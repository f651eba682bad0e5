"""A bounded JSON request to a CI platform's API (GitHub, GitLab), with the BlazeMeter
transport's rules: timeouts cut to a deadline, no redirects, a size cap, and one line for
every way it fails (the token never in it)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from ci_gate import __version__
from ci_gate.text import one_line

#: The largest answer read from a CI platform's API.
MAX_ANSWER_BYTES = 8 * 1024 * 1024
_PIECE = 64 * 1024


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
        self._session = requests.Session()
        self._session.headers.update(headers)
        self._session.headers["User-Agent"] = f"ci-gate/{__version__}"
        self._deadline = deadline
        self._clock = clock
        self._verify = verify

    def close(self) -> None:
        self._session.close()

    def request(self, method: str, url: str, body: object | None = None) -> Answer:
        left = self._deadline - self._clock()
        if left <= 0:
            raise PlatformError("no time left for the request")
        try:
            response = self._session.request(
                method,
                url,
                json=body,
                timeout=(min(left, 5.0), left),
                allow_redirects=False,
                stream=True,
                verify=self._verify,
            )
            try:
                content = self._read(response)
            finally:
                response.close()
        except requests.exceptions.Timeout:
            raise PlatformError("the API did not answer in time") from None
        except (requests.exceptions.RequestException, OSError) as error:
            raise PlatformError(f"request failed: {one_line(type(error).__name__)}") from None
        code = response.status_code
        if 300 <= code < 400:
            raise PlatformError(f"the API answered with a redirect (HTTP {code})", code)
        try:
            parsed = json.loads(content) if content else None
        except ValueError:
            parsed = None
        if code >= 400:
            message = parsed.get("message") if isinstance(parsed, dict) else None
            detail = f" ({one_line(message, 200)})" if isinstance(message, str) else ""
            raise PlatformError(f"HTTP {code}{detail}", code)
        return Answer(code, parsed, {k.lower(): v for k, v in response.headers.items()})

    def _read(self, response: requests.Response) -> bytes:
        parts: list[bytes] = []
        size = 0
        while True:
            if self._clock() >= self._deadline:
                raise PlatformError("the answer did not arrive in time")
            piece = response.raw.read1(_PIECE, decode_content=True)
            if not piece:
                return b"".join(parts)
            size += len(piece)
            if size > MAX_ANSWER_BYTES:
                raise PlatformError("the answer is too large")
            parts.append(piece)
