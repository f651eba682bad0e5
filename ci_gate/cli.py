"""`ci-gate`: argument parsing, environment fallbacks, one clear line per failure, exit.

Heavy imports (requests, the simulator) happen inside the commands, so `--help` and
`--version` stay fast. Every `CiGateError` becomes one line on stderr and its exit code;
an unexpected exception becomes one line and exit 4 (set CI_GATE_DEBUG=1 for the trace).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

from ci_gate import __version__
from ci_gate.errors import EXIT_API, EXIT_USAGE, CiGateError
from ci_gate.settings import (
    ApiSettings,
    RunSettings,
    StartSettings,
    WaitSettings,
    add_arguments,
    parse_master_ids,
    parse_seconds,
    parse_test_id,
    print_traceback_if_debugging,
    resolve,
    resolve_api,
    resolve_wait,
)
from ci_gate.signals import Cancelled, ExitNow, SignalGuard
from ci_gate.streams import steady_standard_streams
from ci_gate.verdict import Verdict

EPILOG = """exit codes: 0 passed, 1 failed (an offending event or failed criteria), 2 usage or
configuration error, 3 timeout, 4 API error, 5 broken (no usable result), 129 SIGHUP,
130 SIGINT, 143 SIGTERM"""


class _Parser(argparse.ArgumentParser):
    """argparse that never echoes an unknown argument's value (it may be a pasted secret)."""

    def error(self, message: str) -> NoReturn:
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            message = prefix + _option_names_only(message[len(prefix) :].split(" "))
        super().error(message)


