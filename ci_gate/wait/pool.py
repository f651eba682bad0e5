"""A small pool of daemon worker threads for the API requests of many masters at once.

`concurrent.futures.ThreadPoolExecutor` joins its workers when the interpreter exits, so a
request still in flight after a cancel (bounded by its own timeout, up to 30 s) would hold
the process up. These workers are daemon threads: on a cancel the main thread writes the
reports, sends the stops and leaves; abandoned requests die with the process.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class WorkerPool:
    """At most `size` calls at once; threads are started as work arrives."""

    def __init__(self, size: int, name: str = "ci-gate-worker") -> None:
        self.size = max(1, size)
        self._name = name
        self._queue: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = (
            queue.SimpleQueue()
        )
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._lock = threading.Lock()

    def submit(self, call: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._idle == 0 and len(self._threads) < self.size:
                thread = threading.Thread(
                    target=self._work, name=f"{self._name}-{len(self._threads) + 1}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
            else:
                self._idle = max(self._idle - 1, 0)
        self._queue.put((future, call))
        return future

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, call = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(call())
                except BaseException as error:  # handed to the main thread, never lost
                    future.set_exception(error)
            with self._lock:
                self._idle += 1

    def close(self) -> None:
        """Let idle workers end; busy ones end after their call (they are daemons)."""
        for _ in self._threads:
            self._queue.put(None)
