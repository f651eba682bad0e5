"""Azure Pipelines through the real `ci-gate` process: with TF_BUILD=True, stdout carries
exactly the logging commands the gate means, read with the documented grammar, and the
hostile event text the simulator serves issues none of its own."""

from __future__ import annotations

from pathlib import Path

from tests.support.azure_log import read_log
from tests.support.helpers import SECRET, gate_env, run_gate, simulator, wait_args, write_scenario

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
        run = run_gate(wait_args(sim, report), report, env=gate_env(TF_BUILD="True"))
    assert run.code == 1, run.stderr
    log = read_log(run.stdout)  # every line: a command of ours, a group marker, or plain
    assert [c.area_action for c in log.commands] == [
        *["task.logissue"] * len(HOSTILE_MESSAGES),
        "task.uploadsummary",
        *["task.setvariable"] * 4,
    ]
    assert log.groups == ["##[group]ci-gate: status timeline", "##[endgroup]"]
    for command in log.named("task.logissue"):
        assert command.properties == {"type": "error"}
        assert command.message.startswith("ci-gate: master 10000001: ")
    (upload,) = log.named("task.uploadsummary")
    assert upload.message == str(report / "summary.md")
    assert Path(upload.message).read_text() == run.markdown
    variables = {c.properties["variable"]: c.message for c in log.named("task.setvariable")}
    assert variables == {
        "CI_GATE_VERDICT": "failed",
        "CI_GATE_EXIT_CODE": "1",
        "CI_GATE_MASTER_ID": "10000001",
        "CI_GATE_REPORT_URL": run.summary["masters"][0]["report_url"],
    }
    assert all(c.properties["isoutput"] == "true" for c in log.named("task.setvariable"))
    assert SECRET not in run.stdout + run.stderr
    # and stderr, which the agent's log shows too, forges nothing either
    read_log(run.stderr)
