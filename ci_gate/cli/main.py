"""The command line: one handler per subcommand, and every way out turned into one line
and an exit code (twine's `__main__` style).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ci_gate.errors import EXIT_API, EXIT_USAGE, CiGateError
from ci_gate.signals import Cancelled, ExitNow, SignalGuard

if TYPE_CHECKING:
    from pathlib import Path

    from ci_gate.config.context import Context


def main(argv: Sequence[str] | None = None) -> int:
    """The process's signal handlers first (issue 30 item 2): a signal from the first
    moment is the gate's (recorded, then the command is cancelled, the CI told), never
    the interpreter's default that kills it with nothing written. They stay until the CI
    has its exit code; in the `ci-gate` process itself (`argv` None) they are then ignored
    (`SignalGuard.installed`), so a late signal can no longer change that exit code."""
    guard = SignalGuard()
    with guard.installed(restore=argv is not None):
        return _main(sys.argv[1:] if argv is None else list(argv), guard)


def _main(arguments: list[str], guard: SignalGuard) -> int:
    # the command line's modules load once the handlers are in place (a tenth of a second)
    from ci_gate.cli.debug import show_caught_bugs
    from ci_gate.cli.handlers import gate_env_dir, usage_error_gate_env_dir
    from ci_gate.cli.parser import build_parser, command_names
    from ci_gate.cli.streams import steady_standard_streams
    from ci_gate.config.context import resolve_context
    from ci_gate.config.credentials import register_every_credential

    env = dict(os.environ)  # the one read of the environment: settings and context alike
    # every credential first: a secret pasted as an id or a value is never shown back
    register_every_credential(arguments, env)
    # the CI (detected once) and the debug flag, before the parser: a usage error too hands
    # its exit code to the CI
    context = resolve_context(env)
    # the console's sink (every line redacted) from the first line, the parser's included
    with steady_standard_streams():
        parser = build_parser()
        try:
            args = parser.parse_args(arguments)
        except SystemExit as leaving:  # --help, --version (0) and usage errors (2) alike
            code = 0 if leaving.code in (0, None) else EXIT_USAGE
            folder = (
                usage_error_gate_env_dir(arguments, env, context, command_names(parser))
                if code
                else None
            )
            _tell_ci_exit_code(context, code, folder)
            raise
        report_dir = gate_env_dir(args, env, context)
        if not context.debug:
            return _tell_ci_exit_code(context, _run(args, guard, env, context), report_dir)
        show_caught_bugs(True)
        try:
            return _tell_ci_exit_code(context, _run(args, guard, env, context), report_dir)
        finally:
            show_caught_bugs(False)


def _run(
    args: argparse.Namespace, guard: SignalGuard, env: Mapping[str, str], context: Context
) -> int:
    """The command, with every way out turned into one line and an exit code."""
    try:
        if guard.received is not None:  # a signal before the command began
            raise Cancelled(guard.received)
        code: int = args.handler(args, guard, env, context)
        return code
    except CiGateError as error:
        sys.stderr.write(f"ci-gate: {_one_line(str(error))}\n")
        return error.exit_code
    except Cancelled as cancelled:
        sys.stderr.write(f"ci-gate: cancelled by {cancelled}\n")
        return _cancelled_exit_code(cancelled.signal_number)
    except ExitNow as now:
        sys.stderr.write(f"ci-gate: a second signal: exiting at once ({now})\n")
        return _cancelled_exit_code(now.signal_number)
    except KeyboardInterrupt:
        sys.stderr.write("ci-gate: cancelled by SIGINT\n")
        return _cancelled_exit_code(signal.SIGINT)
    except Exception as error:  # a bug: still one line, never a traceback, and fail closed
        if context.debug:
            from ci_gate.cli.debug import print_traceback

            print_traceback(error)
        sys.stderr.write(
            f"ci-gate: internal error: {type(error).__name__}: {_one_line(str(error))} "
            "(set CI_GATE_DEBUG=1 for details)\n"
        )
        return EXIT_API


def _tell_ci_exit_code(context: Context, code: int, report_dir: Path | None = None) -> int:
    """The exit code handed to the CI on every path, once the command has returned or
    failed, so it is always the process's own (`ci.tell_exit_code`, the one writer of
    GitHub's `exit-code` output and Azure's `CI_GATE_EXIT_CODE`).

    The action runs the gate with `exec` so that the runner's signals reach it; there is
    no wrapper shell left to write this output, so the gate does it itself.
    """
    if context.ci is not None:
        from ci_gate.ci import tell_exit_code  # light: the adapters load only when named

        tell_exit_code(context.ci, code, report_dir=report_dir)
    return code


def _cancelled_exit_code(signal_number: int) -> int:
    """A signal that ended the command before it had an outcome: the run's verdict, chosen
    where every other path chooses it (imported on this way out only: the outcome's types
    load msgspec, which `--help` and the usage errors never need)."""
    from ci_gate.judging.run_outcome import cancelled_exit_code

    return cancelled_exit_code(signal_number)


def _one_line(text: str) -> str:
    from ci_gate.text import one_line

    return one_line(text, 2000)
