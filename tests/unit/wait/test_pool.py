"""The bounded pool: exactly `size` calls at once, never more, however much is queued."""

from __future__ import annotations

import threading

from ci_gate.wait.pool import WorkerPool


def test_the_pool_fills_to_its_size_and_never_beyond() -> None:
    pool = WorkerPool(4)
    release = threading.Event()
    lock = threading.Lock()
    running, peak, started = 0, 0, threading.Semaphore(0)

    def call() -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        started.release()
        release.wait(10)
        with lock:
            running -= 1

    futures = [pool.submit(call) for _ in range(12)]
    for _ in range(4):  # the first four start, each blocks until released
        assert started.acquire(timeout=10)
    assert not started.acquire(timeout=0.2)  # a fifth cannot start while four run
    assert (running, peak, len(pool._threads)) == (4, 4, 4)
    release.set()
    for future in futures:
        future.result(timeout=10)
    assert peak == 4 and running == 0
    pool.close()
