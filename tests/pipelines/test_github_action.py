"""The action, run by `act` on the host against `ci-gate simulate`, as a user's workflow;
the path that ends before any request (no credentials), its gate step alone under bash."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.fake_platforms import fake_platform
from tests.support.helpers import (
    DATA,
    KEY_ID,
    SECRET,
    assert_valid_junit,
    gate_command,
    gate_env,
    parse_github_outputs,
    simulator,
    simulator_process,
    tracked_copy,
)
from tests.support.shell import PINNED_REQUIREMENT, ROOT, commit_all
from tests.support.tools import require_tool
from tools import release

# Appended to the README's example workflow by the test: it records what the step left.
RECORD_STEP = """
      - name: record what the gate left (test harness)
        if: always()
        env:
          VERDICT: ${{ steps.gate.outputs.verdict }}
          EXIT_CODE: ${{ steps.gate.outputs.exit-code }}
          JUNIT: ${{ steps.gate.outputs.junit-path }}
          SUMMARY: ${{ steps.gate.outputs.summary-path }}
          REPORT_URL: ${{ steps.gate.outputs.report-url }}
          MASTER: ${{ steps.gate.outputs.master-id }}
        run: |
          printf '%s\\n' "verdict=$VERDICT" "exit-code=$EXIT_CODE" "junit-path=$JUNIT" \\
            "summary-path=$SUMMARY" "report-url=$REPORT_URL" "master-id=$MASTER" \\
            > "$RESULT_DIR/outputs"
          cp "$JUNIT" "$RESULT_DIR/junit.xml"
          cp "$SUMMARY" "$RESULT_DIR/summary.json"
"""


def _workflow_repo(tmp_path: Path, example_name: str) -> Path:
    repo = tmp_path / "repo"
    workflows = repo / ".github" / "workflows"
    workflows.mkdir(parents=True)
    example = (ROOT / "examples" / example_name).read_text()
    (workflows / "gate.yml").write_text(example.rstrip("\n") + "\n" + RECORD_STEP)
    commit_all(repo)
    return repo


_CHECKOUT: list[Path] = []


def _action_checkout() -> Path:
    """The action as a checkout of this repository has it (no .venv riding along): made
    once per test process, outside every test's folder."""
    if not _CHECKOUT:
        _CHECKOUT.append(tracked_copy(Path(tempfile.mkdtemp(prefix="ci-gate-action-"))))
    return _CHECKOUT[0]


