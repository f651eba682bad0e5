"""The Jenkinsfile's shell step, run under sh and bash against `ci-gate simulate`."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.helpers import DATA, SECRET, assert_valid_junit, gate_env, simulator_process
from tests.support.shell import ROOT, jenkins_sh_bodies
from tests.support.tools import require_tool

#: The test each pipeline scenario lets the Jenkinsfile's `ci-gate run` start.
TEST_IDS = {"pipeline-pass.json": "7100001", "pipeline-fail.json": "7200001"}


#: The builds the kept-workspace test runs in turn: scenario, shell, the exit code wanted.
BUILDS = (("pipeline-pass.json", "sh", 0), ("pipeline-fail.json", "bash", 1))


def _build(workspace: Path, scenario: str, shell: str, package: Path) -> tuple[int, str, str]:
    """One build of the Jenkinsfile's shell step in `workspace` (exit code, stdout, stderr)."""
    (body,) = jenkins_sh_bodies()
    with simulator_process(DATA / scenario) as sim:
        # what Jenkins' environment block and withCredentials binding would set
        env = gate_env(
            CI_GATE_PACKAGE=str(package),
            CI_GATE_REPORT_DIR="ci-gate-report",
            BLAZEMETER_TEST_ID=TEST_IDS[scenario],
            BLAZEMETER_API_URL=sim.url,
        )
        done = subprocess.run(
            [require_tool(shell), "-e", "-c", body],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    return done.returncode, done.stdout, done.stderr


@pytest.mark.heavy(15)
def test_the_sh_step_passes_then_fails_in_the_kept_workspace(
    tmp_path: Path, checkout_wheel: Path
) -> None:
    """Two builds in one workspace, as Jenkins keeps it between builds: a passing run under
    sh, then a failing one under bash over the first build's venv and reports; each build's
    exit code and report set are its own."""
    report = tmp_path / "ci-gate-report"
    builds = []
    for scenario, shell, code in BUILDS:
        returncode, out, err = _build(tmp_path, scenario, shell, checkout_wheel)
        assert returncode == code, out + err
        assert f"started test {TEST_IDS[scenario]}: master " in out
        assert_valid_junit((report / "junit.xml").read_bytes())
        assert SECRET not in out + err
        builds.append(json.loads((report / "summary.json").read_text()))
    first, second = builds
    assert (first["verdict"], second["verdict"]) == ("passed", "failed")
    assert first["report_id"] != second["report_id"]
    junit = (report / "junit.xml").read_text()
    assert f'name="report_id" value="{second["report_id"]}"' in junit


def test_the_jenkinsfile_keeps_its_promises() -> None:
    text = (ROOT / "examples" / "Jenkinsfile").read_text()
    assert "usernamePassword(credentialsId:" in text
    # single-quoted: Groovy does not interpolate
    assert "script: '''" in text and '"""' not in text
    assert "junit testResults: 'ci-gate-report/junit.xml'" in text
    assert "archiveArtifacts artifacts: 'ci-gate-report/**'" in text
    assert "returnStatus: true" in text
    # exit 5 (broken) is UNSTABLE, as BlazeMeter's plugin does; the rest fail the build
    assert re.search(r"if \(code == 5\) \{\s+unstable\(", text)
    assert "ci-gate run " in text and "ci-gate wait " in text
