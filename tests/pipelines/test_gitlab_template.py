"""The GitLab include, run by gitlab-ci-local (shell executor) against `ci-gate simulate`."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from tests.support.fake_platforms import fake_platform
from tests.support.helpers import (
    DATA,
    KEY_ID,
    SECRET,
    Simulator,
    assert_valid_junit,
    gate_env,
    gate_script,
    simulator,
    simulator_process,
)
from tests.support.shell import (
    PINNED_REQUIREMENT,
    ROOT,
    commit_all,
    gitlab_documents,
    gitlab_script,
)
from tests.support.tools import require_tool
from tools import release

GITLAB_CI_LOCAL_VERSION = "4.70.1"


#: The test each pipeline scenario's master is the template of (the example starts it).
TEST_IDS = {"70000001": "7100001", "70000002": "7200001"}


def _pipeline_repo(
    tmp_path: Path,
    master_id: str,
    api_url: str,
    extra_inputs: str,
    extra_variables: str,
    package: str,
    extra_jobs: str,
    extra_files: dict[str, str],
) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    for name, text in extra_files.items():
        (repo / name).write_text(text)
    shutil.copy(ROOT / "gitlab-template.yml", repo / "gitlab-template.yml")
    example = (ROOT / "examples" / "gitlab-ci.yml").read_text()
    assert f'package: "{PINNED_REQUIREMENT}"' in example
    # The one change to the README's example: `package` (this checkout, as a wheel or an
    # archive served on loopback).
    (repo / ".gitlab-ci.yml").write_text(
        example.replace(f'package: "{PINNED_REQUIREMENT}"', f'package: "{package}"{extra_inputs}')
        + extra_jobs
    )
    # GitLab sets GITLAB_CI=true; gitlab-ci-local sets it false unless told otherwise.
    (repo / ".gitlab-ci-local-variables.yml").write_text(
        "GITLAB_CI: 'true'\n"
        f"BLAZEMETER_API_KEY_ID: {KEY_ID}\nBLAZEMETER_API_KEY_SECRET: {SECRET}\n"
        f"BLAZEMETER_MASTER_ID: '{master_id}'\nBLAZEMETER_API_URL: {api_url}\n"
        f"BLAZEMETER_TEST_ID: '{TEST_IDS.get(master_id, '')}'\n" + extra_variables
    )
    commit_all(repo)
    # A job with an image gets CI_PROJECT_DIR=/builds/GROUP/PROJECT from gitlab-ci-local,
    # also under the shell executor, the names read from the remote (without one: the same
    # fallback.group/fallback.project for every run on the machine). The template makes its
    # venv there: shared, a venv of an earlier run already holds ci-gate 0.1.0, pip leaves it
    # be, and the job runs that earlier code. A project of its own per run, as a docker
    # runner's fresh /builds is, removed after the run (`_run`).
    subprocess.run(
        ["git", "remote", "add", "origin", f"{GITLAB_REMOTE}/{_project_name(repo)}.git"],
        cwd=repo,
        check=True,
        capture_output=True,
    )
    return repo


#: The remote each pipeline's repository names (never contacted: gitlab-ci-local only reads
#: the group and project from it) and where gitlab-ci-local puts that project's CI_PROJECT_DIR.
GITLAB_REMOTE = "https://gitlab.example.invalid/ci-gate-tests"
BUILDS = Path("/builds/ci-gate-tests")


def _project_name(repo: Path) -> str:
    """A project name no other run shares (the test's folder is unique on the machine)."""
    return "p-" + re.sub(r"[^a-z0-9]+", "-", str(repo.parent).lower()).strip("-")[-60:]


def _run(
    tmp_path: Path,
    scenario: Path,
    package: Path | str,
    extra_inputs: str = "",
    extra_variables: str = "",
    extra_jobs: str = "",
    jobs: tuple[str, ...] = ("blazemeter-gate",),
    extra_files: dict[str, str] | None = None,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    tool = require_tool("gitlab-ci-local")
    version = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == GITLAB_CI_LOCAL_VERSION
    require_tool("rsync")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CI_GATE_", "GITLAB_", "CI_"))}
    with simulator_process(scenario) as sim:
        repo = _pipeline_repo(
            tmp_path,
            sim.masters[0],
            sim.url,
            extra_inputs,
            extra_variables,
            str(package),
            extra_jobs,
            extra_files or {},
        )
        try:
            done = subprocess.run(
                [tool, "--force-shell-executor", *jobs],
                cwd=repo,
                capture_output=True,
                text=True,
                timeout=600,
                env=env,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        finally:
            shutil.rmtree(BUILDS / _project_name(repo), ignore_errors=True)
    return done, repo


@pytest.mark.heavy(10)
def test_a_failing_run_fails_the_job_and_still_brings_back_the_reports(
    tmp_path: Path, checkout_wheel: Path
) -> None:
    """The README's pipeline with the option inputs a user adds (ignore, fail_fast,
    stop_on_fail, regression, fail_on, fail_on_file): they reach the gate (two of the three
    ERROR events are waived, and summary.json names the pattern; the live criteria are
    judged), the one left fails the job, and the reports and gate.env come back all the
    same."""
    inputs = (
        '\n      ignore: "name=verdict|<<EOF"'
        '\n      fail_fast: "true"'
        '\n      stop_on_fail: "true"'
        '\n      regression: "p90=+50%"'
        f"{FAIL_ON_INPUTS}"
    )
    done, repo = _run(
        tmp_path,
        DATA / "pipeline-fail.json",
        checkout_wheel,
        extra_inputs=inputs,
        extra_files={"taurus.yml": TAURUS_CONFIG},
    )
    log = done.stdout + done.stderr
    assert done.returncode == 1, log
    assert "FAIL" in log
    report = repo / "ci-gate-report"
    assert_valid_junit((report / "junit.xml").read_bytes())
    assert (
        (report / "gate.env")
        .read_text()
        .startswith("CI_GATE_VERDICT=failed\nCI_GATE_EXIT_CODE=1\nCI_GATE_REPORT_ID=")
    )
    summary = json.loads((report / "summary.json").read_text())
    assert summary["ignore_patterns"] == ["name=verdict|<<EOF"]
    (master,) = summary["masters"]
    assert (master["ignored_events"], len(master["offending_events"])) == (2, 1)
    _assert_live_criteria(master, (report / "junit.xml").read_text())


#: Live criteria as a user adds them to the include's inputs: `fail_on` (multi-line, two
#: criteria) and `fail_on_file` (a Taurus config in the repository, read from the job's
#: checkout).
FAIL_ON_INPUTS = """
      fail_on: |
        p99 of Home>5s, continue as non-failed
        avg-rt>500ms within 1m, continue as non-failed
      fail_on_file: taurus.yml"""
#: Taurus's mapping form (message -> full-form criterion), a label holding `>`.
TAURUS_CONFIG = """\
reporting:
- module: passfail
  criteria:
    Search too slow:
      subject: avg-rt
      label: Search a>b
      condition: '>'
      threshold: 1500ms
      logic: for
      timeframe: 30s
      stop: false
"""


def _assert_live_criteria(master: dict[str, Any], junit: str) -> None:
    """The two lines of `fail_on` and the file's criterion reached the gate, in that
    order, each judged as pipeline-fail.json's data makes certain: its home page's p99 is
    700 ms (no timeframe: judged on the totals, holds); the run's average is 640 ms at full
    load (breaches within a minute, a warning only); its search page answers in 1,960 ms
    every second (breaches, a failure of its own in junit.xml)."""
    home, average, search = master["live_criteria"]
    assert (home["criterion"], home["state"], home["judged"]) == (
        "p99 of Home>5s, continue as non-failed",
        "ok",
        "at the end",
    )
    assert (average["state"], average["status"]) == ("breached", "non-failed")
    assert (search["message"], search["label"], search["logic"]) == (
        "Search too slow",
        "Search a>b",
        "for",
    )
    assert (search["state"], search["value"], search["action"]) == (
        "breached",
        1960.0,
        "continue",
    )
    assert 'type="live-criterion" message="live criterion \'Search too slow\' breached' in junit
    assert junit.count('type="live-criterion"') == 1  # the non-failed breach: a warning only


def _bin_without_git(folder: Path) -> Path:
    """A PATH directory with every command of today's PATH but git (python:3.12-slim has
    python3 and a shell, no git)."""
    folder.mkdir()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for entry in os.scandir(directory):
            if entry.name.startswith("git") or (folder / entry.name).exists():
                continue
            if os.access(entry.path, os.X_OK) and not entry.is_dir():
                (folder / entry.name).symlink_to(entry.path)
    return folder


@contextmanager
def _served_archive(url_path: str, tmp_path: Path) -> Iterator[str]:
    """This checkout as GitHub serves a tag's archive (`ci-gate-<version>/` inside), at
    `url_path` on loopback; the base URL to put in front of it."""
    archive = tmp_path / "archive.tar.gz"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    prefix = f"ci-gate-{release.current().version}"
    with tarfile.open(archive, "w:gz") as tar:
        for name in filter(None, (item.decode() for item in listed)):
            if (ROOT / name).is_file():
                tar.add(ROOT / name, arcname=f"{prefix}/{name}")
    body = archive.read_bytes()

    class Archive(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == url_path
            self.send_response(200 if found else 404)
            self.send_header("Content-Length", str(len(body) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Archive)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.heavy(14)
def test_a_passing_run_installed_without_git_brings_back_junit_and_dotenv(
    tmp_path: Path,
) -> None:
    """The template's default `package`, served from loopback instead of github.com, installs
    with git off PATH, as in the default python:3.12-slim image (a git+https default did not:
    "Cannot find command 'git'"); the passing run brings back every report."""
    spec, _jobs = gitlab_documents()
    default = Requirement(spec["spec"]["inputs"]["package"]["default"])
    assert default.url is not None
    github = "https://github.com"
    assert default.url.startswith(github + "/")
    no_git = _bin_without_git(tmp_path / "bin-without-git")
    # the README's job ends the example, so these lines continue it; a second job in the
    # same pipeline proves the jobs really run without git
    without_git = f"  variables:\n    PATH: {no_git}\n"
    probe = f"\nno-git-here:\n{without_git}  script:\n    - '! command -v git'\n"
    with _served_archive(default.url.removeprefix(github), tmp_path) as base:
        done, repo = _run(
            tmp_path,
            DATA / "pipeline-pass.json",
            package=f"{default.name} @ {base}{default.url.removeprefix(github)}",
            extra_jobs=without_git + probe,
            jobs=("blazemeter-gate", "no-git-here"),
        )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    assert "no-git-here" in log and "Cannot find command" not in log
    assert "PASS" in log and "blazemeter-gate" in log
    report = repo / "ci-gate-report"
    assert_valid_junit((report / "junit.xml").read_bytes())
    summary = json.loads((report / "summary.json").read_text())
    master = summary["masters"][0]
    assert master["id"].startswith("9")  # the master the job started from test 7100001
    assert "started test 7100001: master " + master["id"] in log
    assert (report / "gate.env").read_text() == (
        f"CI_GATE_VERDICT=passed\nCI_GATE_EXIT_CODE=0\nCI_GATE_REPORT_ID={summary['report_id']}\n"
        f"CI_GATE_MASTER_ID={master['id']}\nCI_GATE_REPORT_URL={master['report_url']}\n"
    )
    # the metrics report came back as an artifact, and a real OpenMetrics parser reads it
    families = list(
        text_string_to_metric_families(  # type: ignore[no-untyped-call]
            (report / "metrics.txt").read_text()
        )
    )
    assert {family.name for family in families} >= {"blazemeter_hits", "blazemeter_tp90"}
    assert SECRET not in log


def _poll_to_data_received(sim: Simulator) -> None:
    """Poll the hang scenario's master's status, as a gate that waited would have, until
    it reaches its last step: DATA_RECEIVED (progress 100), a run with data to stop."""
    key = base64.b64encode(f"{KEY_ID}:{SECRET}".encode()).decode()
    request = urllib.request.Request(
        f"{sim.url}/masters/{sim.masters[0]}/status", headers={"Authorization": f"Basic {key}"}
    )
    for _ in range(10):
        with urllib.request.urlopen(request, timeout=5) as answer:
            if json.load(answer)["result"]["status"] == "DATA_RECEIVED":
                return
    raise AssertionError("the hang scenario's master never reached DATA_RECEIVED")


@pytest.mark.parametrize(
    ("job_status", "verdict", "stopped", "started_by_the_job"),
    [
        ("canceled", None, True, False),
        ("failed", None, True, False),  # the job's own timeout killed the gate before its verdict
        ("failed", "cancelled", True, False),
        ("failed", "failed", False, False),  # the gate judged the run: nothing left to stop
        ("success", "passed", False, False),
        ("canceled", None, True, True),  # test_id: the master id is only in gate.env
    ],
)
def test_after_script_stops_the_master_on_cancel_and_job_timeout(
    tmp_path: Path, job_status: str, verdict: str | None, stopped: bool, started_by_the_job: bool
) -> None:
    """GitLab's shell executor sends no SIGTERM on cancel; the after_script does the stop."""
    shell = require_tool("sh")
    project = tmp_path / "project"
    (project / ".ci-gate-venv" / "bin").mkdir(parents=True)
    script = gate_script()
    assert script, f"ci-gate must be installed beside {sys.executable}"
    gate = str(script)
    (project / ".ci-gate-venv" / "bin" / "ci-gate").symlink_to(gate)
    with simulator("hang") as sim:  # in process: the after_script is under test, not simulate
        _poll_to_data_received(sim)
        report_dir = project / "ci-gate-report"
        report_dir.mkdir()
        if verdict is not None:
            (report_dir / "gate.env").write_text(f"CI_GATE_VERDICT={verdict}\n")
        if started_by_the_job:  # what `ci-gate run` writes the moment it has the id
            (report_dir / "gate.env").write_text(f"CI_GATE_MASTER_ID={sim.masters[0]}\n")
        env = gate_env(
            CI_PROJECT_DIR=str(project),
            CI_JOB_STATUS=job_status,
            CI_GATE_MASTER_ID="" if started_by_the_job else sim.masters[0],
            CI_GATE_REPORT_DIR=str(report_dir),
            BLAZEMETER_API_URL=sim.url,
        )
        done = subprocess.run(
            [shell, "-c", gitlab_script("after_script")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        posts = [c["path"] for c in sim.calls() if c["method"] == "POST"]
    assert done.returncode == 0, done.stderr
    assert posts == (["/api/v4/masters/30000001/stop"] if stopped else [])


@pytest.mark.heavy(10)
def test_a_merge_request_pipeline_posts_the_note(tmp_path: Path, checkout_wheel: Path) -> None:
    token = "glpat-ci-gate-TOKEN-77"
    with fake_platform("gitlab", token) as gitlab:
        done, _repo = _run(
            tmp_path,
            DATA / "pipeline-pass.json",
            checkout_wheel,
            extra_inputs='\n      comment: "true"',
            extra_variables=(
                "CI_MERGE_REQUEST_IID: '8'\n"
                f"CI_API_V4_URL: {gitlab.url}/api/v4\n"
                "CI_PROJECT_ID: '4242'\n"
                f"CI_GATE_GITLAB_TOKEN: {token}\n"
            ),
        )
        notes = gitlab.comments(8)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    assert len(notes) == 1, log
    assert notes[0]["body"].startswith("<!-- ci-gate: blazemeter-gate -->\n# ci-gate: ✅ passed")
    assert token not in log and SECRET not in log
