"""`ci-gate`: argument parsing, environment fallbacks, one clear line per failure, exit.

Heavy imports (requests, the simulator) happen inside the commands, so `--help` and
`--version` stay fast. Every `CiGateError` becomes one line on stderr and its exit code;
an unexpected exception becomes one line and exit 4 (set CI_GATE_DEBUG=1 for the trace).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ci_gate import __version__
from ci_gate.errors import EXIT_API, EXIT_SIGINT, EXIT_SIGTERM, CiGateError
from ci_gate.signals import Cancelled, SignalGuard

if TYPE_CHECKING:
    from ci_gate.settings import ApiSettings

_LEVELS_HELP = "DEBUG, INFO, NOTICE, WARNING, ERROR, CRITICAL, ALERT, EMERGENCY (or 100..600)"


def _add_api_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("API and credentials")
    group.add_argument(
        "--api-url",
        metavar="URL",
        help="API base (env BLAZEMETER_API_URL; default https://a.blazemeter.com/api/v4)",
    )
    group.add_argument(
        "--api-key-file",
        metavar="PATH",
        help="file holding key_id:key_secret (default: env BLAZEMETER_API_KEY_ID and "
        "BLAZEMETER_API_KEY_SECRET; a secret is never taken from the command line)",
    )
    group.add_argument(
        "--ca-bundle",
        metavar="PATH",
        help="CA certificates for TLS (env REQUESTS_CA_BUNDLE; verification is never off)",
    )
    group.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow a plain http:// API URL that is not loopback (credentials travel in clear)",
    )


def _add_wait_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--level",
        metavar="LEVEL",
        help=f"fail threshold (env CI_GATE_LEVEL; default ERROR): {_LEVELS_HELP}",
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        help="overall deadline for the whole wait (env CI_GATE_TIMEOUT; default 3600)",
    )
    parser.add_argument(
        "--interval",
        metavar="SECONDS",
        help="pause between polls (env CI_GATE_INTERVAL; default 10)",
    )
    parser.add_argument(
        "--report-dir",
        metavar="DIR",
        help="where the reports go (env CI_GATE_REPORT_DIR; default ci-gate-report)",
    )
    parser.add_argument(
        "--ignore",
        metavar="REGEX",
        action="append",
        help="events whose message matches are not offending; repeatable "
        "(env CI_GATE_IGNORE, one regex per line)",
    )
    parser.add_argument(
        "--fail-fast",
        action="store_true",
        help="exit as soon as an offending event is seen (env CI_GATE_FAIL_FAST=true)",
    )
    parser.add_argument(
        "--stop-on-timeout",
        action="store_true",
        help="on timeout, stop the masters still running (env CI_GATE_STOP_ON_TIMEOUT=true)",
    )
    parser.add_argument(
        "--stop-on-fail",
        action="store_true",
        help="with --fail-fast, stop the master that failed (env CI_GATE_STOP_ON_FAIL=true)",
    )
    parser.add_argument(
        "--stop-on-cancel",
        action="store_true",
        help="on SIGINT/SIGTERM, stop the masters still running (env CI_GATE_STOP_ON_CANCEL=true)",
    )


EPILOG = """exit codes: 0 passed, 1 failed (an offending event), 2 usage or configuration error,
3 timeout, 4 API error, 130 SIGINT, 143 SIGTERM"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ci-gate",
        description="Make a BlazeMeter load-test run a gate in a CI/CD pipeline.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ci-gate {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    wait = commands.add_parser(
        "wait",
        help="wait for test runs to end, judge their events, write reports",
        description="Block until every master ends or the deadline passes; fail when an "
        "event at or above the threshold appears; write junit.xml, summary.json, summary.md.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    wait.add_argument("master_ids", nargs="+", metavar="MASTER_ID", help="BlazeMeter masterId(s)")
    _add_wait_options(wait)
    _add_api_options(wait)
    wait.set_defaults(handler=_cmd_wait)

    stop = commands.add_parser(
        "stop",
        help="stop test runs (graceful stop at progress >= 100, else terminate)",
        description="Stop each master still running: POST /masters/{id}/stop when its "
        "progress is >= 100 (artifacts kept), else /terminate. For GitLab after_script.",
    )
    stop.add_argument("master_ids", nargs="+", metavar="MASTER_ID")
    _add_api_options(stop)
    stop.set_defaults(handler=_cmd_stop)

    demo = commands.add_parser(
        "demo",
        help="run the whole job against the built-in simulator (no account, no network)",
        description="Start the built-in BlazeMeter simulator on a free loopback port and run "
        "`wait` against it with throwaway credentials; exits with the verdict's code.",
    )
    demo.add_argument("--scenario", default="seed", help="built-in scenario (default: seed)")
    demo.add_argument("--list", action="store_true", help="list the built-in scenarios")
    demo.add_argument("--level", default="ERROR", help=f"fail threshold: {_LEVELS_HELP}")
    demo.add_argument("--timeout", default="15", metavar="SECONDS", help="deadline (default 15)")
    demo.add_argument("--report-dir", default="ci-gate-report", metavar="DIR")
    demo.set_defaults(handler=_cmd_demo)

    simulate = commands.add_parser(
        "simulate",
        help="serve the simulated BlazeMeter API until stopped",
        description="Serve BlazeMeter's status and stop endpoints from a scenario, for "
        "trying a pipeline's wiring and for tests. The first line gives the base URL.",
    )
    simulate.add_argument("--scenario", default="seed", help="built-in name or scenario file")
    simulate.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    simulate.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    simulate.add_argument("--verbose", action="store_true", help="log every request")
    simulate.set_defaults(handler=_cmd_simulate)
    return parser


