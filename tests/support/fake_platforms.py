"""Small fake GitHub and GitLab APIs for the comment tests: real HTTP on loopback.

They check the token, keep comments (notes) in memory, paginate 30 to a page (GitHub with
a Link header, GitLab with X-Next-Page) and can be told to answer an error or slowly.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PAGE = 30


@dataclass
class FakePlatform:
    kind: str  # github | gitlab
    token: str
    #: thread number -> comments ({"id", "body", "user"}) in order
    threads: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    #: answer every write (POST/PATCH/PUT) with this HTTP status instead
    fail_writes: int | None = None
    delay: float = 0.0
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, auth
    next_id: int = 1000
    url: str = ""

    def add(self, thread: int, body: str, user: str = "someone-else") -> int:
        self.next_id += 1
        self.threads.setdefault(thread, []).append({"id": self.next_id, "body": body, "user": user})
        return self.next_id

    def comments(self, thread: int) -> list[dict[str, Any]]:
        return self.threads.get(thread, [])


def _handler(platform: FakePlatform) -> type[BaseHTTPRequestHandler]:
    github = platform.kind == "github"
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def _auth_ok(self) -> bool:
            if github:
                return self.headers.get("Authorization") == f"Bearer {platform.token}"
            return self.headers.get("PRIVATE-TOKEN") == platform.token

        def _send(self, code: int, body: object, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _handle(self, method: str) -> None:
            auth = self.headers.get("Authorization") or self.headers.get("PRIVATE-TOKEN") or ""
            platform.requests.append((method, self.path, auth))
            if platform.delay:
                time.sleep(platform.delay)
            if not self._auth_ok():
                self._send(401, {"message": "Bad credentials"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length)) if length else {}
            if method != "GET" and platform.fail_writes:
                self._send(platform.fail_writes, {"message": "Resource not accessible"})
                return
            path, _, query = self.path.partition("?")
            page = int(dict(re.findall(r"(\w+)=(\w+)", query)).get("page", "1"))
            with lock:
                self._route(method, path, page, payload)

        def _route(self, method: str, path: str, page: int, payload: dict[str, Any]) -> None:
            if github:
                listing = re.fullmatch(r"/repos/[^/]+/[^/]+/issues/(\d+)/comments", path)
                one = re.fullmatch(r"/repos/[^/]+/[^/]+/issues/comments/(\d+)", path)
            else:
                listing = re.fullmatch(r"/api/v4/projects/\d+/merge_requests/(\d+)/notes", path)
                one = re.fullmatch(r"/api/v4/projects/\d+/merge_requests/\d+/notes/(\d+)", path)
            if listing and method == "GET":
                items = platform.comments(int(listing.group(1)))
                chunk = items[(page - 1) * PAGE : page * PAGE]
                headers = {}
                if page * PAGE < len(items):
                    if github:
                        headers["Link"] = f'<{platform.url}{path}?page={page + 1}>; rel="next"'
                    else:
                        headers["X-Next-Page"] = str(page + 1)
                self._send(200, chunk, headers)
            elif listing and method == "POST":
                number = int(listing.group(1))
                new = platform.add(number, payload["body"], user="ci-gate-bot")
                self._send(
                    201, {"id": new, "body": payload["body"], "html_url": f"{platform.url}/c/{new}"}
                )
            elif one and method in ("PATCH", "PUT"):
                wanted = int(one.group(1))
                for items in platform.threads.values():
                    for item in items:
                        if item["id"] == wanted:
                            item["body"] = payload["body"]
                            self._send(
                                200,
                                {
                                    "id": wanted,
                                    "body": item["body"],
                                    "html_url": f"{platform.url}/c/{wanted}",
                                },
                            )
                            return
                self._send(404, {"message": "Not Found"})
            else:
                self._send(404, {"message": "Not Found"})

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PATCH(self) -> None:
            self._handle("PATCH")

        def do_PUT(self) -> None:
            self._handle("PUT")

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (the gate's time budget) is no error of the fake's: print
        nothing (a traceback on stderr would land in another test's captured output)."""


@contextmanager
def fake_platform(kind: str, token: str) -> Iterator[FakePlatform]:
    """A fake GitHub (`kind="github"`) or GitLab API on a free loopback port."""
    platform = FakePlatform(kind, token)
    server = _QuietServer(("127.0.0.1", 0), _handler(platform))
    platform.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield platform
    finally:
        server.shutdown()
        server.server_close()
