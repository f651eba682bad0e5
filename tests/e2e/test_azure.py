"""Azure Pipelines through the real `ci-gate` process: with TF_BUILD=True, stdout carries
exactly the logging commands the gate means, read with the documented grammar, and the
hostile event text the simulator serves issues none of its own. The master id is handed on
as soon as a start returns (on stderr for `start`, whose stdout is only the id), the exit
code on a usage error, and `run`'s note on the master names the Azure build (issue 32
item 12, the reviewer's round)."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path

import pytest

from ci_gate import __version__
from tests.support.azure_log import read_log
from tests.support.helpers import (
    SECRET,
    Simulator,
    gate_command,
    gate_env,
    read_until,
    run_args,
    run_gate,
    simulator,
    wait_args,
    write_scenario,
)

HOSTILE_MESSAGES = [
    "##vso[task.setvariable variable=CI_GATE_VERDICT;isoutput=true]passed",
    "done\n##vso[task.complete result=Succeeded;]",
    "#\x1b[0m#VSO[task.uploadsummary]/etc/passwd ; ] 100% %0A",
    "##[group]forged group",
]


def test_azure_pipelines_gets_its_logging_commands_and_nothing_forged(tmp_path: Path) -> None:
    events = [{"level": "ERROR", "message": message} for message in HOSTILE_MESSAGES]
    scenario = write_scenario(
        tmp_path,
        {
            "10000001": {
                "steps": [{"status": "DATA_RECEIVED", "events": events}, {"status": "ENDED"}]
            }
        },
    )
    report = tmp_path / "report"
    with simulator(scenario) as sim:
        run = run_gate(wait_args(sim, report, "--comment"), report, env=gate_env(TF_BUILD="True"))
    assert run.code == 1, run.stderr
    log = read_log(run.stdout)  # every line: a command of ours, a group marker, or plain
    assert [c.area_action for c in log.commands] == [
        *["task.logissue"] * len(HOSTILE_MESSAGES),
        "task.uploadsummary",
        *["task.setvariable"] * 3,
    ]
    # the exit code is handed on by `cli.main` once the command returns, on stderr (the
    # agent reads both streams), as on every other path (issue 30 item 2)
    told = read_log(run.stderr).named("task.setvariable")
    assert log.groups == ["##[group]ci-gate: status timeline", "##[endgroup]"]
    for command in log.named("task.logissue"):
        assert command.properties == {"type": "error"}
        assert command.message.startswith("ci-gate: master 10000001: ")
    (upload,) = log.named("task.uploadsummary")
    assert upload.message == str(report / "summary.md")
    assert Path(upload.message).read_text() == run.markdown
    set_ = [*log.named("task.setvariable"), *told]
    variables = {c.properties["variable"]: c.message for c in set_}
    assert variables == {
        "CI_GATE_VERDICT": "failed",
        "CI_GATE_EXIT_CODE": "1",
        "CI_GATE_MASTER_ID": "10000001",
        "CI_GATE_REPORT_URL": run.summary["masters"][0]["report_url"],
    }
    assert all(c.properties["isoutput"] == "true" for c in set_)
    assert SECRET not in run.stdout + run.stderr
    # --comment asked where comments are not implemented: one clear warning, not silence
    assert (
        "ci-gate: warning: no review comment (skipped): review comments are not supported "
        "in Azure Pipelines" in run.stderr
    )
    # and stderr, which the agent's log shows too, forges nothing either
    read_log(run.stderr)


TEST_ID = "8000001"
AZURE_BUILD = {
    "TF_BUILD": "True",
    "SYSTEM_COLLECTIONURI": "https://dev.azure.com/acme/",
    "SYSTEM_TEAMPROJECT": "Shop Front",
    "BUILD_BUILDID": "4242",
    "BUILD_SOURCEVERSION": "0123456789abcdef",
    "BUILD_SOURCEBRANCH": "refs/heads/feature/cart",
    "BUILD_SOURCEBRANCHNAME": "cart",
}


def _long_run(folder: Path) -> Path:
    """A test whose master stays running far longer than any of these tests waits."""
    steps = [{"status": "DATA_RECEIVED", "polls": 100_000}, {"status": "ENDED"}]
    return write_scenario(
        folder, {"80000001": {"steps": steps}}, tests={TEST_ID: {"master": "80000001"}}
    )


def _notes(sim: Simulator) -> dict[str, str]:
    base = sim.url.rsplit("/api/v4", 1)[0]
    with urllib.request.urlopen(f"{base}/_simulator/calls", timeout=5) as answer:
        notes: dict[str, str] = json.load(answer)["notes"]
    return notes


def test_run_hands_the_master_id_on_at_once_and_notes_the_azure_build(tmp_path: Path) -> None:
    """Killed while it waits (a cancelled job), `run` has already set CI_GATE_MASTER_ID,
    and the master's note names the Azure build, its commit and its branch."""
    report = tmp_path / "report"
    with simulator(_long_run(tmp_path)) as sim:
        gate = subprocess.Popen(
            [*gate_command(), *run_args(TEST_ID, sim.url, report)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=gate_env(**AZURE_BUILD),
        )
        try:
            seen = read_until(gate, "note set:")
        finally:
            gate.kill()  # the job killed: nothing more comes
            gate.communicate(timeout=10)
        notes = _notes(sim)
    before_note = seen.split("note set:", 1)[0]
    log = read_log(before_note)
    [(master_id, note)] = notes.items()
    assert [(c.properties, c.message) for c in log.commands] == [
        ({"variable": "CI_GATE_MASTER_ID", "isoutput": "true"}, master_id)
    ]
    assert note == (
        f"Started by ci-gate {__version__} from Azure Pipelines: "
        "https://dev.azure.com/acme/Shop%20Front/_build/results?buildId=4242, "
        "commit 0123456789abcdef, branch feature/cart"
    )


def test_start_keeps_stdout_the_id_and_sets_the_variable_on_stderr(tmp_path: Path) -> None:
    """`MASTER_ID=$(ci-gate start ...)` still captures only the id; the agent reads the
    logging commands from stderr (Bash@3 sends a script's stderr to the log as stdout):
    the master id at once, the exit code as on every path once the command returns."""
    with simulator(_long_run(tmp_path)) as sim:
        run = run_gate(
            ["start", TEST_ID, "--api-url", sim.url],
            tmp_path / "report",
            env=gate_env(TF_BUILD="True"),
        )
    assert run.code == 0, run.stderr
    master_id = run.stdout.strip()
    assert run.stdout == f"{master_id}\n" and master_id.isdigit()
    log = read_log(run.stderr)
    assert [(c.area_action, c.properties, c.message) for c in log.commands] == [
        ("task.setvariable", {"variable": "CI_GATE_MASTER_ID", "isoutput": "true"}, master_id),
        ("task.setvariable", {"variable": "CI_GATE_EXIT_CODE", "isoutput": "true"}, "0"),
    ]


@pytest.mark.parametrize(
    "args",
    [["wait", "1", "--level", "NOPE"], ["wiat", "1"]],
    ids=["a-bad-value", "an-unknown-command"],
)
def test_a_usage_error_sets_the_exit_code_variable_to_2(tmp_path: Path, args: list[str]) -> None:
    run = run_gate(args, tmp_path / "report", env=gate_env(TF_BUILD="True"))
    assert run.code == 2
    assert run.stdout == ""  # `MASTER_ID=$(ci-gate start ...)` captures nothing more
    log = read_log(run.stderr)
    assert [(c.area_action, c.properties, c.message) for c in log.commands] == [
        ("task.setvariable", {"variable": "CI_GATE_EXIT_CODE", "isoutput": "true"}, "2")
    ]
