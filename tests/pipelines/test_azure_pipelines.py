"""The Azure example's gate step, run under bash as the agent would run it against
`ci-gate simulate`: its variables and the step's `env:` mapped into the environment,
`TF_BUILD=True`. There is no local Azure agent, so what the agent would do with the output
is read with the documented grammar instead. The install step is the Jenkinsfile's two
lines (run by tests/pipelines/test_jenkins.py, shellchecked with the rest): here the venv it
makes is stood in for by this checkout's ci-gate, which keeps this test cheap."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.support.azure_log import read_log
from tests.support.helpers import (
    DATA,
    KEY_ID,
    SECRET,
    assert_valid_junit,
    gate_command,
    gate_env,
    simulator,
)
from tests.support.shell import ROOT
from tests.support.tools import require_tool

TEST_IDS = {"pipeline-pass.json": "7100001", "pipeline-fail.json": "7200001"}


def _pipeline() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "examples" / "azure-pipelines.yml").read_text())
    return loaded


def _agent_env(variables: dict[str, str], step_env: dict[str, str], **extra: str) -> dict[str, str]:
    """What the agent gives a script: each pipeline variable as an environment variable
    (its name upper-cased, dots as underscores), the step's env: with $(X) replaced by the
    secret's value, and the agent's own variables."""
    secrets = {"BLAZEMETER_API_KEY_ID": KEY_ID, "BLAZEMETER_API_KEY_SECRET": SECRET}
    env = gate_env()
    env.pop("BLAZEMETER_API_KEY_ID")
    env.pop("BLAZEMETER_API_KEY_SECRET")  # secrets are not environment variables in Azure
    env.update({name.upper().replace(".", "_"): value for name, value in variables.items()})
    for name, value in step_env.items():
        env[name] = re.sub(r"\$\((\w+)\)", lambda m: secrets[m.group(1)], value)
    env.update(TF_BUILD="True", **extra)
    return env


def test_the_gate_step_fails_on_a_failing_run_and_leaves_what_the_tasks_publish(
    tmp_path: Path,
) -> None:
    pipeline = _pipeline()
    variables = dict(pipeline["variables"])
    variables["BLAZEMETER_TEST_ID"] = TEST_IDS["pipeline-fail.json"]
    (job,) = pipeline["jobs"]
    install, gate = [step for step in job["steps"] if "bash" in step]
    assert '"$AGENT_TEMPDIRECTORY/ci-gate-venv"' in install["bash"]
    agent_temp = tmp_path / "agent-temp"
    venv_bin = agent_temp / "ci-gate-venv" / "bin"
    venv_bin.mkdir(parents=True)
    stand_in = venv_bin / "ci-gate"
    stand_in.write_text(f'#!/bin/sh\nexec {shlex.join(gate_command())} "$@"\n')
    stand_in.chmod(0o755)
    work = tmp_path / "s"  # the default working directory, where the tasks look
    work.mkdir()
    with simulator(DATA / "pipeline-fail.json") as sim:
        env = _agent_env(
            variables,
            gate.get("env") or {},
            AGENT_TEMPDIRECTORY=str(agent_temp),
            BLAZEMETER_API_URL=sim.url,
        )
        judged = subprocess.run(
            [require_tool("bash"), "-c", gate["bash"]],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert judged.returncode == 1, judged.stdout + judged.stderr
    log = read_log(judged.stdout)  # the forged commands of pipeline-fail.json stay text
    report = work / variables["CI_GATE_REPORT_DIR"]
    # the agent reads logging commands on stderr as on stdout: the exit code is there, set
    # by `cli.main` once the command returned (as on every path)
    told = read_log(judged.stderr).named("task.setvariable")
    variables_set = {
        c.properties["variable"]: c.message for c in [*log.named("task.setvariable"), *told]
    }
    assert variables_set["CI_GATE_VERDICT"] == "failed"
    assert variables_set["CI_GATE_EXIT_CODE"] == "1"
    assert re.fullmatch(r"9\d{7}", variables_set["CI_GATE_MASTER_ID"])  # the started run
    assert len(log.named("task.logissue")) == 3
    (upload,) = log.named("task.uploadsummary")
    assert upload.message == str(report / "summary.md")
    # what PublishTestResults@2 and PublishPipelineArtifact@1 pick up, relative to the work dir
    assert_valid_junit((report / "junit.xml").read_bytes())
    assert "ci-gate: failed" in (report / "report.html").read_text()
    assert SECRET not in judged.stdout + judged.stderr
