"""Shared test helpers: real processes on loopback, report checks, builders."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lxml import etree

from ci_gate.domain.findings import CriteriaMode
from ci_gate.domain.outcome import MasterOutcome, Outcome, Seen, StatusChange
from ci_gate.domain.run import Event, Traffic
from ci_gate.domain.verdict import Verdict
from ci_gate.judging.combine import Rules, combine_run
from ci_gate.simulator.scenario import BUILTIN_DIR, load_scenario
from ci_gate.simulator.server import SimulatorServer
from ci_gate.wait.progress import ProgressSink

ROOT = Path(__file__).parents[2]
DATA = ROOT / "tests" / "data"
SECRET = "s3cr3t-CANARY-7f9a1b2c"
#: Rows of the fault matrix (tests/e2e/test_faults.py), printed at the end of the run:
#: fault, verdict, exit code, seconds, status requests (-1: no server), reports.
FAULT_MATRIX: list[tuple[str, str, int, float, int, str]] = []
KEY_ID = "key-id-4242"
#: Scenario steps: a running master, and its end.
STATE_START = {
    "status": "DATA_RECEIVED",
    "events": [{"message": "Status changed to DATA_RECEIVED (100)"}],
}
STATE_END = {"status": "ENDED", "events": [{"message": "Status changed to ENDED (140)"}]}


def gate_script() -> Path | None:
    """The `ci-gate` console script installed beside the Python running the tests.

    Found beside `sys.executable`, never on PATH: a newcomer runs `.venv/bin/python -m
    pytest` without activating the venv, so PATH holds no `ci-gate` (or another one)."""
    script = Path(sys.executable).parent / "ci-gate"
    return script if script.is_file() else None


def gate_command() -> list[str]:
    """The installed `ci-gate` console script, or `python -m ci_gate` (the same program)."""
    script = gate_script()
    return [str(script)] if script else [sys.executable, "-m", "ci_gate"]


def gate_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CI_GATE_", "BLAZEMETER_", "GITHUB_", "GITLAB_"))
        and key not in ("CI",)
    }
    env.update(BLAZEMETER_API_KEY_ID=KEY_ID, BLAZEMETER_API_KEY_SECRET=SECRET)
    env.update(extra)
    return env


@dataclass
class Simulator:
    url: str
    masters: list[str]

    def calls(self) -> list[dict[str, Any]]:
        base = self.url.rsplit("/api/v4", 1)[0]
        with urllib.request.urlopen(f"{base}/_simulator/calls", timeout=5) as answer:
            calls: list[dict[str, Any]] = json.load(answer)["calls"]
        return calls

    def first_call_at(self) -> float:
        """When the first request arrived (`time.time()`): the gate is up and running."""
        calls = self.calls()
        assert calls, "the simulator was sent no request"
        return min(float(call["at"]) for call in calls)


#: What a loaded machine may add to a gate process before it sends its first request: the
#: interpreter's start and its imports take seconds on CI's 2 cores beside 4 xdist workers,
#: Chromium, act and Jenkins (a trickle test took 9.8 s for a 3 s deadline there). A bound
#: on the gate's own time is measured from its first request (`GateRun.ended_at` minus
#: `Simulator.first_call_at()`); only an outer bound, from the process's start, adds this,
#: so a gate that outlives its deadline by 10 s or hangs still fails the first.
START_UP_UNDER_LOAD = 10.0


_FIRST_LINE = re.compile(r"serving (\S+) masters ([\d ]+) \(scenario")


@contextmanager
def simulator(scenario: str | Path, *extra: str) -> Iterator[Simulator]:
    """The simulator `ci-gate simulate` runs, serving real HTTP on a free loopback port from
    threads of this test process; the gate under test is still its own real process. (One
    interpreter start-up fewer per test; `simulator_process` is the command itself.)

    `extra` takes the command's `--port N` and `--latency SECONDS`."""
    options = dict(zip(extra[::2], extra[1::2], strict=True))
    unknown = set(options) - {"--port", "--latency"}
    assert not unknown, f"simulator() takes --port and --latency, not {sorted(unknown)}"
    scenario_run = load_scenario(str(scenario))
    server = SimulatorServer(
        scenario_run,
        port=int(options.get("--port", "0")),
        latency=float(options.get("--latency", "0")),
    )
    thread = server.start_in_thread()
    try:
        yield Simulator(server.base_url, list(scenario_run.masters))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def simulator_process(scenario: str | Path, *extra: str) -> Iterator[Simulator]:
    """`ci-gate simulate` as a real process on a free loopback port."""
    process = subprocess.Popen(
        [*gate_command(), "simulate", "--scenario", str(scenario), "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=gate_env(),
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 15)
        line = process.stdout.readline() if ready else ""
        match = _FIRST_LINE.search(line)
        if not match:
            process.kill()
            _, err = process.communicate(timeout=5)
            raise AssertionError(f"simulator did not start: {line!r} {err!r}")
        yield Simulator(match.group(1), match.group(2).split())
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


@dataclass
class GateRun:
    code: int
    stdout: str
    stderr: str
    seconds: float
    report_dir: Path
    #: when the process had exited, by `time.time()` (the simulator's call log's clock)
    ended_at: float = 0.0

    @property
    def summary(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.report_dir / "summary.json").read_text())
        return data

    @property
    def junit(self) -> bytes:
        return (self.report_dir / "junit.xml").read_bytes()

    @property
    def markdown(self) -> str:
        return (self.report_dir / "summary.md").read_text()