def _act(
    tmp_path: Path,
    scenario: Path,
    *,
    with_secrets: bool = True,
    example: str = "github-workflow.yml",
    event: tuple[str, Path] | None = None,
    extra_env: dict[str, str] | None = None,
    extra_secrets: str = "",
) -> tuple[subprocess.CompletedProcess[str], dict[str, str], Path]:
    act = require_tool("act")
    repo = tmp_path / "repo"
    if not repo.exists():
        repo = _workflow_repo(tmp_path, example)
    results = tmp_path / "results"
    shutil.rmtree(results, ignore_errors=True)
    results.mkdir()
    secrets = tmp_path / "secrets"
    secrets.write_text(
        (
            f"BLAZEMETER_API_KEY_ID={KEY_ID}\nBLAZEMETER_API_KEY_SECRET={SECRET}\n"
            if with_secrets
            else ""
        )
        + extra_secrets
    )
    event_args = ["push"] if event is None else [event[0], "-e", str(event[1])]
    env_args = [
        arg for name, value in (extra_env or {}).items() for arg in ("--env", f"{name}={value}")
    ]
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_GATE_", "RUNNER_"))
    }
    # act's host-mode work dir lives under $XDG_CACHE_HOME/act/<hash of the job>: two act
    # runs at once (two checkouts under test) would share it, so each test has its own
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg-cache")
    with simulator_process(scenario) as sim:
        done = subprocess.run(
            [
                act,
                *event_args,
                *env_args,
                "-P",
                "ubuntu-latest=-self-hosted",
                "--local-repository",
                f"{release.current().action}={_action_checkout()}",
                "--secret-file",
                str(secrets),
                # the README's workflows read both from the repository's variables
                "--var",
                f"BLAZEMETER_TEST_ID={TEST_IDS[scenario.name]}",
                "--var",
                f"BLAZEMETER_API_URL={sim.url}",
                "--local-repository",
                f"{UPLOAD_ARTIFACT}={STAND_IN}",
                "--env",
                f"RESULT_DIR={results}",
            ],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    outputs_file = results / "outputs"
    outputs = (
        dict(line.split("=", 1) for line in outputs_file.read_text().splitlines())
        if outputs_file.exists()
        else {}
    )
    return done, outputs, results


#: The README pins actions/upload-artifact by SHA; act runs a stand-in under that name.
UPLOAD_ARTIFACT = "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02"
STAND_IN = ROOT / "tests" / "support" / "upload-artifact"

#: The test each pipeline scenario lets the action start (`ci-gate run`).
TEST_IDS = {"pipeline-pass.json": "7100001", "pipeline-fail.json": "7200001"}


@pytest.mark.heavy(15)
def test_a_passing_run_started_by_the_action(tmp_path: Path) -> None:
    done, outputs, results = _act(tmp_path, DATA / "pipeline-pass.json")
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    assert "Job succeeded" in log
    report_url, master_id = outputs.pop("report-url"), outputs.pop("master-id")
    assert outputs == {
        "verdict": "passed",
        "exit-code": "0",
        "junit-path": "ci-gate-report/junit.xml",
        "summary-path": "ci-gate-report/summary.json",
    }
    assert re.fullmatch(r"9\d{7}", master_id)  # a master the simulator made for the start
    assert f"started test 7100001: master {master_id}" in log
    assert re.fullmatch(rf"http://127\.0\.0\.1:\d+/app/#/masters/{master_id}/summary", report_url)
    assert "Summary - # ci-gate: ✅ passed" in log  # the step summary
    assert_valid_junit((results / "junit.xml").read_bytes())
    assert SECRET not in log
    # the upload step kept the whole report set, report.html with it
    assert (results / "artifact-name").read_text().strip() == "ci-gate-report"
    kept = sorted(path.name for path in (results / "artifact").iterdir())
    assert {"junit.xml", "report.html", "summary.json", "summary.md"} <= set(kept), kept
    assert "ci-gate: passed" in (results / "artifact" / "report.html").read_text()


# two installs since the start job joined it (ci-gate start from the wheel, then the
# action): about twice the CPU of the other act runs (17 s against 8 s, measured)
@pytest.mark.heavy(30)
def test_a_failing_run_cannot_be_talked_into_passing(tmp_path: Path, checkout_wheel: Path) -> None:
    """The README's wait workflow: one job starts the test (`ci-gate start`, installed from
    this checkout instead of the release) and hands the master id on as a job output; the
    next waits for it with the option inputs a user adds (ignore, stop-on-fail, no-note,
    allow-insecure-http): they reach the gate (two of the three ERROR events are waived,
    and summary.json names the pattern), and the one left fails the step however its text
    tries to forge a pass."""
    repo = _workflow_repo(tmp_path, "github-workflow-wait.yml")
    workflow = repo / ".github" / "workflows" / "gate.yml"
    assert PINNED_REQUIREMENT in workflow.read_text()
    workflow.write_text(
        workflow.read_text()
        .replace(PINNED_REQUIREMENT, str(checkout_wheel))
        .replace(
            '          stop-on-cancel: "true"\n',
            '          stop-on-cancel: "true"\n'
            '          ignore: "name=verdict|<<EOF"\n'
            '          stop-on-fail: "true"\n'
            '          no-note: "true"\n'
            '          allow-insecure-http: "true"\n'
            f"{FAIL_ON_INPUTS}",
            1,
        )
    )
    commit_all(repo)
    done, outputs, results = _act(tmp_path, DATA / "pipeline-fail.json")
    log = done.stdout + done.stderr
    assert done.returncode != 0 and "Job failed" in log, log
    assert outputs["verdict"] == "failed" and outputs["exit-code"] == "1", log
    assert "::set-output:: verdict=passed" not in log
    # the start job's step ended 0 and says so (every path hands its exit code on); the
    # gate's never does
    assert "::set-output:: exit-code=0" in "\n".join(
        line for line in log.splitlines() if "[load test gate/start]" in line
    )
    assert "::set-output:: exit-code=0" not in "\n".join(
        line for line in log.splitlines() if "[load test gate/start]" not in line
    )
    assert "Summary - # ci-gate: ❌ failed" in log
    assert "forged annotation" in log  # shown, but only as inert text
    for line in log.splitlines():
        assert not line.lstrip().startswith("::error::forged")
    assert_valid_junit((results / "junit.xml").read_bytes())
    summary = json.loads((results / "summary.json").read_text())
    assert summary["ignore_patterns"] == ["name=verdict|<<EOF"]
    (master,) = summary["masters"]
    # the master the start job started (the simulator's 9xxxxxxx), handed on as a job output
    assert re.fullmatch(r"9\d{7}", master["id"]) and outputs["master-id"] == master["id"]
    assert (master["ignored_events"], len(master["offending_events"])) == (2, 1)
    assert "forged annotation" in master["offending_events"][0]["message"]
    _assert_live_criteria(master, (results / "junit.xml").read_text())
    assert SECRET not in log
    # `if: always()`: the failed gate's reports are kept all the same
    assert "ci-gate: failed" in (results / "artifact" / "report.html").read_text()


#: The live criteria the failing run's workflow adds: `fail-on` (multi-line, the first with
#: a message and a quoted label holding `>`) and `warmup`, as a user writes them in `with:`.
FAIL_ON_INPUTS = """\
          fail-on: |
            Search slow: avg-rt of "Search a>b">1500ms for 30s, continue as failed
            hits of Home<1 over 1m
          warmup: 10s
"""


def _assert_live_criteria(master: dict[str, Any], junit: str) -> None:
    """Both lines of `fail-on` reached the gate as two criteria, and `warmup` with them:
    pipeline-fail.json's search page answers in 1,960 ms every second, so the first
    breaches on the 30 s after the 10 s warm-up (a failure of its own in junit.xml); its
    home page has hits every second, so the second holds."""
    slow, home = master["live_criteria"]
    assert (slow["message"], slow["label"], slow["logic"], slow["timeframe"]) == (
        "Search slow",
        "Search a>b",
        "for",
        30,
    )
    assert (slow["state"], slow["value"], slow["action"]) == ("breached", 1960.0, "continue")
    first = master["kpi_timeline"]["ALL"][0]["ts"]
    window = [datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() for t in slow["window"]]
    assert window == [first + 10, first + 39]  # the warm-up's 10 s, then 30 s breaching
    assert (home["label"], home["logic"], home["state"]) == ("Home", "over", "ok")
    assert 'type="live-criterion" message="live criterion \'Search slow\' breached' in junit


@pytest.fixture(autouse=True)
def _no_stale_act_cache() -> None:
    """act caches a local action by name and ref; a stale copy would test old code."""
    cache = Path.home() / ".cache" / "act"
    for path in cache.glob("*"):
        if path.is_dir() and (path / "act").exists():
            shutil.rmtree(path, ignore_errors=True)


def _gate_step() -> dict[str, Any]:
    action: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    (step,) = [step for step in action["runs"]["steps"] if step.get("id") == "gate"]
    gate: dict[str, Any] = step
    return gate


def _step_env(workflow_with: dict[str, str], context: dict[str, str]) -> dict[str, str]:
    """What the runner gives the action's gate step: each `${{ inputs.NAME }}` of its env:
    as the workflow's `with:` value (its `${{ env.X }}` and `${{ secrets.X }}` looked up
    in `context`; a secret that is not set is empty), or else the input's default."""
    action: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    defaults = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}

    def resolve(value: str) -> str:
        return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", lambda m: context.get(m.group(1), ""), value)

    env = {}
    for name, template in _gate_step()["env"].items():
        match = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", template)
        assert match, (name, template)
        given = workflow_with.get(match.group(1), defaults[match.group(1)])
        env[name] = resolve(str(given))
    return env


