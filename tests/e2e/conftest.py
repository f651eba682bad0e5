"""Print the fault matrix (tests/e2e/test_faults.py) at the end of the test log."""

from __future__ import annotations

import pytest
from _pytest.terminal import TerminalReporter

from tests.support.helpers import FAULT_MATRIX


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    if not FAULT_MATRIX:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fault matrix: the real ci-gate against the simulator")
    write(f"{'fault':<38} {'verdict':<8} {'exit':>4} {'seconds':>8} {'requests':>8}  reports")
    for name, verdict, code, seconds, requests, reports in FAULT_MATRIX:
        shown = "-" if requests < 0 else str(requests)
        write(f"{name:<38} {verdict:<8} {code:>4} {seconds:>8.2f} {shown:>8}  {reports}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The real `ci-gate` process over real sockets needs real seconds: not the quick lane."""
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.slow)
