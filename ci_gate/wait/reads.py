"""What the end reads and the live reads share: a read that carries its own handlers,
and the reads made once per wait for every master that needs them.

A `Read` is one request about a master for a worker thread (its call returns, it never
touches what the wait gathers), then, in the loop's thread, its own handler for its answer
(`on_result`) or for the API's failure after the retries (`on_error`): nothing looks a
handler up by the read's name, which is only a label.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ci_gate.errors import ApiError, OutOfTimeError

T = TypeVar("T")
R = TypeVar("R")

#: Seconds past the reads' deadline (the deadline and its grace) after which a request
#: still in flight is abandoned: each has a wall-clock cap (bounded_http) that ended it
#: before, so only a bug could keep one, and the gate must still end with its reports.
ABANDON_AFTER = 3.0


@dataclass(frozen=True, eq=False)
class Read(Generic[T, R]):
    """One read: its call (in a worker), then its answer's handler or its failure's (in
    the loop's thread); both give what the read's owner hands on (`R`)."""

    name: str
    call: Callable[[], T]
    on_result: Callable[[T], R]
    on_error: Callable[[ApiError], R]

    def settle(self, future: Future[Any]) -> R:
        """Hand the answer (or the API's failure) to its handler; a bug is raised."""
        try:
            result = future.result()
        except ApiError as error:
            return self.on_error(error)
        return self.on_result(result)


class SharedReads:
    """One read per key per wait, shared by every master that needs it (the list of a
    test's runs, a baseline's aggregate): the first asker makes it, the others wait for
    it, at most `wait_at_most` seconds."""

    def __init__(self) -> None:
        self._slots: dict[tuple[str, str], Future[Any]] = {}
        self._lock = threading.Lock()

    def once(self, key: tuple[str, str], call: Callable[[], T], wait_at_most: float) -> T:
        with self._lock:
            slot = self._slots.get(key)
            mine = slot is None
            if slot is None:
                slot = self._slots[key] = Future()
        if mine:
            try:
                slot.set_result(call())
            except BaseException as error:
                slot.set_exception(error)
        try:
            result: T = slot.result(timeout=max(wait_at_most, 0.0))
        except concurrent.futures.TimeoutError:
            raise OutOfTimeError(
                f"the {key[0]} of {key[1]}, read for another master, did not come back in time"
            ) from None
        return result

    def put(self, key: tuple[str, str], value: Any) -> None:
        """A read already made (the named baseline's record, before the first poll)."""
        slot: Future[Any] = Future()
        slot.set_result(value)
        with self._lock:
            self._slots.setdefault(key, slot)
