"""A timeout too large to wait on (outside review of issue 29, F5): `--timeout 100000000000`
or `CI_GATE_TIMEOUT=9999999999` is past `threading.TIMEOUT_MAX`, and a passing run ended
as "internal error: OverflowError", exit 4 (`run` had even started the test). The real
`ci-gate` takes such a value as no practical limit, in every command that has a deadline."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.helpers import (
    assert_no_traceback,
    gate_env,
    run_args,
    run_gate,
    simulator,
    wait_args,
    write_scenario,
)

TEST_ID = "8100001"
HUGE = "100000000000"


def _scenario(folder: Path) -> Path:
    steps = [{"status": "BOOT_STARTING"}, {"status": "DATA_RECEIVED"}, {"status": "ENDED"}]
    return write_scenario(
        folder, {"81000001": {"steps": steps}}, tests={TEST_ID: {"master": "81000001"}}
    )


@pytest.mark.parametrize(
    ("flag", "env"),
    [(["--timeout", HUGE], {}), ([], {"CI_GATE_TIMEOUT": "9999999999"})],
    ids=["option", "env"],
)
@pytest.mark.parametrize("command", ["wait", "run", "start", "stop"])
def test_a_timeout_past_what_a_wait_can_take_is_no_practical_limit(
    tmp_path: Path, command: str, flag: list[str], env: dict[str, str]
) -> None:
    report = tmp_path / "r"
    with simulator(_scenario(tmp_path)) as sim:
        args = {
            "wait": wait_args(sim, report, *flag),
            "run": run_args(TEST_ID, sim.url, report, *flag),
            "start": ["start", TEST_ID, "--api-url", sim.url, *flag],
            "stop": ["stop", *sim.masters, "--api-url", sim.url, *flag],
        }[command]
        run = run_gate(args, report, env=gate_env(**env), timeout=60)
    assert run.code == 0, run.stdout + run.stderr
    assert "internal error" not in run.stderr
    assert_no_traceback(run.stdout, run.stderr)