def _option_names_only(tokens: list[str]) -> str:
    names = [token.split("=", 1)[0] for token in tokens if token.startswith("-")]
    hidden = len(tokens) - len(names)
    if hidden:
        noun = "value" if hidden == 1 else "values"
        names.append(f"(and {hidden} {noun}, not shown)")
    return " ".join(names)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ci-gate",
        allow_abbrev=False,
        description="Make a BlazeMeter load-test run a gate in a CI/CD pipeline.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ci-gate {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    wait = commands.add_parser(
        "wait",
        allow_abbrev=False,
        help="wait for test runs to end, judge their events, write reports",
        description="Block until every master ends or the deadline passes; fail when an "
        "event at or above the threshold appears; write junit.xml, summary.json, summary.md.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    wait.add_argument("master_ids", nargs="+", metavar="MASTER_ID", help="BlazeMeter masterId(s)")
    add_arguments(wait, WaitSettings)
    add_arguments(wait.add_argument_group("API and credentials"), ApiSettings)
    wait.set_defaults(handler=_cmd_wait)

    run = commands.add_parser(
        "run",
        allow_abbrev=False,
        help="start a test, then wait for its run and judge it like `wait`",
        description="Start the test (POST /tests/{id}/start), announce the new master id at "
        "once (log, GitHub output master-id, gate.env), write the CI job, commit and branch "
        "into its note, then wait for it exactly as `wait` does.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("test_id", metavar="TEST_ID", help="BlazeMeter test id")
    add_arguments(run, StartSettings)
    add_arguments(run, RunSettings)
    add_arguments(run, WaitSettings)
    add_arguments(run.add_argument_group("API and credentials"), ApiSettings)
    run.set_defaults(handler=_cmd_run)

    start = commands.add_parser(
        "start",
        allow_abbrev=False,
        help="start a test and print only its new master id (judge it later with `wait`)",
        description="Start the test (POST /tests/{id}/start) and print only the new master "
        "id on stdout, so that MASTER_ID=$(ci-gate start TEST_ID) works.",
    )
    start.add_argument("test_id", metavar="TEST_ID", help="BlazeMeter test id")
    add_arguments(start, StartSettings)
    add_arguments(start.add_argument_group("API and credentials"), ApiSettings)
    start.set_defaults(handler=_cmd_start)

    stop = commands.add_parser(
        "stop",
        allow_abbrev=False,
        help="stop test runs (graceful stop at progress >= 100, else terminate)",
        description="Stop each master still running: POST /masters/{id}/stop when its "
        "progress is >= 100 (artifacts kept), else /terminate. For GitLab after_script.",
    )
    stop.add_argument("master_ids", nargs="+", metavar="MASTER_ID")
    add_arguments(stop.add_argument_group("API and credentials"), ApiSettings)
    stop.set_defaults(handler=_cmd_stop)

    demo = commands.add_parser(
        "demo",
        allow_abbrev=False,
        help="run the whole job against the built-in simulator (no account, no network)",
        description="Start the built-in BlazeMeter simulator on a free loopback port and run "
        "`wait` against it with throwaway credentials; exits with the verdict's code.",
    )
    demo.add_argument("--scenario", default="seed", help="built-in scenario (default: seed)")
    demo.add_argument("--list", action="store_true", help="list the built-in scenarios")
    demo.add_argument("--level", default="ERROR", help="fail threshold (default ERROR)")
    demo.add_argument("--timeout", default="15", metavar="SECONDS", help="deadline (default 15)")
    demo.add_argument("--report-dir", default="ci-gate-report", metavar="DIR")
    demo.add_argument(
        "--criteria", default="on", metavar="MODE", help="off, on (default) or required"
    )
    demo.add_argument("--public-report", action="store_true", help="use a public report link")
    demo.set_defaults(handler=_cmd_demo)

    simulate = commands.add_parser(
        "simulate",
        allow_abbrev=False,
        help="serve the simulated BlazeMeter API until stopped",
        description="Serve BlazeMeter's status and stop endpoints from a scenario, for "
        "trying a pipeline's wiring and for tests. The first line gives the base URL.",
    )
    simulate.add_argument("--scenario", default="seed", help="built-in name or scenario file")
    simulate.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    simulate.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    simulate.add_argument("--verbose", action="store_true", help="log every request")
    simulate.add_argument(
        "--latency",
        default="0",
        metavar="SECONDS",
        help="answer every API request this much later (for load and concurrency tests)",
    )
    simulate.set_defaults(handler=_cmd_simulate)
    return parser


def _cmd_wait(args: argparse.Namespace, guard: SignalGuard) -> int:
    from ci_gate.app import run_wait

    settings = resolve_wait(args, os.environ, args.master_ids)
    return run_wait(settings, resolve_api(args, os.environ), guard)


def _cmd_run(args: argparse.Namespace, guard: SignalGuard) -> int:
    from ci_gate.app import run_run

    start = resolve(StartSettings(test_id=parse_test_id(args.test_id)), args, os.environ)
    settings = resolve_wait(args, os.environ, None)
    return run_run(
        start,
        resolve(RunSettings(), args, os.environ),
        settings,
        resolve_api(args, os.environ),
        guard,
    )


def _cmd_start(args: argparse.Namespace, guard: SignalGuard) -> int:
    from ci_gate.app import run_start

    start = resolve(StartSettings(test_id=parse_test_id(args.test_id)), args, os.environ)
    report_dir = resolve(WaitSettings(), None, os.environ).report_dir
    return run_start(start, resolve_api(args, os.environ), guard, report_dir=report_dir)


def _cmd_stop(args: argparse.Namespace, guard: SignalGuard) -> int:
    from ci_gate.app import run_stop

    master_ids = parse_master_ids(args.master_ids)
    return run_stop(master_ids, resolve_api(args, os.environ), guard)


def _cmd_demo(args: argparse.Namespace, guard: SignalGuard) -> int:
    from ci_gate.demo import list_scenarios, run_demo

    if args.list:
        return list_scenarios()
    return run_demo(
        args.scenario,
        args.level,
        args.timeout,
        args.report_dir,
        guard,
        criteria=args.criteria,
        public_report=args.public_report,
    )


def _cmd_simulate(args: argparse.Namespace, guard: SignalGuard) -> int:
    from ci_gate.demo import run_simulate

    latency = 0.0 if args.latency.strip() == "0" else parse_seconds(args.latency, "--latency")
    return run_simulate(args.scenario, args.host, args.port, args.verbose, guard, latency=latency)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as leaving:
        if leaving.code not in (0, None):
            _tell_ci_exit_code(EXIT_USAGE)
        raise
    guard = SignalGuard()
    with steady_standard_streams():
        return _run(args, guard)


def _run(args: argparse.Namespace, guard: SignalGuard) -> int:
    """The command, with every way out turned into one line and an exit code."""
    try:
        with guard.installed():
            code: int = args.handler(args, guard)
            return code
    except CiGateError as error:
        sys.stderr.write(f"ci-gate: {_one_line(str(error))}\n")
        return _tell_ci_exit_code(error.exit_code)
    except Cancelled as cancelled:
        sys.stderr.write(f"ci-gate: cancelled by {cancelled}\n")
        return _tell_ci_exit_code(Verdict.CANCELLED.exit_code(cancelled.signal_number))
    except ExitNow as now:
        sys.stderr.write(f"ci-gate: a second signal: exiting at once ({now})\n")
        return _tell_ci_exit_code(Verdict.CANCELLED.exit_code(now.signal_number))
    except KeyboardInterrupt:
        sys.stderr.write("ci-gate: cancelled by SIGINT\n")
        return _tell_ci_exit_code(Verdict.CANCELLED.exit_code(signal.SIGINT))
    except Exception as error:  # a bug: still one line, never a traceback, and fail closed
        print_traceback_if_debugging(os.environ, sys.stderr)
        sys.stderr.write(
            f"ci-gate: internal error: {type(error).__name__}: {_one_line(str(error))} "
            "(set CI_GATE_DEBUG=1 for details)\n"
        )
        return _tell_ci_exit_code(EXIT_API)


def _tell_ci_exit_code(code: int) -> int:
    """Inside GitHub Actions, the exit code as a step output on paths without reports.

    The action runs the gate with `exec` so that the runner's signals reach it; there is
    no wrapper shell left to write this output, so the gate does it itself.
    """
    if os.environ.get("GITHUB_ACTIONS") == "true" and os.environ.get("GITHUB_OUTPUT"):
        from pathlib import Path

        from ci_gate.ci.github import write_outputs

        try:
            write_outputs(Path(os.environ["GITHUB_OUTPUT"]), {"exit-code": str(code)})
        except OSError as error:
            sys.stderr.write(f"ci-gate: could not write the GitHub output: {error.strerror}\n")
    return code


def _one_line(text: str) -> str:
    from ci_gate.text import one_line

    return one_line(text, 2000)
