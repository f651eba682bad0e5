"""One HTTP request with a hard wall-clock cap: the one place every client of the gate
(BlazeMeter's transport, the GitHub and GitLab comment client) sends a request through.

A read timeout restarts with every byte, so a server that trickles its status line, its
headers, a chunk-size line or its body a byte at a time would hold a request for ever.
Here each request is armed on a shared watchdog thread with the time it must be done by
(its own budget cut to the caller's deadline); when that passes, the watchdog shuts the
request's socket down, whatever bytes still arrive, and the request fails as
`CapPassed`. Everything a request reads is checked against that cap, and a body that was
cut short by it is never taken for a whole one. The body is read in pieces under a size
cap (decoded bytes count, so a gzip bomb is `TooLarge`, not a `MemoryError`); redirects
are never followed. How a failure is told to the user stays each client's own.

The sockets are found through the connection classes of the adapter `mount_capped` puts
on a session: they tell the request armed in their thread about each socket they open or
reuse. Through a SOCKS proxy (urllib3's own connection classes) only the per-read
timeouts apply. A little over 300 lines on purpose: the cap, the watchdog that keeps it and
the classes that find its sockets are one mechanism, read together.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
import requests.adapters
import urllib3
import urllib3.connection
import urllib3.connectionpool

from ci_gate.text import redact_all

#: Bytes asked of the socket (and of the decoder) at a time while reading a body.
PIECE = 64 * 1024


class CapPassed(Exception):
    """The request's wall-clock cap passed: its connection was shut down. `received` is
    how many bytes of the body had come, or None when none had (a status line cut short
    can look like a whole answer with no headers and no body)."""

    def __init__(self, received: int = 0) -> None:
        super().__init__(f"{received} bytes in time" if received else "no answer in time")
        self.received = received or None


class TooLarge(Exception):
    """The answer's decoded body is larger than the size cap. `status`: the answer's HTTP
    status (an answer came: a start request that gets one may have started a run)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class _Watch:
    """One armed request: what to shut down when its cap passes."""

    def __init__(self, ends: float) -> None:
        self.ends = ends
        self.fired = False
        self.done = False
        self._targets: list[object] = []
        self._lock = threading.Lock()

    def attach(self, target: object) -> None:
        """A socket (or a connection holding one) this request now reads from."""
        with self._lock:
            if self.fired:
                _shut(target)
            elif not self.done:
                self._targets.append(target)

    def fire(self) -> None:
        with self._lock:
            if self.done or self.fired:
                return
            self.fired = True
            for target in self._targets:
                _shut(target)

    def finish(self) -> None:
        """The request is over (whichever way): its sockets are no longer ours to shut."""
        with self._lock:
            self.done = True
            self._targets.clear()


def _shut(target: object) -> None:
    """Shut a socket down for both directions: a read blocked on it returns at once.

    `socket.socket.shutdown` itself, also for a TLS socket (whose own `shutdown` would
    pull its SSL object from under a read in another thread); closing is left to the
    reader, so the descriptor is never reused under it."""
    sock = target if isinstance(target, socket.socket) else getattr(target, "sock", None)
    if isinstance(sock, socket.socket):
        # already closed or never connected: nothing left to cut
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class Watchdog:
    """Fires each armed request's watch when its cap passes, from one daemon thread.

    `fire_due` is the whole of the logic (a heap of caps, fired in order against the
    clock); the thread only sleeps until the next cap or the next arming."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, *, thread: bool = True) -> None:
        self._clock = clock
        self._use_thread = thread
        self._heap: list[tuple[float, int, _Watch]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float) -> _Watch:
        """A watch that fires `seconds` from now (on this watchdog's clock)."""
        ends = self._clock() + seconds
        watch = _Watch(ends)
        with self._wake:
            heapq.heappush(self._heap, (ends, next(self._order), watch))
            if self._use_thread and self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="ci-gate-watchdog", daemon=True
                )
                self._thread.start()
            self._wake.notify()
        return watch

    def fire_due(self) -> float | None:
        """Fire every watch whose cap has passed; the next cap still armed, or None."""
        now = self._clock()
        with self._wake:
            while self._heap:
                ends, _, watch = self._heap[0]
                if watch.done:
                    heapq.heappop(self._heap)
                elif ends <= now:
                    heapq.heappop(self._heap)
                    watch.fire()
                else:
                    return ends
        return None

    def armed(self) -> int:
        """How many watches are still waiting for their cap."""
        with self._wake:
            return sum(1 for _, _, watch in self._heap if not watch.done)

    def _run(self) -> None:
        while True:
            upcoming = self.fire_due()
            with self._wake:
                if upcoming is None and not self._heap:
                    self._wake.wait()
                else:
                    pause = 1.0 if upcoming is None else upcoming - self._clock()
                    self._wake.wait(max(pause, 0.0))


