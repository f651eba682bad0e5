"""Transport safety with a real TLS server and a real proxy, all on loopback."""

from __future__ import annotations

import select
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ci_gate.simulator.scenario import load_scenario
from ci_gate.simulator.server import SimulatorServer
from tests.support.helpers import (
    DATA,
    START_UP_UNDER_LOAD,
    assert_no_traceback,
    gate_env,
    run_gate,
)
from tests.support.tls import self_signed


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_simulator(certificate: tuple[Path, Path]) -> Iterator[tuple[str, SimulatorServer]]:
    server = SimulatorServer(load_scenario(str(DATA / "pipeline-pass.json")))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, certificate))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.start_in_thread()
    yield server.base_url.replace("http://", "https://"), server
    server.shutdown()
    server.server_close()


class _Proxy(BaseHTTPRequestHandler):
    """A CONNECT proxy that records what it was asked to reach."""

    server: ProxyServer

    def log_message(self, format: str, *args: object) -> None:
        return None

    def do_CONNECT(self) -> None:
        self.server.seen.append(self.path)
        host, port = self.path.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)), timeout=10)
        self.send_response(200, "Connection established")
        self.end_headers()
        sockets = [self.connection, upstream]
        try:
            while True:
                readable, _, _ = select.select(sockets, [], [], 10)
                if not readable:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is self.connection else self.connection).sendall(data)
        finally:
            upstream.close()


class ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        self.seen: list[str] = []
        super().__init__(("127.0.0.1", 0), _Proxy)


@pytest.fixture
def proxy() -> Iterator[ProxyServer]:
    server = ProxyServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _wait(tmp_path: Path, url: str, *extra: str, **env: str) -> tuple[int, str, float]:
    report_dir = tmp_path / "r"
    run = run_gate(
        [
            "wait",
            "70000001",
            "--api-url",
            url,
            "--interval",
            "0.1",
            "--report-dir",
            str(report_dir),
            *extra,
        ],
        report_dir,
        env=gate_env(**env),
    )
    assert_no_traceback(run.stdout, run.stderr)
    return run.code, run.stderr, run.seconds


def test_an_untrusted_certificate_is_refused_at_once(
    tmp_path: Path, tls_simulator: tuple[str, SimulatorServer]
) -> None:
    url, server = tls_simulator
    code, stderr, seconds = _wait(tmp_path, url)
    # at once: not retried to a deadline (none given: the default's hour); a loaded machine
    # may take seconds for the interpreter's start-up, and nothing reaches the server to
    # measure from
    assert code == 4 and seconds < 5 + START_UP_UNDER_LOAD, seconds
    assert "TLS verification failed: the server's certificate could not be verified" in stderr
    assert server.state.calls == []  # nothing was sent over the unverified connection


def test_ca_bundle_option_and_env(
    tmp_path: Path, certificate: tuple[Path, Path], tls_simulator: tuple[str, SimulatorServer]
) -> None:
    url, _ = tls_simulator
    assert _wait(tmp_path, url, "--ca-bundle", str(certificate[0]))[0] == 0
    assert _wait(tmp_path, url, REQUESTS_CA_BUNDLE=str(certificate[0]))[0] == 0


def test_https_proxy_is_used_and_no_proxy_bypasses_it(
    tmp_path: Path,
    certificate: tuple[Path, Path],
    tls_simulator: tuple[str, SimulatorServer],
    proxy: ProxyServer,
) -> None:
    url, server = tls_simulator
    proxy_url = f"http://127.0.0.1:{proxy.server_address[1]}"
    target = f"127.0.0.1:{server.server_address[1]}"
    code, stderr, _ = _wait(
        tmp_path, url, "--ca-bundle", str(certificate[0]), HTTPS_PROXY=proxy_url
    )
    assert code == 0, stderr
    assert proxy.seen and set(proxy.seen) == {target}
    proxy.seen.clear()
    code, stderr, _ = _wait(
        tmp_path,
        url,
        "--ca-bundle",
        str(certificate[0]),
        HTTPS_PROXY=proxy_url,
        NO_PROXY="127.0.0.1",
    )
    assert code == 0, stderr
    assert proxy.seen == []


def test_plain_http_to_a_remote_host_is_refused(tmp_path: Path) -> None:
    code, stderr, _ = _wait(tmp_path, "http://blazemeter.example.test/api/v4")
    assert code == 2 and "credentials would travel in clear" in stderr
