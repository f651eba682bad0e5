"""A loopback server that trickles an answer a byte at a time, in front of a real one.

Requests that match a rule are answered with a trickle that never ends: the status line,
the headers, a chunked answer's chunk-size line, or the body, one byte every `every`
seconds (so no read timeout ever fires: each byte restarts it). Every other request is
passed to the upstream server (the simulator, a fake GitHub) and its answer relayed whole,
one request per connection.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

#: What is sent at once, and the byte then repeated for ever, for each place of a trickle.
TRICKLES: dict[str, tuple[bytes, bytes]] = {
    # the status line never ends
    "status line": (b"HTTP/1.1 200 O", b"K"),
    # the headers never end
    "headers": (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: ", b"a"),
    # a chunked answer whose first chunk-size line never ends
    "chunk size": (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"0",
    ),
    # a body that never ends (JSON whitespace, within its Content-Length)
    "body": (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{",
        b" ",
    ),
}


@dataclass
class Rule:
    """Trickle `place` to requests of `method` whose path matches `path`, from the match
    after the first `skip` ones (those are passed on)."""

    method: str
    path: str
    place: str
    skip: int = 0
    seen: int = 0


@dataclass
class Trickler:
    url: str
    upstream: str
    rules: list[Rule]
    every: float = 0.5
    #: (method, path) of every request, in order
    requests: list[tuple[str, str]] = field(default_factory=list)
    trickled: int = 0
    #: when the first request arrived (`time.time()`): the client is up and running
    first_at: float | None = None
    closing: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def base(self, path: str = "") -> str:
        """This server's URL with the upstream URL's path (e.g. `/api/v4`) and `path`."""
        return self.url + urlsplit(self.upstream).path.rstrip("/") + path


def _read_request(conn: socket.socket) -> tuple[str, str, dict[str, str], bytes] | None:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return None
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), "0"))
    while len(body) < length:
        piece = conn.recv(65536)
        if not piece:
            return None
        body += piece
    return method, target, headers, body


def _relay(
    trickler: Trickler, method: str, target: str, headers: dict[str, str], body: bytes
) -> bytes:
    parts = urlsplit(trickler.upstream)
    upstream = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        sent = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection")}
        upstream.request(method, target, body=body or None, headers=sent)
        answer = upstream.getresponse()
        content = answer.read()
        lines = [f"HTTP/1.1 {answer.status} {answer.reason}"]
        for name, value in answer.getheaders():
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                lines.append(f"{name}: {value}")
        lines += [f"Content-Length: {len(content)}", "Connection: close"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + content
    finally:
        upstream.close()


def _trickle(trickler: Trickler, conn: socket.socket, place: str) -> None:
    prefix, byte = TRICKLES[place]
    conn.sendall(prefix)
    while not trickler.closing.wait(trickler.every):
        conn.sendall(byte)


def _serve(trickler: Trickler, conn: socket.socket) -> None:
    with conn:
        try:
            request = _read_request(conn)
            if request is None:
                return
            method, target, headers, body = request
            path = target.split("?", 1)[0]
            with trickler.lock:
                if trickler.first_at is None:
                    trickler.first_at = time.time()
                trickler.requests.append((method, target))
                place = None
                for rule in trickler.rules:
                    if rule.method == method and re.fullmatch(rule.path, path):
                        rule.seen += 1
                        if rule.seen > rule.skip:
                            place = rule.place
                            trickler.trickled += 1
                        break
            if place is None:
                conn.sendall(_relay(trickler, method, target, headers, body))
            else:
                _trickle(trickler, conn, place)
        except OSError:
            return  # the client gave up (its cap): what this server is for


@contextmanager
def trickler(upstream: str, *rules: Rule, every: float = 0.5) -> Iterator[Trickler]:
    """A trickling server on a free loopback port in front of `upstream` (a base URL)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    parts = urlsplit(upstream)
    server = Trickler(
        f"http://127.0.0.1:{listener.getsockname()[1]}",
        f"{parts.scheme}://{parts.netloc}{parts.path}",
        list(rules),
        every,
    )

    def accept() -> None:
        while not server.closing.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            threading.Thread(target=_serve, args=(server, conn), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.closing.set()
        thread.join(timeout=5)
        listener.close()