#: The watchdog of the process (its thread starts with the first request).
WATCHDOG = Watchdog()

_current = threading.local()


def _attach(target: object) -> None:
    watch: _Watch | None = getattr(_current, "watch", None)
    if watch is not None:
        watch.attach(target)


class _CappedHTTPConnection(urllib3.connection.HTTPConnection):
    """Tells the request armed in this thread about its socket, new or kept alive."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _attach(sock)  # ours from the connect on (the TLS handshake has its own timeout too)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _attach(self)
        super().request(*args, **kwargs)


class _CappedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _attach(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _attach(self)
        super().request(*args, **kwargs)


class _CappedHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _CappedHTTPConnection


class _CappedHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _CappedHTTPSConnection


_POOLS = {"http": _CappedHTTPPool, "https": _CappedHTTPSPool}


class CappedAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter, whose connections (direct or through an HTTP proxy) the
    watchdog can shut down."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager


def mount_capped(session: requests.Session, pool_size: int = 10) -> requests.Session:
    """Let `bounded_request` cap this session's requests (`pool_size` connections kept
    alive per host: one per worker thread)."""
    adapter = CappedAdapter(pool_connections=1, pool_maxsize=pool_size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


@dataclass(frozen=True)
class Reply:
    """An answer read whole within its caps (the response is closed: headers and status)."""

    response: requests.Response
    content: bytes


def bounded_request(
    session: requests.Session,
    method: str,
    url: str,
    *,
    ends: float,
    connect_timeout: float,
    max_bytes: int,
    on_bytes: Callable[[int], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    watchdog: Watchdog = WATCHDOG,
    **send: Any,
) -> Reply:
    """Send one request and read its whole answer by `ends` (on `clock`), or fail.

    Raises `CapPassed` when `ends` passes first (also when no time is left to begin),
    `TooLarge` over `max_bytes`, and requests' or urllib3's own exceptions (and `OSError`)
    for every other failure, for the caller to tell in its own words. `send` takes
    requests' `params`, `json`, `verify`; redirects are never followed."""
    if send.get("json") is not None:  # a body leaves the process: no secret in it
        send["json"] = redact_all(send["json"])
    left = ends - clock()
    if left <= 0:
        raise CapPassed()
    watch = watchdog.arm(left)
    _current.watch = watch
    received: list[int] = []  # the body's size so far, once the headers are in

    def count(size: int) -> None:
        received[0] += size
        if on_bytes is not None:
            on_bytes(size)

    try:
        response = session.request(
            method,
            url,
            timeout=(min(connect_timeout, left), left),
            allow_redirects=False,
            stream=True,
            **send,
        )
        received.append(0)
        try:
            content = _read_body(response, ends, max_bytes, count, clock, watch)
        finally:
            response.close()
    except (CapPassed, TooLarge):
        raise
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError):
        if watch.fired:  # whatever broke, it broke because the cap passed
            raise CapPassed(received[0] if received else 0) from None
        raise
    finally:
        _current.watch = None
        watch.finish()
    if watch.fired:  # an answer the watchdog cut short may look whole: it is not
        raise CapPassed(len(content))
    return Reply(response, content)


def _read_body(
    response: requests.Response,
    ends: float,
    max_bytes: int,
    count: Callable[[int], None],
    clock: Callable[[], float],
    watch: _Watch,
) -> bytes:
    """The decoded body, read in pieces so the cap and the size limit are kept."""
    parts: list[bytes] = []
    size = 0
    raw = response.raw
    while True:
        if watch.fired or clock() >= ends:
            raise CapPassed(size)
        piece = raw.read1(PIECE, decode_content=True)
        if not piece:
            return b"".join(parts)
        size += len(piece)
        count(len(piece))
        if size > max_bytes:
            raise TooLarge(f"larger than {max_bytes} bytes", response.status_code)
        parts.append(piece)
