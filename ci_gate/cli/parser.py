"""The argparse parser, built from the option declarations of `config`."""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

import ci_gate
from ci_gate.cli import handlers
from ci_gate.config.options import add_arguments
from ci_gate.config.settings import (
    RUN_WAIT_DEFAULTS,
    ApiSettings,
    RunSettings,
    StartCommandSettings,
    StartSettings,
    StopSettings,
    WaitSettings,
)
from ci_gate.text import redact

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

EPILOG = """exit codes: 0 passed, 1 failed (an offending event or failed criteria), 2 usage or
configuration error, 3 timeout, 4 API error, 5 broken (no usable result), 129 SIGHUP,
130 SIGINT, 143 SIGTERM"""

#: What `wait` and `run` leave in --report-dir, on every path (the descriptions list it).
REPORTS = """Reports, in --report-dir on every path (also on timeout, error and cancel):
junit.xml (one testsuite per master), summary.json (machine-readable),
summary.md (for people; also the GitHub job summary), report.html (charts,
self-contained), metrics.txt (OpenMetrics, when BlazeMeter gave KPIs) and,
inside GitLab CI, gate.env (the dotenv report)."""

WAIT_DESCRIPTION = f"""\
Block until every master ends or the deadline passes. Fail when an event at or
above the threshold appears, or when BlazeMeter's own verdict on the ended run
fails (--criteria), or a baseline comparison finds a regression (--baseline).

{REPORTS}"""

RUN_DESCRIPTION = f"""\
Start the test (POST /tests/{{id}}/start), announce the new master id at once
(log, GitHub output master-id, gate.env), write the CI job, commit and branch
into its note, then wait for it exactly as `wait` does.

{REPORTS}"""

START_DESCRIPTION = """\
Start the test (POST /tests/{id}/start) and print only the new master id on
stdout, so that MASTER_ID=$(ci-gate start TEST_ID) works."""

STOP_DESCRIPTION = """\
Stop each master still running: POST /masters/{id}/stop when its progress is
>= 100 (artifacts kept), else /terminate; several masters side by side. For a
GitLab after_script."""

START_EPILOG = """\
exit codes: 0 started (the master id is on stdout), 2 usage or configuration
error, 3 timeout (--timeout passed first), 4 API error (the message says
whether a run may have started), 129 SIGHUP, 130 SIGINT, 143 SIGTERM"""

STOP_EPILOG = """\
exit codes: 0 every master stopped or already ended, 2 usage or configuration
error, 3 timeout (--timeout passed first), 4 API error (a master could not be
read or stopped), 129 SIGHUP, 130 SIGINT, 143 SIGTERM"""


class _Parser(argparse.ArgumentParser):
    """argparse that never echoes an unknown argument's value (it may be a pasted secret),
    and shows no registered credential in anything it prints (`invalid choice: ...`)."""

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        super()._print_message(redact(message), file)

    def error(self, message: str) -> NoReturn:
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            message = prefix + _option_names_only(message[len(prefix) :].split(" "))
        typed = _INVALID_COMMAND.match(message)
        if typed:  # `ci-gate wiat`: the nearest command, as for a mistyped option
            names = [name for action in self._actions for name in (action.choices or ())]
            near = difflib.get_close_matches(typed.group(1), names, n=1, cutoff=0.6)
            if near:
                message += f" (did you mean {near[0]}?)"
        super().error(message)

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        """As argparse, but an unknown option is reported by the subcommand it was given
        to: its usage, and the nearest option it has (`--timout` -> `--timeout`)."""
        parsed, extras = self.parse_known_args(args, namespace)
        if not extras:
            return parsed
        chosen = self._subcommand(getattr(parsed, "command", None)) or self
        message = "unrecognized arguments: " + _option_names_only(extras)
        known = [name for action in chosen._actions for name in action.option_strings]
        for token in extras:
            if token.startswith("--"):
                near = difflib.get_close_matches(token.split("=", 1)[0], known, n=1, cutoff=0.7)
                if near:
                    message += f" (did you mean {near[0]}?)"
                    break
        argparse.ArgumentParser.error(chosen, message)  # already filtered: no value shown

    def _subcommand(self, name: str | None) -> argparse.ArgumentParser | None:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and name in action.choices:
                chosen: argparse.ArgumentParser = action.choices[name]
                return chosen
        return None


_INVALID_COMMAND = re.compile(r"argument COMMAND: invalid choice: '(.*?)'")


