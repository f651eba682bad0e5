"""`ci-gate simulate`: the built-in BlazeMeter simulator as a server of its own.

It imports no HTTP client and of the gate only the loopback check, the usage error and the
signal guard: pipelines (and the pipeline tests) start it, and its start-up should cost
what a small server costs.
"""

from __future__ import annotations

import sys

from ci_gate.errors import UsageError
from ci_gate.signals import Cancelled, SignalGuard
from ci_gate.simulator.scenario import Scenario, ScenarioError, load_scenario
from ci_gate.simulator.server import SimulatorServer
from ci_gate.urls import is_loopback


def scenario_named(name: str) -> Scenario:
    """A built-in scenario or a scenario file; a bad one is a usage error (exit 2)."""
    try:
        return load_scenario(name)
    except ScenarioError as error:
        raise UsageError(str(error)) from None


def run_simulate(
    scenario_name: str,
    host: str,
    port: int,
    verbose: bool,
    guard: SignalGuard,
    *,
    latency: float = 0.0,
) -> int:
    scenario = scenario_named(scenario_name)
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port} is not a port number")
    try:
        server = SimulatorServer(scenario, host=host, port=port, verbose=verbose, latency=latency)
    except OSError as error:
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    masters = " ".join(scenario.masters)
    sys.stdout.write(
        f"ci-gate simulator: serving {server.base_url} masters {masters} "
        f"(scenario {scenario.name})\n"
    )
    if not is_loopback(host):
        sys.stdout.write(f"ci-gate simulator: warning: listening on {host}, not loopback\n")
    sys.stdout.flush()
    try:
        with guard.interruptible():
            server.serve_forever()
    except Cancelled:
        pass
    finally:
        server.server_close()
    return 0
