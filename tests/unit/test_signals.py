"""The signal guard every command shares (`ci_gate/signals.py`), in process: the first
signal interrupts only an armed block, a second means "now" except while reports are
written. The end-to-end behaviour is in tests/e2e/test_signals.py."""

from __future__ import annotations

import signal

import pytest

from ci_gate.signals import Cancelled, ExitNow, SignalGuard


def test_the_first_signal_interrupts_an_armed_block_with_its_name() -> None:
    guard = SignalGuard()
    with guard.installed(), pytest.raises(Cancelled) as cancelled, guard.interruptible():
        signal.raise_signal(signal.SIGTERM)
    assert cancelled.value.signal_number == signal.SIGTERM
    assert str(cancelled.value) == "SIGTERM"


def test_a_signal_outside_an_armed_block_is_only_recorded() -> None:
    with SignalGuard().installed() as guard:
        signal.raise_signal(signal.SIGHUP)
        assert guard.received == signal.SIGHUP
        with pytest.raises(Cancelled):
            guard.interruptible().__enter__()


def test_a_second_signal_waits_for_the_protected_block_then_exits_with_the_first() -> None:
    done = False
    with SignalGuard().installed() as guard, pytest.raises(ExitNow) as now:
        signal.raise_signal(signal.SIGINT)
        with guard.protected():
            signal.raise_signal(signal.SIGTERM)
            done = True
    assert done
    assert now.value.signal_number == signal.SIGINT


def test_the_guard_gives_back_the_handlers_it_found() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with SignalGuard().installed():
        assert signal.getsignal(signal.SIGTERM) != before
    assert signal.getsignal(signal.SIGTERM) == before
