"""The simulator's HTTP server: stdlib, threaded, loopback by default.

Serves `GET /api/v4/masters/{id}/status` (honouring `level` and `events`),
`POST /api/v4/masters/{id}/stop` and `/terminate`, BlazeMeter's verdict on an ended run
(`GET /masters/{id}`, `/reports/thresholds`, `/reports/default/summary`,
`POST /masters/{id}/public-token`), the live data (`/data/labels`, `/data/kpis`),
BlazeMeter's error envelope on 401/404, and
`GET /_simulator/calls` (what it was asked, for tests).

Over 300 lines on purpose: one handler per endpoint of the simulated API, and its
faults, side by side.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gzip
import hmac
import json
import re
import secrets
import select
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ci_gate.domain.levels import LEVELS, read_level
from ci_gate.simulator.live_data import (
    DATA_API_VERSION,
    aggregate_report,
    data_kpis,
    data_labels,
    summary_report,
)
from ci_gate.simulator.real_clock import real_clock_shift
from ci_gate.simulator.scenario import Fault, Scenario, TestScript
from ci_gate.simulator.state import (
    MasterRun,
    filter_events,
    master_object,
    report_fault,
    runs_of_test,
    thresholds,
)
from ci_gate.text import ascii_digits

API_PREFIX = "/api/v4"
_START_PATH = re.compile(re.escape(API_PREFIX) + r"/(tests|multi-tests)/(\d+)/start/?")
#: Read endpoints about an ended run: path after /masters/{id} -> (fault name, answer).
_REPORT_READS = {
    "": ("master", master_object),
    "reports/thresholds": ("thresholds", thresholds),
    "reports/default/summary": ("summary", summary_report),
    "reports/aggregatereport/data": ("aggregate", aggregate_report),
}
_DATA_LABELS = API_PREFIX + "/data/labels"
_DATA_KPIS = API_PREFIX + "/data/kpis"
_REASONS = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests"}


def envelope(result: object = None, error: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "api_version": 4,
        "error": error,
        "result": result,
        "request_id": secrets.token_hex(6),
    }


def error_envelope(code: int, message: str | None = None) -> dict[str, Any]:
    return envelope(error={"code": code, "message": message or _REASONS.get(code, "Error")})


class SimulatorState:
    """Every master's run, the call log, and the lock that guards them."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.lock = threading.Lock()
        shift = real_clock_shift(scenario.masters.values(), time.time())
        self.runs = {
            master_id: MasterRun(script, shift=shift)
            for master_id, script in scenario.masters.items()
        }
        self.calls: list[dict[str, Any]] = []
        self.starts: dict[str, int] = {}
        self.next_master = 90000001
        self.latency = 0.0
        self.in_flight = 0
        self.max_in_flight = 0

    @contextlib.contextmanager
    def serving(self, path: str) -> Iterator[None]:
        """One API request being answered: counted in flight, after the simulated latency."""
        if path.startswith("/_simulator/"):
            yield
            return
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency:
                time.sleep(self.latency)
            yield
        finally:
            with self.lock:
                self.in_flight -= 1

    def start(self, test: TestScript) -> tuple[str, Fault | None]:
        """One start request: a new master from the test's template, unless a planned 429
        turns it away; returns the new id and the fault to serve (if any)."""
        with self.lock:
            served = self.starts.get(test.test_id, 0)
            self.starts[test.test_id] = served + 1
            fault = _planned_fault(test.start_faults, served)
            if fault is not None and fault.http_status == 429:
                return "", fault  # rate-limited: turned away before anything started
            while str(self.next_master) in self.runs:
                self.next_master += 1
            master_id = str(self.next_master)
            self.next_master += 1
            template = self.scenario.masters[test.template]
            self.runs[master_id] = MasterRun(
                replace(template, master_id=master_id),
                shift=real_clock_shift([template], time.time()),
            )
            return master_id, fault

    def log(self, method: str, path: str) -> None:
        with self.lock:
            self.calls.append({"method": method, "path": path, "at": time.time()})


def _planned_fault(plan: tuple[tuple[Fault, int], ...], served: int) -> Fault | None:
    """The fault for the start request numbered `served` (from 0), if the plan has one."""
    for fault, repeat in plan:
        if served < repeat:
            return fault
        served -= repeat
    return None


