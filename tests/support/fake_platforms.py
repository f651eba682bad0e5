"""Small fake GitHub and GitLab APIs for the comment tests: real HTTP on loopback.

They check the token, keep comments (notes) in memory with their authors, paginate 30 to a
page (GitHub with a Link header, GitLab with X-Next-Page) and can be told to answer an
error or slowly. As the real ones: `GET /user` names the token's identity (an Actions
token cannot read it: 403 "Resource not accessible by integration", and it posts as
`github-actions[bot]`); GitHub lets a token with write access edit anyone's comment,
GitLab refuses to edit another's note (403). With `tls`, the same port also speaks TLS
(the first byte decides), so a test can see a request that went out in clear.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
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
    #: "https" or "http" for each request, in the order of `requests`
    schemes: list[str] = field(default_factory=list)
    next_id: int = 1000
    url: str = ""
    #: who the token posts as (`GET /user`)
    login: str = "ci-gate-bot"
    #: GitHub Actions' own token: `GET /user` is refused, it posts as github-actions[bot]
    actions_token: bool = False
    #: answer `GET /user` with this HTTP status instead
    fail_user: int | None = None
    #: answer the comment list with these bytes (status 200) instead
    raw_list: bytes | None = None
    #: the base of the Link header's next page (default: `url`)
    next_base: str | None = None

    @property
    def poster(self) -> str:
        return "github-actions[bot]" if self.actions_token else self.login

    def add(self, thread: int, body: str, user: str = "someone-else") -> int:
        self.next_id += 1
        self.threads.setdefault(thread, []).append({"id": self.next_id, "body": body, "user": user})
        return self.next_id

    def shown(self, item: dict[str, Any]) -> dict[str, Any]:
        """A stored comment as the platform's API shows it (with its author)."""
        user = item["user"]
        if self.kind == "github":
            kind = "Bot" if user.endswith("[bot]") else "User"
            return {
                "id": item["id"],
                "body": item["body"],
                "user": {"login": user, "id": _user_id(user), "type": kind},
                "html_url": f"{self.url}/c/{item['id']}",
            }
        return {
            "id": item["id"],
            "body": item["body"],
            "author": {"id": _user_id(user), "username": user},
        }

    def comments(self, thread: int) -> list[dict[str, Any]]:
        return self.threads.get(thread, [])


def _user_id(login: str) -> int:
    """A stable numeric id per login (as the platforms give)."""
    return 1 + sum(ord(char) * (31 + place) for place, char in enumerate(login)) % 999_983


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
            platform.schemes.append(
                "https" if isinstance(self.connection, ssl.SSLSocket) else "http"
            )
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
            if method == "GET" and path == ("/user" if github else "/api/v4/user"):
                self._user()
            elif listing and method == "GET" and platform.raw_list is not None:
                self._send_raw(200, platform.raw_list)
            elif listing and method == "GET":
                items = platform.comments(int(listing.group(1)))
                chunk = [platform.shown(item) for item in items[(page - 1) * PAGE : page * PAGE]]
                headers = {}
                if page * PAGE < len(items):
                    if github:
                        base = platform.next_base or platform.url
                        headers["Link"] = f'<{base}{path}?page={page + 1}>; rel="next"'
                    else:
                        headers["X-Next-Page"] = str(page + 1)
                self._send(200, chunk, headers)
            elif listing and method == "POST":
                number = int(listing.group(1))
                platform.add(number, payload["body"], user=platform.poster)
                self._send(201, platform.shown(platform.comments(number)[-1]))
            elif one and method in ("PATCH", "PUT"):
                wanted = int(one.group(1))
                for items in platform.threads.values():
                    for item in items:
                        if item["id"] == wanted:
                            if not github and item["user"] != platform.poster:
                                self._send(403, {"message": "403 Forbidden"})
                                return
                            item["body"] = payload["body"]
                            self._send(200, platform.shown(item))
                            return
                self._send(404, {"message": "Not Found"})
            else:
                self._send(404, {"message": "Not Found"})

        def _user(self) -> None:
            if platform.actions_token:
                self._send(403, {"message": "Resource not accessible by integration"})
            elif platform.fail_user:
                self._send(platform.fail_user, {"message": "no"})
            elif github:
                self._send(200, {"login": platform.login, "id": _user_id(platform.login)})
            else:
                self._send(200, {"id": _user_id(platform.login), "username": platform.login})

        def _send_raw(self, code: int, data: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

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
    #: with a TLS context, a connection whose first byte opens a TLS handshake gets TLS
    tls: ssl.SSLContext | None = None

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        if self.tls is not None:
            connection.settimeout(5)
            if connection.recv(1, socket.MSG_PEEK) == b"\x16":
                connection = self.tls.wrap_socket(connection, server_side=True)
            connection.settimeout(None)
        return connection, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (the gate's time budget) is no error of the fake's: print
        nothing (a traceback on stderr would land in another test's captured output)."""


@contextmanager
def fake_platform(
    kind: str, token: str, *, tls: ssl.SSLContext | None = None
) -> Iterator[FakePlatform]:
    """A fake GitHub (`kind="github"`) or GitLab API on a free loopback port (https with
    `tls`, which also answers plain http on the same port)."""
    platform = FakePlatform(kind, token)
    server = _QuietServer(("127.0.0.1", 0), _handler(platform))
    server.tls = tls
    scheme = "https" if tls else "http"
    platform.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield platform
    finally:
        server.shutdown()
        server.server_close()
