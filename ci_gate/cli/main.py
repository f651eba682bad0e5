"""The command line: one handler per subcommand, and every way out turned into one line
and an exit code (twine's `__main__` style).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from ci_gate.cli.debug import debugging, print_traceback, show_caught_bugs
from ci_gate.cli.parser import build_parser
from ci_gate.cli.streams import steady_standard_streams
from ci_gate.config.credentials import register_every_credential
from ci_gate.errors import EXIT_API, EXIT_USAGE, CiGateError
from ci_gate.signals import Cancelled, ExitNow, SignalGuard


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    # every credential first: a secret pasted as an id or a value is never shown back
    register_every_credential(arguments, os.environ)
    # the console's sink (every line redacted) from the first line, the parser's included
    with steady_standard_streams():
        parser = build_parser()
        try:
            args = parser.parse_args(arguments)
        except SystemExit as leaving:
            if leaving.code not in (0, None):
                _tell_ci_exit_code(EXIT_USAGE)
            raise
        debug = debugging(os.environ)  # read once; a bug's trace is shown here, redacted
        guard = SignalGuard()
        if not debug:
            return _run(args, guard, debug)
        show_caught_bugs(True)
        try:
            return _run(args, guard, debug)
        finally:
            show_caught_bugs(False)


def _run(args: argparse.Namespace, guard: SignalGuard, debug: bool) -> int:
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
        return _tell_ci_exit_code(_cancelled_exit_code(cancelled.signal_number))
    except ExitNow as now:
        sys.stderr.write(f"ci-gate: a second signal: exiting at once ({now})\n")
        return _tell_ci_exit_code(_cancelled_exit_code(now.signal_number))
    except KeyboardInterrupt:
        sys.stderr.write("ci-gate: cancelled by SIGINT\n")
        return _tell_ci_exit_code(_cancelled_exit_code(signal.SIGINT))
    except Exception as error:  # a bug: still one line, never a traceback, and fail closed
        if debug:
            print_traceback(error)
        sys.stderr.write(
            f"ci-gate: internal error: {type(error).__name__}: {_one_line(str(error))} "
            "(set CI_GATE_DEBUG=1 for details)\n"
        )
        return _tell_ci_exit_code(EXIT_API)


def _tell_ci_exit_code(code: int) -> int:
    """The exit code handed to the CI on the paths that write no reports: GitHub's
    `exit-code` step output, Azure's `CI_GATE_EXIT_CODE` output variable.

    The action runs the gate with `exec` so that the runner's signals reach it; there is
    no wrapper shell left to write this output, so the gate does it itself. Azure's
    logging command goes to stderr, which the agent reads too: stdout stays what the
    command prints (`start`: only the id, here nothing).
    """
    from ci_gate.ci import detect  # light: the adapters load only when named

    platform = detect(os.environ)
    if platform == "github" and os.environ.get("GITHUB_OUTPUT"):
        from pathlib import Path

        from ci_gate.ci.github import write_outputs

        try:
            write_outputs(Path(os.environ["GITHUB_OUTPUT"]), {"exit-code": str(code)})
        except OSError as error:
            sys.stderr.write(f"ci-gate: could not write the GitHub output: {error.strerror}\n")
    elif platform == "azure":
        from ci_gate.ci.azure import output_variable

        sys.stderr.write(output_variable("CI_GATE_EXIT_CODE", str(code)) + "\n")
        sys.stderr.flush()
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
