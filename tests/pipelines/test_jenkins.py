"""The Jenkinsfile's shell step, run under sh and bash against `ci-gate simulate`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.support.helpers import DATA, SECRET, assert_valid_junit, gate_env, simulator
from tests.support.shell import ROOT, jenkins_sh_bodies
from tests.support.tools import require_tool

#: The test each pipeline scenario lets the Jenkinsfile's `ci-gate run` start.
TEST_IDS = {"pipeline-pass.json": "7100001", "pipeline-fail.json": "7200001"}


@pytest.mark.parametrize(
    ("scenario", "code"), [("pipeline-pass.json", 0), ("pipeline-fail.json", 1)]
)
def test_the_sh_step(tmp_path: Path, scenario: str, code: int) -> None:
    (body,) = jenkins_sh_bodies()
    shell = require_tool("bash" if code else "sh")
    with simulator(DATA / scenario) as sim:
        # what Jenkins' environment block and withCredentials binding would set
        env = gate_env(
            CI_GATE_PACKAGE=str(ROOT),
            CI_GATE_REPORT_DIR="ci-gate-report",
            BLAZEMETER_TEST_ID=TEST_IDS[scenario],
            BLAZEMETER_API_URL=sim.url,
        )
        done = subprocess.run(
            [shell, "-e", "-c", body],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert done.returncode == code, done.stdout + done.stderr
    assert f"started test {TEST_IDS[scenario]}: master " in done.stdout
    assert_valid_junit((tmp_path / "ci-gate-report" / "junit.xml").read_bytes())
    assert SECRET not in done.stdout + done.stderr


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