def _option_names_only(tokens: list[str]) -> str:
    names = [token.split("=", 1)[0] for token in tokens if token.startswith("-")]
    hidden = len(tokens) - len(names)
    if hidden:
        noun = "value" if hidden == 1 else "values"
        names.append(f"(and {hidden} {noun}, not shown)")
    return " ".join(names)


class _Version(argparse.Action):
    """`--version`, reading the installed version only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        sys.stdout.write(f"ci-gate {ci_gate.__version__}\n")
        parser.exit()


def command_names(parser: argparse.ArgumentParser) -> frozenset[str]:
    """The subcommands `parser` knows (a usage error's word is one of them, or not)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return frozenset(action.choices)
    return frozenset()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ci-gate",
        allow_abbrev=False,
        description="Make a BlazeMeter load-test run a gate in a CI/CD pipeline.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    wait = commands.add_parser(
        "wait",
        allow_abbrev=False,
        help="wait for test runs to end, judge their events, write reports",
        description=WAIT_DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    wait.add_argument("master_ids", nargs="+", metavar="MASTER_ID", help="BlazeMeter masterId(s)")
    add_arguments(wait, WaitSettings)
    add_arguments(wait.add_argument_group("API and credentials"), ApiSettings)
    wait.set_defaults(handler=handlers.handle_wait)

    run = commands.add_parser(
        "run",
        allow_abbrev=False,
        help="start a test, then wait for its run and judge it like `wait`",
        description=RUN_DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("test_id", metavar="TEST_ID", help="BlazeMeter test id")
    add_arguments(run, StartSettings)
    add_arguments(run, RunSettings)
    add_arguments(run, WaitSettings, RUN_WAIT_DEFAULTS)
    add_arguments(run.add_argument_group("API and credentials"), ApiSettings)
    run.set_defaults(handler=handlers.handle_run)

    start = commands.add_parser(
        "start",
        allow_abbrev=False,
        help="start a test and print only its new master id (judge it later with `wait`)",
        description=START_DESCRIPTION,
        epilog=START_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    start.add_argument("test_id", metavar="TEST_ID", help="BlazeMeter test id")
    add_arguments(start, StartSettings)
    add_arguments(start, StartCommandSettings)
    add_arguments(start.add_argument_group("API and credentials"), ApiSettings)
    start.set_defaults(handler=handlers.handle_start)

    stop = commands.add_parser(
        "stop",
        allow_abbrev=False,
        help="stop test runs (graceful stop at progress >= 100, else terminate)",
        description=STOP_DESCRIPTION,
        epilog=STOP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    stop.add_argument(
        "master_ids", nargs="+", metavar="MASTER_ID", help="BlazeMeter masterId(s) to stop"
    )
    add_arguments(stop, StopSettings)
    add_arguments(stop.add_argument_group("API and credentials"), ApiSettings)
    stop.set_defaults(handler=handlers.handle_stop)

    demo = commands.add_parser(
        "demo",
        allow_abbrev=False,
        help="run the whole job against the built-in simulator (no account, no network)",
        description="Start the built-in BlazeMeter simulator on a free loopback port and run "
        "`wait` against it with throwaway credentials; exits with the verdict's code.",
    )
    demo.add_argument(
        "--scenario",
        default="seed",
        help="built-in name or scenario file, as for simulate (default: seed)",
    )
    demo.add_argument("--list", action="store_true", help="list the built-in scenarios")
    demo.add_argument("--level", default="ERROR", help="fail threshold (default ERROR)")
    demo.add_argument("--timeout", default="15", metavar="SECONDS", help="deadline (default 15)")
    demo.add_argument(
        "--report-dir",
        default="ci-gate-report",
        metavar="DIR",
        help="where the demo's reports go (default ci-gate-report)",
    )
    demo.add_argument(
        "--criteria", default="on", metavar="MODE", help="off, on (default) or required"
    )
    demo.add_argument("--public-report", action="store_true", help="use a public report link")
    demo.set_defaults(handler=handlers.handle_demo)

    simulate = commands.add_parser(
        "simulate",
        allow_abbrev=False,
        help="serve the simulated BlazeMeter API until stopped",
        description="Serve the simulated BlazeMeter API (status, stop, verdict, reports, "
        "start and the rest the gate uses) from a scenario, for "
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
    simulate.set_defaults(handler=handlers.handle_simulate)
    return parser
