"""The wall-clock cap of every request (issue 29 item 2): the watchdog's logic with an
injected clock (and a property test that attacks it), then the real thing over loopback
sockets against a server that trickles each part of an answer."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate.bounded_http import (
    CapPassed,
    TooLarge,
    Watchdog,
    bounded_request,
    mount_capped,
)
from tests.support.trickle import Rule, trickler


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_watch_fires_when_its_cap_passes_and_not_before() -> None:
    clock = FakeClock()
    dog = Watchdog(clock, thread=False)
    first, second = dog.arm(2.0), dog.arm(5.0)
    assert dog.fire_due() == 102.0
    clock.now = 101.999
    assert dog.fire_due() == 102.0 and not first.fired
    clock.now = 102.0
    assert dog.fire_due() == 105.0
    assert first.fired and not second.fired
    second.finish()  # the request ended in time
    clock.now = 200.0
    assert dog.fire_due() is None
    assert not second.fired
    assert dog.armed() == 0


def test_firing_shuts_the_sockets_down_also_one_attached_later() -> None:
    clock = FakeClock()
    dog = Watchdog(clock, thread=False)
    watch = dog.arm(1.0)
    ours, theirs = socket.socketpair()
    late, late_peer = socket.socketpair()
    with ours, theirs, late, late_peer:
        watch.attach(ours)
        clock.now += 1
        dog.fire_due()
        assert ours.recv(10) == b""  # shut down: a blocked read returns at once
        watch.attach(late)  # a socket opened after the cap is cut at once
        assert late.recv(10) == b""


def test_a_finished_watch_leaves_its_sockets_alone() -> None:
    clock = FakeClock()
    dog = Watchdog(clock, thread=False)
    watch = dog.arm(1.0)
    ours, theirs = socket.socketpair()
    with ours, theirs:
        watch.attach(ours)
        watch.finish()  # kept alive for the next request: not ours to cut any more
        clock.now += 5
        dog.fire_due()
        theirs.sendall(b"still here")
        assert ours.recv(10) == b"still here"


_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("arm"), st.floats(0, 10, allow_nan=False)),
        st.tuples(st.just("finish"), st.integers(0, 30)),
        st.tuples(st.just("tick"), st.floats(0, 4, allow_nan=False)),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(_OPS)
def test_every_watch_fires_once_its_cap_passed_unless_its_request_was_done(
    ops: list[tuple[str, Any]],
) -> None:
    """Against a plain model: a watch fires at the first check at or after its cap, unless
    its request finished before; the next cap reported is the earliest still armed."""
    clock = FakeClock()
    dog = Watchdog(clock, thread=False)
    watches: list[Any] = []
    model: list[dict[str, Any]] = []
    for op, value in ops:
        if op == "arm":
            watches.append(dog.arm(value))
            model.append({"ends": clock.now + value, "done": False, "fired": False})
        elif op == "finish" and watches:
            index = value % len(watches)
            watches[index].finish()
            model[index]["done"] = True
        elif op == "tick":
            clock.now += value
            upcoming = dog.fire_due()
            for item in model:
                if not item["done"] and not item["fired"] and item["ends"] <= clock.now:
                    item["fired"] = True
            armed = [i["ends"] for i in model if not i["done"] and not i["fired"]]
            assert upcoming == (min(armed) if armed else None)
        assert [w.fired for w in watches] == [i["fired"] for i in model]


# -- the real thing: loopback sockets ---------------------------------------------------------


class _Json(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        data = json.dumps({"ok": True, "pad": "x" * 100}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def _upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Json)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _get(url: str, cap: float, max_bytes: int = 1 << 20) -> tuple[bytes, float]:
    session = mount_capped(requests.Session())
    started = time.monotonic()
    try:
        reply = bounded_request(
            session, "GET", url, ends=started + cap, connect_timeout=5, max_bytes=max_bytes
        )
        return reply.content, time.monotonic() - started
    finally:
        session.close()


@pytest.mark.slow
@pytest.mark.parametrize("place", ["status line", "headers", "chunk size", "body"])
def test_a_trickled_answer_is_cut_at_the_cap(place: str) -> None:
    with _upstream() as url, trickler(url, Rule("GET", "/slow", place), every=0.05) as slow:
        started = time.monotonic()
        with pytest.raises(CapPassed) as cut:
            _get(slow.base("/slow"), cap=0.4)
        took = time.monotonic() - started
        # the read timeout (0.4 s) restarts with every byte (each 0.05 s): only the cap ends it
        # (the trickle never ends: uncut, this never returns); 2 s: the watchdog's thread and
        # the cut's unwinding, with the trickler's threads, on a loaded 2-core machine
        assert 0.4 <= took < 0.4 + 2, took
        assert (cut.value.received is None) is (place != "body")
        # the same session's next request is whole again
        content, _ = _get(slow.base("/fine"), cap=5)
        assert json.loads(content)["ok"] is True


@pytest.mark.slow
def test_a_whole_answer_within_the_cap_arrives_and_leaves_nothing_armed() -> None:
    dog_before = threading.active_count()
    with _upstream() as url:
        for _ in range(3):
            content, took = _get(url + "/x", cap=5)
            assert json.loads(content)["ok"] is True and took < 5
    assert threading.active_count() <= dog_before + 1  # at most the watchdog's own thread


def test_no_time_left_sends_nothing() -> None:
    session = mount_capped(requests.Session())
    with pytest.raises(CapPassed) as cut:
        # a port nothing listens on: nothing is even tried
        bounded_request(
            session,
            "GET",
            "http://127.0.0.1:9/",
            ends=time.monotonic() - 1,
            connect_timeout=5,
            max_bytes=10,
        )
    assert cut.value.received is None


@pytest.mark.slow
def test_an_answer_over_the_size_cap_is_too_large() -> None:
    with _upstream() as url, pytest.raises(TooLarge):
        _get(url + "/x", cap=5, max_bytes=50)