def run_gate(
    args: list[str], report_dir: Path, *, env: dict[str, str] | None = None, timeout: float = 120
) -> GateRun:
    started = time.monotonic()
    done = subprocess.run(
        [*gate_command(), *args],
        capture_output=True,
        text=True,
        env=env or gate_env(),
        timeout=timeout,
        check=False,
        cwd=report_dir.parent,
    )
    return GateRun(
        done.returncode,
        done.stdout,
        done.stderr,
        time.monotonic() - started,
        report_dir,
        time.time(),
    )


def wait_args(
    sim: Simulator, report_dir: Path, *extra: str, masters: list[str] | None = None
) -> list[str]:
    return [
        "wait",
        *(masters or sim.masters),
        "--api-url",
        sim.url,
        "--interval",
        "0.1",
        "--report-dir",
        str(report_dir),
        *extra,
    ]


def run_args(test_id: str, url: str, report_dir: Path, *extra: str) -> list[str]:
    """`ci-gate run TEST_ID` against the simulator, polling every 0.1 s."""
    return [
        "run",
        test_id,
        "--api-url",
        url,
        "--interval",
        "0.1",
        "--report-dir",
        str(report_dir),
        *extra,
    ]


def start_gate_until(
    args: list[str], needle: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """Start the real `ci-gate` in the background; return once it has printed `needle`.

    Read straight from the pipe (`read_until`): a line-reader's buffer could hold the
    needle's line, come in one read with the line before, while `select` waits for more
    (a loaded machine sends lines together: CI waited 30 s for a printed DATA_RECEIVED)."""
    process = subprocess.Popen(
        [*gate_command(), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or gate_env(),
    )
    try:
        read_until(process, needle, 30)
    except AssertionError:
        process.kill()
        process.communicate()
        raise
    return process


def read_until(process: subprocess.Popen[str], needle: str, seconds: float = 30.0) -> str:
    """What the gate has printed on stdout up to the line holding `needle` (and whatever
    came with it), read straight from the pipe, so that `communicate()` later returns the
    rest: no line is lost, none waits in a reader's buffer. Fails after `seconds`."""
    assert process.stdout is not None
    descriptor = process.stdout.fileno()
    seen = b""
    deadline = time.monotonic() + seconds
    while needle.encode() not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"the gate never printed {needle!r} (within {seconds:g} s): {seen!r}"
        ready, _, _ = select.select([descriptor], [], [], left)
        if ready:
            piece = os.read(descriptor, 65536)
            assert piece, f"the gate closed stdout without printing {needle!r}: {seen!r}"
            seen += piece
    return seen.decode()


def read_all_noting_first_output(
    process: subprocess.Popen[str], seconds: float
) -> tuple[float | None, str, str]:
    """Read a gate's stdout and stderr to their end: (when its first byte came on either,
    by `time.monotonic()`, or None; stdout; stderr). Its first line (a request's trouble,
    say) marks it up and running, past the interpreter's start-up. Killed after `seconds`."""
    assert process.stdout is not None and process.stderr is not None
    streams = {process.stdout.fileno(): b"", process.stderr.fileno(): b""}
    first: float | None = None
    deadline = time.monotonic() + seconds
    open_ = set(streams)
    while open_:
        left = deadline - time.monotonic()
        if left <= 0:
            process.kill()
            raise AssertionError(f"the gate still ran after {seconds:g} s: {streams!r}")
        ready, _, _ = select.select(list(open_), [], [], left)
        for descriptor in ready:
            piece = os.read(descriptor, 65536)
            if not piece:
                open_.discard(descriptor)
                continue
            if first is None:
                first = time.monotonic()
            streams[descriptor] += piece
    process.wait(timeout=max(deadline - time.monotonic(), 1))
    out, err = (streams[stream.fileno()].decode() for stream in (process.stdout, process.stderr))
    return first, out, err


def wait_for_calls(
    sim: Simulator, count: int, *, method: str, path_part: str = "", seconds: float = 20.0
) -> None:
    """Block until the simulator has been sent `count` matching requests (its call log,
    looked at every 50 ms); fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        calls = sim.calls()
        if sum(1 for c in calls if c["method"] == method and path_part in c["path"]) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} {method} {path_part} requests arrived")


_SCHEMA: etree.XMLSchema | None = None


def junit_schema() -> etree.XMLSchema:
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = etree.XMLSchema(etree.parse(str(DATA / "junit-10.xsd")))
    return _SCHEMA


def assert_valid_junit(document: bytes) -> None:
    tree = etree.fromstring(document)
    schema = junit_schema()
    assert schema.validate(tree), schema.error_log


#: The reports every wait leaves; metrics.txt joins them when a master has KPIs.
CORE_REPORTS = ["junit.xml", "report.html", "summary.json", "summary.md"]


def core_reports(folder: Path) -> list[str]:
    """The report files in a folder, leaving out the optional metrics.txt."""
    return sorted(p.name for p in folder.iterdir() if p.name != "metrics.txt")


def assert_no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text, text


def with_report_fault(
    directory: Path, builtin: str, master_id: str, endpoint: str, status: int
) -> Path:
    """A built-in scenario whose master answers `endpoint` with HTTP `status`, forever."""
    scenario = json.loads((BUILTIN_DIR / f"{builtin}.json").read_text())
    scenario["masters"][master_id]["report"]["faults"] = {
        endpoint: {"fault": {"http_status": status}, "repeat": "forever"}
    }
    path = directory / f"{builtin}-{endpoint}-{status}.json"
    path.write_text(json.dumps(scenario))
    return path


def mock_live_data(mock: Any, api: str) -> None:
    """A requests-mock `Mocker` serving the live data endpoints of a run without data
    (the wait reads them after the end, for report.html's charts)."""
    mock.get(f"{api}/data/labels", json={"api_version": 2, "error": None, "result": []})
    mock.get(f"{api}/data/kpis", json={"api_version": 2, "error": None, "result": []})


def write_scenario(directory: Path, masters: dict[str, Any], **top: Any) -> Path:
    path = directory / "scenario.json"
    path.write_text(json.dumps({"masters": masters, **top}))
    return path


def event(
    level: str = "ERROR",
    message: str = "boom",
    t: int | None = 1_700_000_000,
    session: str | None = "r-v4-x",
) -> Event:
    """An event as the server would send it; its level's number is read from `level`."""
    return Event(
        t=t,
        level=level,
        message=message,
        session_id=session,
        source="system",
    )


def make_outcome(*masters: MasterOutcome, threshold: int = 400) -> Outcome:
    """The run's outcome over these masters, as the product decides it (`combine_run`:
    its verdict, exit code and reason), at a fixed time with no traffic."""
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    rules = Rules(level=threshold, criteria=CriteriaMode.ON, limits=(), timeout=3600.0)
    return combine_run(
        masters,
        rules,
        signal_number=None,
        started_at=now,
        finished_at=now,
        traffic=Traffic(),
        ignore_patterns=(),
        waited=0.0,
    )


def master_outcome(
    verdict: str = "passed", offending: tuple[Event, ...] = (), **fields: Any
) -> MasterOutcome:
    """A master's outcome as stated: the fields of what its watch saw (status, progress,
    events, offending, ignored, timeline, stop_requests) go into its `Seen`, the rest are
    the outcome's own (its counts and last stop action are read from them)."""
    seen: dict[str, Any] = {
        "status": "ENDED",
        "progress": 140,
        # seen when make_outcome's wait began
        "timeline": (
            StatusChange(datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc), 0.0, "ENDED", 140),
        ),
        "offending": offending,
    }
    names = {field.name for field in dataclasses.fields(Seen)}
    seen.update({name: value for name, value in fields.items() if name in names})
    own = {name: value for name, value in fields.items() if name not in names}
    own.setdefault("master_id", "123")
    return MasterOutcome(verdict=Verdict(verdict), seen=Seen(**seen), **own)


#: Every element report.html writes itself; anything else would have come from server text.
OWN_HTML_TAGS = frozenset(
    {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "main",
        "header",
        "h1",
        "h2",
        "h3",
        "h4",
        "p",
        "strong",
        "span",
        "section",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "ul",
        "li",
        "a",
        "code",
        "bdi",
        "footer",
        "div",
        "svg",
        "text",
        "line",
        "rect",
        "circle",
        "polyline",
        "path",
    }
)


#: The HTML elements our own summary.md produces (pre: the trend's sparklines, no server
#: text inside); anything else came from server text.
OWN_MARKDOWN_TAGS = frozenset(
    "h1 h2 h3 p strong code pre table thead tbody tr th td ul li".split()  # noqa: SIM905
)


def markdown_html(markdown: str) -> str:
    """summary.md rendered the way GitHub renders it: tables, raw HTML and autolinks on."""
    from markdown_it import MarkdownIt

    html: str = MarkdownIt("gfm-like").render(markdown)
    return html


def assert_inert_markdown(markdown: str) -> None:
    """Rendered, the Markdown has only our own elements: no link, image, HTML or emphasis
    from the server, and every table row has as many cells as its header."""
    html = markdown_html(markdown)
    # our one link: the master's BlazeMeter report, whose URL we compose ourselves
    for link in re.findall(r"<a [^>]*>.*?</a>", html, flags=re.S):
        assert re.fullmatch(
            r'<a href="https?://[^"<>]+/app/(\?public-token=\w+)?#/masters/\d+/summary">'
            r"BlazeMeter report</a>",
            link,
        ), link
    html = re.sub(r"<a [^>]*>BlazeMeter report</a>", "", html)
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", html))
    assert tags <= OWN_MARKDOWN_TAGS, sorted(tags - OWN_MARKDOWN_TAGS)
    for table in re.findall(r"<table>.*?</table>", html, flags=re.S):
        header = len(re.findall(r"<th[ >]", table))
        for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]:
            assert len(re.findall(r"<td[ >]", row)) == header, row


def parse_github_outputs(text: str) -> dict[str, str]:
    """Read $GITHUB_OUTPUT the way the runner does: `name<<DELIMITER`, lines, `DELIMITER`."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        match = re.fullmatch(r"([\w-]+)<<(\S+)", line)
        assert match, line
        value: list[str] = []
        for inner in lines:
            if inner == match.group(2):
                break
            value.append(inner)
        outputs[match.group(1)] = "\n".join(value)
    return outputs


def publish_to_github(outcome: Outcome, paths: Any, folder: Path) -> tuple[str, Path, Path]:
    """Run the GitHub adapter as inside Actions: (log text, $GITHUB_OUTPUT, step summary),
    with the exit code `cli.main` hands on after it (`ci.tell_exit_code`)."""
    from ci_gate.ci import publish, tell_exit_code
    from ci_gate.config.ci_env import detect_ci

    output_file, summary_file = folder / "gh-output", folder / "gh-summary"
    stream = io.StringIO()
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output_file),
        "GITHUB_STEP_SUMMARY": str(summary_file),
    }
    ci = detect_ci(env)
    publish(outcome, paths, ci, stream)
    tell_exit_code(ci, outcome.exit_code, stream)
    return stream.getvalue(), output_file, summary_file


class SilentProgress(ProgressSink):
    """A progress sink that shows nothing (for unit tests and benches)."""

    def status_changed(
        self, master_id: str, status: str, progress: int | None, elapsed: float
    ) -> None:
        return None

    def offending_event(self, master_id: str, event: Event, elapsed: float) -> None:
        return None

    def heartbeat(
        self, master_id: str, status: str, progress: int | None, elapsed: float, left: float
    ) -> None:
        return None

    def note(self, message: str) -> None:
        return None


README = (ROOT / "README.md").read_text()


def first_screen_commands() -> list[str]:
    """The shell commands in the README's first code block (its first screen)."""
    block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def tracked_copy(target: Path) -> Path:
    """The tracked and new files of this checkout, as a fresh clone has them: no venv, no
    caches (the README's test command makes .venv inside the checkout)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for name in listed:
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target