def test_missing_credentials_fail_the_step_with_exit_code_2(tmp_path: Path) -> None:
    """The README's workflow with its two secrets not set: the action's gate step, run by
    bash as the runner runs it (the env: its inputs give it, this checkout's ci-gate in the
    venv the install step makes), fails with exit-code 2, no verdict, and the one line
    that says what to set. (The composite action under act, inputs, outputs and install,
    is run by the other tests here; this path ends before any request.)"""
    workflow: dict[str, Any] = yaml.safe_load(
        (ROOT / "examples" / "github-workflow.yml").read_text()
    )
    (job,) = workflow["jobs"].values()
    (uses,) = [step for step in job["steps"] if step.get("id") == "gate"]
    runner_temp = tmp_path / "runner-temp"
    launcher = runner_temp / "ci-gate-venv" / "bin" / "ci-gate"
    launcher.parent.mkdir(parents=True)
    launcher.write_text(f'#!/bin/sh\nexec {shlex.join(gate_command())} "$@"\n')
    launcher.chmod(0o755)
    script = tmp_path / "step.sh"
    script.write_text(_gate_step()["run"])
    output = tmp_path / "github-output"
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    with simulator(DATA / "pipeline-pass.json") as sim:
        env = gate_env(
            GITHUB_ACTIONS="true",
            GITHUB_EVENT_NAME="push",
            GITHUB_OUTPUT=str(output),
            GITHUB_ACTION_PATH=str(ROOT),
            RUNNER_TEMP=str(runner_temp),
            **_step_env(
                uses["with"],
                {
                    "env.BLAZEMETER_TEST_ID": TEST_IDS["pipeline-pass.json"],
                    "env.BLAZEMETER_API_URL": sim.url,
                },
            ),
        )
        del env["BLAZEMETER_API_KEY_ID"], env["BLAZEMETER_API_KEY_SECRET"]  # not set
        done = subprocess.run(
            [require_tool("bash"), "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=workspace,
            check=False,
        )
        calls = sim.calls()
    log = done.stdout + done.stderr
    outputs = parse_github_outputs(output.read_text())
    assert done.returncode == 2, log  # the step fails
    assert outputs["exit-code"] == "2" and outputs.get("verdict", "") == "", outputs
    assert "missing credentials: set BLAZEMETER_API_KEY_ID and BLAZEMETER_API_KEY_SECRET" in log
    assert calls == []


@pytest.mark.heavy(15)
def test_a_pull_request_re_run_updates_its_comment_and_touches_no_other(tmp_path: Path) -> None:
    """The README's pull-request workflow under act, against a fake GitHub API that holds
    what an earlier run of the job left (its comment, found by the marker) and a reviewer's
    comment: one act run updates ours in place and leaves the reviewer's alone. (Posting the
    first comment is the same code path, covered against the real process in
    tests/e2e/test_comment.py.)"""
    token = "ghs_act-TOKEN-1234"
    marker = "<!-- ci-gate: load test gate/blazemeter-gate -->"
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 21, "head": {"ref": "x"}}}))
    with fake_platform("github", token) as github:
        reviewer = github.add(21, "looks slow to me", user="a-reviewer")
        earlier = github.add(
            21, f"{marker}\n# ci-gate: ❌ failed (an earlier run)", user=github.poster
        )
        done, outputs, _ = _act(
            tmp_path,
            DATA / "pipeline-pass.json",
            example="github-workflow-pr.yml",
            event=("pull_request", event),
            extra_env={"GITHUB_API_URL": github.url},
            extra_secrets=f"GITHUB_TOKEN={token}\n",
        )
        comments = github.comments(21)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    assert outputs["verdict"] == "passed"
    assert "review comment updated" in log, log
    assert [comment["id"] for comment in comments] == [reviewer, earlier]
    assert comments[0]["body"] == "looks slow to me"
    assert comments[1]["body"].startswith(f"{marker}\n# ci-gate: ✅ passed")
    assert token not in log and SECRET not in log