class _Handler(BaseHTTPRequestHandler):
    server: SimulatorServer
    protocol_version = "HTTP/1.1"
    server_version = "ci-gate-simulator"

    def handle_one_request(self) -> None:
        """The stdlib's, with each request (not an idle keep-alive wait) counted in flight."""
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.send_error(414)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            handler = getattr(self, "do_" + self.command, None)
            if handler is None:
                self.send_error(501, f"Unsupported method ({self.command!r})")
                return
            with self.server.state.serving(self.path):
                handler()
            self.wfile.flush()
        except TimeoutError:
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    # -- plumbing --------------------------------------------------------------------------

    def _send(self, code: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, code: int, payload: object, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode("utf-8")
        self._send(code, body, "application/json", headers or {})

    def _authorised(self) -> bool:
        expected = self.server.state.scenario.credentials
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        if expected is None:
            return True
        try:
            given = base64.b64decode(header[6:], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(given, f"{expected[0]}:{expected[1]}")

    def _route(self) -> tuple[str | None, str | None, dict[str, list[str]]]:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        path = parts.path.rstrip("/")
        if not path.startswith(API_PREFIX + "/masters/"):
            return None, None, query
        pieces = path[len(API_PREFIX) + 1 :].split("/")
        return pieces[1], "/".join(pieces[2:]), query

    def _master_run(self, master_id: str | None, known_endpoint: bool) -> MasterRun | None:
        """The run a request is about, or None once the right error envelope is sent."""
        if not known_endpoint or master_id is None:
            self._json(404, error_envelope(404, "Not Found"))
            return None
        if not self._authorised():
            self._json(401, error_envelope(401))
            return None
        run = self.server.state.runs.get(master_id)
        if run is None:
            self._json(404, error_envelope(404, f"Master with id {master_id} not found"))
        return run

    # -- verbs -----------------------------------------------------------------------------

    def _report_page(self) -> None:
        """A small page where BlazeMeter's report would be, so a demo's link does not 404."""
        body = (
            b"<!doctype html><html><head><meta charset=utf-8><title>ci-gate simulate</title>"
            b"</head><body><h1>Simulated BlazeMeter report</h1><p>This is ci-gate's built-in "
            b"simulator: the run's report lives in BlazeMeter for a real test. The gate's own "
            b"reports are in its report folder (summary.md, junit.xml).</p></body></html>"
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        state = self.server.state
        if urlsplit(self.path).path == "/_simulator/calls":
            with state.lock:
                calls = list(state.calls)
                tokens = {key: list(run.public_tokens) for key, run in state.runs.items()}
                notes = {key: run.note for key, run in state.runs.items() if run.note is not None}
                peak = state.max_in_flight
            self._json(
                200,
                {"calls": calls, "public_tokens": tokens, "notes": notes, "max_in_flight": peak},
            )
            return
        if urlsplit(self.path).path.rstrip("/") == "/app":
            self._report_page()  # the report link's page: a real one is behind a login
            return
        state.log("GET", self.path)
        if urlsplit(self.path).path.rstrip("/") == API_PREFIX + "/masters":
            self._runs_of_test(parse_qs(urlsplit(self.path).query))
            return
        if urlsplit(self.path).path.rstrip("/") in (_DATA_LABELS, _DATA_KPIS):
            self._live_data(parse_qs(urlsplit(self.path).query))
            return
        master_id, endpoint, query = self._route()
        if endpoint in _REPORT_READS:
            self._report_read(master_id, endpoint)
            return
        run = self._master_run(master_id, endpoint == "status")
        if run is None:
            return
        with state.lock:
            answer = run.poll()
        if answer.fault is not None:
            self._fault(answer.fault, run.result())
            return
        level = read_level(query.get("level", ["INFO"])[0]) or LEVELS["INFO"]
        events = query.get("events", ["true"])[0].lower() != "false"
        self._json(200, envelope(filter_events(answer.result or {}, level, events)))

    def _runs_of_test(self, query: dict[str, list[str]]) -> None:
        """`GET /masters?testId=T&limit=N`: the test's runs, newest first."""
        if not self._authorised():
            self._json(401, error_envelope(401))
            return
        test_id = query.get("testId", [""])[0]
        limit = query.get("limit", ["50"])[0]
        with self.server.state.lock:
            runs = runs_of_test(self.server.state.runs, test_id)
        self._json(200, envelope(runs[: int(limit) if ascii_digits(limit) else 50]))

    def _live_data(self, query: dict[str, list[str]]) -> None:
        """`GET /data/labels?master_id=` and `GET /data/kpis?...&master_ids[]=&labels[]=`:
        the run's live data, in BlazeMeter's API v2 envelope."""
        labels = urlsplit(self.path).path.rstrip("/") == _DATA_LABELS
        master_id = query.get("master_id" if labels else "master_ids[]", [""])[0]
        from_ts = query.get("from", ["0"])[0]
        if not labels and not ascii_digits(from_ts):
            self._json(400, error_envelope(400, "from must be a whole number"))
            return
        run = self._master_run(master_id if ascii_digits(master_id) else None, True)
        if run is None:
            return
        with self.server.state.lock:
            fault = report_fault(run, "labels" if labels else "kpis")
            if labels:
                result = data_labels(run)
            else:
                result = data_kpis(run, int(from_ts), query.get("labels[]", []))
        if fault is not None:
            self._fault(fault, result)
            return
        self._json(200, {**envelope(result), "api_version": DATA_API_VERSION})

    def _report_read(self, master_id: str | None, endpoint: str) -> None:
        """`GET /masters/{id}`, `/reports/thresholds`, `/reports/default/summary`."""
        run = self._master_run(master_id, True)
        if run is None:
            return
        name, build = _REPORT_READS[endpoint]
        with self.server.state.lock:
            fault = report_fault(run, name)
            result = build(run)
        if fault is not None:
            self._fault(fault, result)
            return
        self._json(200, envelope(result))

    def do_POST(self) -> None:
        state = self.server.state
        state.log("POST", self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 1 << 20))
        start = _START_PATH.fullmatch(urlsplit(self.path).path)
        if start is not None:
            self._start(start.group(2), multi=start.group(1) == "multi-tests")
            return
        master_id, endpoint, _ = self._route()
        if endpoint == "public-token":
            self._public_token(master_id)
            return
        run = self._master_run(master_id, endpoint in ("stop", "terminate"))
        if run is None or endpoint is None or master_id is None:
            return
        with state.lock:
            run.request_stop(endpoint)
        answer = envelope({"id": int(master_id), "action": endpoint})
        if run.script.stop_fault is not None:
            self._fault(run.script.stop_fault, answer["result"], code_when_ok=202)
            return
        self._json(202, answer)

    def _start(self, test_id: str, *, multi: bool) -> None:
        """`POST /tests/{id}/start` and `/multi-tests/{id}/start`: 202 with the new master."""
        if not self._authorised():
            self._json(401, error_envelope(401))
            return
        test = self.server.state.scenario.tests.get(test_id)
        if test is None or test.multi != multi:
            kind = "Multi test" if multi else "Test"
            self._json(404, error_envelope(404, f"{kind} with id {test_id} not found"))
            return
        master_id, fault = self.server.state.start(test)
        result = {"id": int(master_id) if master_id else None, "testId": int(test_id)}
        if fault is not None:
            self._fault(fault, result, code_when_ok=202)
            return
        self._json(202, envelope(result))

    def do_PATCH(self) -> None:
        """`PATCH /masters/{id}`: records `note`, shown by `GET /masters/{id}`."""
        state = self.server.state
        state.log("PATCH", self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(min(length, 1 << 20)) if length else b""
        master_id, endpoint, _ = self._route()
        run = self._master_run(master_id, endpoint == "")
        if run is None:
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._json(400, error_envelope(400, "Bad JSON"))
            return
        note = body.get("note") if isinstance(body, dict) else None
        with state.lock:
            if isinstance(note, str):
                run.note = note
            result = master_object(run)
        self._json(200, envelope(result))

    def _public_token(self, master_id: str | None) -> None:
        """`POST /masters/{id}/public-token`: 201 with a new token, recorded for tests."""
        run = self._master_run(master_id, True)
        if run is None:
            return
        token = secrets.token_hex(16)
        with self.server.state.lock:
            fault = report_fault(run, "public-token")
            if fault is None:
                run.public_tokens.append(token)
        result = {"new": True, "publicToken": token}
        if fault is not None:
            self._fault(fault, result, code_when_ok=201)
            return
        self._json(201, envelope(result))

    def _fault(self, fault: Fault, result: object, code_when_ok: int = 200) -> None:
        if fault.delay:
            time.sleep(fault.delay)
        if fault.cut:
            self.close_connection = True
            self.connection.close()
            return
        if fault.never_answer:
            self._linger()
            return
        if fault.silent or fault.trickle or fault.stream_bytes or fault.gzip_bomb_bytes:
            self._endless(fault)
            return
        code = fault.http_status or code_when_ok
        if fault.body is None:
            payload: object = envelope(result) if code < 400 else error_envelope(code)
            body = json.dumps(payload).encode("utf-8")
            content_type = "application/json"
        elif isinstance(fault.body, str):
            body = fault.body.encode("utf-8")
            content_type = "text/html" if fault.body.lstrip().startswith("<") else "text/plain"
        else:
            body = json.dumps(fault.body).encode("utf-8")
            content_type = "application/json"
        if fault.truncate:
            body = body[: max(len(body) // 2, 1)]
        self._send(code, body, content_type, dict(fault.headers))

    # -- hostile bodies -------------------------------------------------------------------

    def _linger(self) -> None:
        """Hold the connection open, sending nothing, until the client or server leaves."""
        self.close_connection = True
        while not self.server.stopping:
            readable, _, _ = select.select([self.connection], [], [], 0.2)
            if readable:
                try:
                    if not self.connection.recv(4096):
                        return
                except OSError:
                    return

    def _endless(self, fault: Fault) -> None:
        """Headers, then a body that is silent, trickles, is huge, or is a gzip bomb."""
        self.close_connection = True
        self.send_response(fault.http_status or 200)
        self.send_header("Content-Type", "application/json")
        size = fault.stream_bytes or fault.gzip_bomb_bytes
        if fault.gzip_bomb_bytes:
            self.send_header("Content-Encoding", "gzip")
        elif size:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        try:
            if fault.silent:
                self.wfile.flush()
                self._linger()
            elif fault.trickle:
                while not self.server.stopping:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(1.0 / fault.trickle)
            elif fault.gzip_bomb_bytes:
                member = _gzip_member()
                for _ in range(-(-fault.gzip_bomb_bytes // _BOMB_MEMBER_BYTES)):
                    if self.server.stopping:
                        return
                    self.wfile.write(member)
            else:
                piece = b" " * 65536
                sent = 0
                while sent < size and not self.server.stopping:
                    self.wfile.write(piece[: size - sent])
                    sent += len(piece)
        except OSError:
            return  # the client went away: that is the point


#: Decoded bytes in each gzip member of a bomb (members may be concatenated in gzip).
_BOMB_MEMBER_BYTES = 8 * 1024 * 1024
_bomb_cache: list[bytes] = []


def _gzip_member() -> bytes:
    if not _bomb_cache:
        _bomb_cache.append(gzip.compress(b"\0" * _BOMB_MEMBER_BYTES, compresslevel=9))
    return _bomb_cache[0]


class SimulatorServer(ThreadingHTTPServer):
    """A threaded HTTP server holding one scenario's state."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # many masters polled at once

    def __init__(
        self,
        scenario: Scenario,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
        latency: float = 0.0,
    ) -> None:
        self.state = SimulatorState(scenario)
        self.state.latency = latency
        self.verbose = verbose
        self.stopping = False
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}{API_PREFIX}"

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        with self._open_lock:
            self._open.add(connection)
        return connection, address

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        """Stop listening and end every open connection, as the end of the process would:
        a client's kept-alive connection must not go on reaching a closed server's state."""
        self.stopping = True  # ends lingering and endless answers
        super().server_close()
        with self._open_lock:
            still_open = list(self._open)
        for connection in still_open:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def start_in_thread(self) -> threading.Thread:
        """Serve from a daemon thread; `shutdown()` returns within 50 ms (the default poll
        of half a second would hold up the end of a demo, or of a test)."""
        thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="ci-gate-simulator",
            daemon=True,
        )
        thread.start()
        return thread
