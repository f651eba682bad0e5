"""`ci-gate demo`: the gate and the built-in simulator together, in one process.

The demo runs the real `wait` code path over real HTTP on loopback, with throwaway
credentials and quick pacing, so a newcomer sees the whole job in seconds.
"""

from __future__ import annotations

import sys

from ci_gate.commands.run import run_run
from ci_gate.commands.simulate import scenario_named
from ci_gate.commands.wait import run_wait
from ci_gate.config.context import OUTSIDE_CI, Context
from ci_gate.config.credentials import Credentials
from ci_gate.config.fail_on import parse_fail_on
from ci_gate.config.options import parse_option
from ci_gate.config.settings import (
    ApiSettings,
    HttpSettings,
    RunSettings,
    StartSettings,
    WaitSettings,
)
from ci_gate.signals import SignalGuard
from ci_gate.simulator.scenario import builtin_names, load_scenario
from ci_gate.simulator.server import SimulatorServer

#: Throwaway credentials for the demo's simulator; they open nothing anywhere else.
DEMO_CREDENTIALS = ("demo-key-id", "demo-key-secret")


DEMO_INTERVAL = 0.2


#: Quick retries, so the flaky scenario recovers in a second or two.
DEMO_HTTP = HttpSettings(
    connect_timeout=2.0,
    read_timeout=5.0,
    retry_max_time=10.0,
    retry_factor=0.2,
    retry_max_delay=1.0,
)


def list_scenarios() -> int:
    for name in builtin_names():
        scenario = load_scenario(name)
        sys.stdout.write(f"{name:<14} {scenario.description}\n")
    return 0


def run_demo(
    scenario_name: str,
    level: str,
    timeout: str,
    report_dir: str,
    guard: SignalGuard,
    *,
    criteria: str = "on",
    public_report: bool = False,
    context: Context = OUTSIDE_CI,
) -> int:
    scenario = scenario_named(scenario_name)  # a built-in name or a file, as `simulate`
    settings = WaitSettings(
        master_ids=scenario.demo.masters or tuple(scenario.masters),
        baseline=scenario.demo.baseline,
        trend=scenario.demo.trend,
        level=parse_option(WaitSettings, "level", level),
        timeout=parse_option(WaitSettings, "timeout", timeout),
        report_dir=parse_option(WaitSettings, "report_dir", report_dir),
        criteria=parse_option(WaitSettings, "criteria", criteria),
        public_report=public_report,
        interval=DEMO_INTERVAL,
        stop_on_timeout=True,
        stop_on_cancel=True,
        heartbeat=5.0,
        fail_on=tuple(
            parse_fail_on(criterion, f"scenario {scenario.name}: demo.fail_on")
            for criterion in scenario.demo.fail_on
        ),
    )
    server = SimulatorServer(scenario)
    server.start_in_thread()
    sys.stdout.write(
        f"ci-gate demo: scenario {scenario.name}: {scenario.description}\n"
        f"ci-gate demo: simulated BlazeMeter API at {server.base_url}\n"
    )
    api = ApiSettings(
        url=server.base_url,
        credentials=Credentials(*(scenario.credentials or DEMO_CREDENTIALS)),
        ca_bundle=None,
        http=DEMO_HTTP,
    )
    try:
        if scenario.tests:  # a scenario of tests to start: the whole `ci-gate run` flow
            test_id = next(iter(scenario.tests))
            start = StartSettings(test_id=test_id, multi_test=scenario.tests[test_id].multi)
            return run_run(start, RunSettings(), settings, api, guard, context=context)
        return run_wait(settings, api, guard, context=context)
    finally:
        server.shutdown()
        server.server_close()
