"""The simulator over real HTTP on loopback (in-process server, real sockets)."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from ci_gate.blazemeter.api import BlazeMeterClient
from ci_gate.config.credentials import Credentials
from ci_gate.domain.live import Label
from ci_gate.simulator.scenario import load_scenario
from ci_gate.simulator.server import SimulatorServer

AUTH = ("id", "secret")


@pytest.fixture
def seed() -> Iterator[SimulatorServer]:
    server = SimulatorServer(load_scenario("seed"))
    server.start_in_thread()
    yield server
    server.shutdown()
    server.server_close()


def get(server: SimulatorServer, master: str = "12345678", **params: str) -> requests.Response:
    return requests.get(
        f"{server.base_url}/masters/{master}/status", params=params, auth=AUTH, timeout=5
    )


def poll_to_the_end(server: SimulatorServer, **params: str) -> dict[str, Any]:
    for _ in range(50):
        result: dict[str, Any] = get(server, **params).json()["result"]
        if result["status"] == "ENDED":
            return result
    raise AssertionError("never ended")


def test_warning_level_returns_exactly_the_seeds_two_warnings(seed: SimulatorServer) -> None:
    first = get(seed, level="WARNING").json()["result"]
    assert first["events"] == []
    result = poll_to_the_end(seed, level="WARNING")
    messages = [event["message"] for event in result["events"]]
    assert messages == [
        "File /tmp/artifacts/taurus-base-config.yml not found on disk",
        "File /tmp/artifacts/taurus_start.log not found on disk",
    ]  # newest first
    assert {event["level"] for event in result["events"]} == {"WARNING"}


def test_events_false_returns_none_and_info_returns_all(seed: SimulatorServer) -> None:
    poll_to_the_end(seed)
    assert get(seed, events="false").json()["result"]["events"] == []
    info = get(seed).json()
    assert len(info["result"]["events"]) == 77
    assert info["api_version"] == 4 and info["error"] is None
    assert get(seed, level="300").json()["result"]["events"][0]["level"] == "WARNING"


def test_unknown_master_and_missing_auth_use_the_error_envelope(seed: SimulatorServer) -> None:
    missing = get(seed, master="999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == 404
    anonymous = requests.get(f"{seed.base_url}/masters/12345678/status", timeout=5)
    assert anonymous.status_code == 401
    assert anonymous.json() == {
        **anonymous.json(),
        "error": {"code": 401, "message": "Unauthorized"},
        "result": None,
    }


def test_stop_moves_the_master_through_terminating_to_ended(seed: SimulatorServer) -> None:
    get(seed)
    stop = requests.post(f"{seed.base_url}/masters/12345678/terminate", auth=AUTH, timeout=5)
    assert stop.status_code == 202
    assert get(seed).json()["result"]["status"] == "TERMINATING"
    assert get(seed).json()["result"]["status"] == "ENDED"


def test_the_report_link_opens_a_page_instead_of_a_404(seed: SimulatorServer) -> None:
    app = seed.base_url.rsplit("/api/v4", 1)[0]
    page = requests.get(f"{app}/app/", timeout=5)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "Simulated BlazeMeter report" in page.text


@pytest.mark.parametrize(("limit", "runs"), [("1", 1), ("3", 3), ("²", 9), ("-1", 9)])
def test_a_runs_listing_limit_that_is_not_ascii_digits_is_the_default(
    limit: str, runs: int
) -> None:
    """ "²" passes `isdigit` but not `int()`: the listing answers with the default limit, not
    a crash of the request."""
    server = SimulatorServer(load_scenario("trend"))
    server.start_in_thread()
    try:
        answer = requests.get(
            f"{server.base_url}/masters",
            params={"testId": "7700002", "limit": limit},
            auth=AUTH,
            timeout=5,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert answer.status_code == 200
    assert len(answer.json()["result"]) == runs  # the trend scenario's test has 9 runs


def test_closing_the_server_ends_its_kept_alive_connections() -> None:
    """In-process, as the tests run it, closing the server must cut a client's kept-alive
    connection, as the end of `ci-gate simulate` does: the gate must not go on reaching a
    closed scenario (a fault phase, say) on a connection opened before."""
    server = SimulatorServer(load_scenario("seed"))
    server.start_in_thread()
    host, port = server.server_address[:2]
    auth = base64.b64encode(b"id:secret").decode()
    request = (
        f"GET /api/v4/masters/12345678/status HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}"
        "\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    with socket.create_connection((str(host), int(port)), timeout=5) as client:
        client.sendall(request)
        assert client.recv(65536).startswith(b"HTTP/1.1 200")
        server.shutdown()
        server.server_close()
        client.settimeout(5)
        leftover = b""
        while chunk := client.recv(65536):
            leftover += chunk
        # the answer's tail, if any, then the end of the connection: never a second answer
        assert b"HTTP/1.1" not in leftover


def test_live_data_over_http_reads_through_the_gates_client() -> None:
    """`/data/labels` and `/data/kpis` on loopback, read by `BlazeMeterClient` (API v2
    envelope, repeated keys in the query): a run of the past has all its seconds."""
    server = SimulatorServer(load_scenario("regression"))
    server.start_in_thread()
    client = BlazeMeterClient(server.base_url, Credentials(*AUTH))
    try:
        labels = client.labels("91000001")
        assert labels[0] == Label("ALL", "ALL")
        assert [label.name for label in labels] == ["ALL", "checkout", "home", "login"]
        checkout = labels[1].id
        points = client.live_kpis("91000001", 0, ["ALL", checkout])
        assert len(points["ALL"]) == 600 and len(points[checkout]) == 600
        assert sum(point.hits or 0 for point in points[checkout]) == 5000
        body = requests.get(
            f"{server.base_url}/data/kpis",
            params={"master_ids[]": "91000001", "from": "x"},
            auth=AUTH,
            timeout=5,
        )
        assert body.status_code == 400
        unknown = requests.get(
            f"{server.base_url}/data/labels", params={"master_id": "1"}, auth=AUTH, timeout=5
        )
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] == 404
    finally:
        client.close()
        server.shutdown()
        server.server_close()