def _api_settings(args: argparse.Namespace) -> ApiSettings:
    from ci_gate.settings import resolve_api

    return resolve_api(
        api_url=args.api_url,
        api_key_file=args.api_key_file,
        ca_bundle=args.ca_bundle,
        allow_insecure_http=args.allow_insecure_http,
        env=os.environ,
    )


def _cmd_wait(args: argparse.Namespace, guard: SignalGuard) -> int:
    from ci_gate.app import run_wait
    from ci_gate.settings import resolve_wait

    settings = resolve_wait(
        master_ids=args.master_ids,
        level=args.level,
        timeout=args.timeout,
        interval=args.interval,
        report_dir=args.report_dir,
        ignore=args.ignore,
        fail_fast=args.fail_fast,
        stop_on_timeout=args.stop_on_timeout,
        stop_on_fail=args.stop_on_fail,
        stop_on_cancel=args.stop_on_cancel,
        env=os.environ,
    )
    return run_wait(settings, _api_settings(args), guard)


def _cmd_stop(args: argparse.Namespace, guard: SignalGuard) -> int:
    from ci_gate.app import run_stop
    from ci_gate.settings import parse_master_ids

    master_ids = parse_master_ids(args.master_ids)
    return run_stop(master_ids, _api_settings(args))


def _cmd_demo(args: argparse.Namespace, guard: SignalGuard) -> int:
    from ci_gate.demo import list_scenarios, run_demo

    if args.list:
        return list_scenarios()
    return run_demo(args.scenario, args.level, args.timeout, args.report_dir, guard)


def _cmd_simulate(args: argparse.Namespace, guard: SignalGuard) -> int:
    from ci_gate.demo import run_simulate

    return run_simulate(args.scenario, args.host, args.port, args.verbose, guard)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    guard = SignalGuard()
    try:
        with guard.installed():
            code: int = args.handler(args, guard)
            return code
    except CiGateError as error:
        sys.stderr.write(f"ci-gate: {_one_line(str(error))}\n")
        return error.exit_code
    except Cancelled as cancelled:
        sys.stderr.write(f"ci-gate: cancelled by {cancelled}\n")
        return EXIT_SIGINT if cancelled.signal_number == 2 else EXIT_SIGTERM
    except KeyboardInterrupt:
        sys.stderr.write("ci-gate: cancelled by SIGINT\n")
        return EXIT_SIGINT
    except Exception as error:  # a bug: still one line, never a traceback, and fail closed
        if os.environ.get("CI_GATE_DEBUG"):
            raise
        sys.stderr.write(
            f"ci-gate: internal error: {type(error).__name__}: {_one_line(str(error))} "
            "(set CI_GATE_DEBUG=1 for details)\n"
        )
        return EXIT_API


def _one_line(text: str) -> str:
    from ci_gate.text import one_line

    return one_line(text, 2000)
