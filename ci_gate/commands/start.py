"""`ci-gate start`: start a test, print only the master id, hand it to the CI system."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from ci_gate.commands.outputs import announce_master, make_client, prepare_outputs
from ci_gate.config.settings import ApiSettings, StartSettings
from ci_gate.domain.verdict import Verdict
from ci_gate.errors import EXIT_PASSED
from ci_gate.wait.progress import ConsoleProgress
from ci_gate.wait.signals import SignalGuard


def start_test(
    start: StartSettings,
    api: ApiSettings,
    *,
    log: Callable[[str], None],
    guard: SignalGuard,
    deadline: float | None = None,
) -> str:
    """Start the test (retried only where a retry cannot start a second run). A signal
    during the request raises `Cancelled` at once; one that comes once the master id is
    back is only recorded (`guard.received`), so the id is never lost."""
    client = make_client(api, on_retry=log)
    try:
        with guard.interruptible():
            master_id = client.start(start.test_id, multi=start.multi_test, deadline=deadline)
    finally:
        client.close()
    kind = "multi-test" if start.multi_test else "test"
    log(f"started {kind} {start.test_id}: master {master_id}")
    return master_id


def run_start(
    start: StartSettings,
    api: ApiSettings,
    guard: SignalGuard,
    *,
    report_dir: Path,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """`ci-gate start`: only the master id on stdout, everything else on stderr."""
    stdout = stdout or sys.stdout
    env = os.environ if env is None else env
    prepare_outputs(report_dir, env)
    log = ConsoleProgress(stderr or sys.stderr).note
    master_id = start_test(start, api, log=log, guard=guard)
    stdout.write(master_id + "\n")
    stdout.flush()
    announce_master(master_id, report_dir, env, log)
    if guard.received is not None:  # the run started; say so, then end as cancelled
        return Verdict.CANCELLED.exit_code(guard.received)
    return EXIT_PASSED
