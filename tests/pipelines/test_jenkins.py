"""The Jenkinsfile's shell step, run under sh and bash against `ci-gate simulate`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.helpers import DATA, SECRET, assert_valid_junit, gate_env, simulator
from tests.pipelines.shell import ROOT, jenkins_sh_bodies


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
            MASTER_ID=sim.masters[0],
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
    assert_valid_junit((tmp_path / "ci-gate-report" / "junit.xml").read_bytes())
    assert SECRET not in done.stdout + done.stderr


def test_the_jenkinsfile_keeps_its_promises() -> None:
    text = (ROOT / "examples" / "Jenkinsfile").read_text()
    assert "usernamePassword(credentialsId:" in text
    assert "sh '''" in text and 'sh """' not in text  # single-quoted: Groovy does not interpolate
    assert "junit testResults: 'ci-gate-report/junit.xml'" in text
    assert "archiveArtifacts artifacts: 'ci-gate-report/**'" in text
    assert "returnStatus: true" in text and "unstable(" in text
