"""What the tries of one start request may have done, for a cancel to tell (a start is
not idempotent: "no run was started" must be true when it is said)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from ci_gate.errors import FatalApiError, StartMayHaveHappenedError


class StartAttempts:
    """What the tries of one start request may have done, for a cancel to tell.

    A start is retried only while no try can have reached BlazeMeter. A signal that comes
    between tries (or before the first) when none reached it means no run was started,
    and `cancel` makes sure no later try is sent; one that comes while a try is out cannot
    know (a run may have started)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._out = False
        self._reached = False
        self._cancelled = False

    def attempt(self, try_once: Callable[[], str], what: str) -> str:
        """One try of the start of `what`, recorded; none once cancelled."""
        if not self.begin():
            raise FatalApiError(f"{what}: cancelled before the start request was sent")
        reached = False
        try:
            master_id = try_once()
            reached = True
            return master_id
        except StartMayHaveHappenedError:
            reached = True
            raise
        finally:
            self.end(reached)

    def begin(self) -> bool:
        """A try may go out (False once cancelled)."""
        with self._lock:
            if self._cancelled:
                return False
            self._out = True
            return True

    def end(self, reached: bool) -> None:
        with self._lock:
            self._out = False
            self._reached = self._reached or reached

    def cancel(self) -> bool:
        """No more tries; True when none can have reached BlazeMeter (no run was started)."""
        with self._lock:
            self._cancelled = True
            return not self._out and not self._reached
