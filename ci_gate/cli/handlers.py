"""One handler per subcommand: resolve its settings from the arguments and the environment
(the one snapshot `cli.main` took), then call the command with them and the context
(imported lazily: `--help` and `--version` need no `requests`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from ci_gate.config.ci_env import GitLabCi
from ci_gate.config.context import Context
from ci_gate.config.options import options_of, resolve
from ci_gate.config.parsers import parse_master_ids, parse_seconds, parse_test_id
from ci_gate.config.settings import (
    RunSettings,
    StartCommandSettings,
    StartSettings,
    StopSettings,
    WaitSettings,
    resolve_api,
    resolve_wait,
)
from ci_gate.errors import CiGateError
from ci_gate.signals import SignalGuard

#: The commands that write gate.env inside GitLab (`stop`, in an `after_script`, never
#: touches the wait's).
_GATE_ENV_COMMANDS = frozenset({"wait", "run", "start"})


def gate_env_dir(args: argparse.Namespace, env: Mapping[str, str], context: Context) -> Path | None:
    """Inside GitLab, the folder where this command's gate.env goes (`--report-dir`, else
    `CI_GATE_REPORT_DIR`, else the default), for `ci.tell_exit_code`; None elsewhere, or
    when it cannot be read (the usage error says why)."""
    if not isinstance(context.ci, GitLabCi) or args.command not in _GATE_ENV_COMMANDS:
        return None
    try:
        return resolve(WaitSettings(), args, env, only={"report_dir"}).report_dir
    except CiGateError:
        return None


def usage_error_gate_env_dir(
    arguments: Sequence[str], env: Mapping[str, str], context: Context, commands: Collection[str]
) -> Path | None:
    """Inside GitLab, where a usage error that argparse itself caught hands its exit code
    (an earlier run's verdict there must not pass for this job's): the folder the command
    would have written to, read from the words given (`--report-dir`, else
    `CI_GATE_REPORT_DIR`, else the default). None elsewhere and for a named command that
    writes no gate.env (`stop` in an `after_script` never touches the wait's); a folder
    that cannot be named is one warning line."""
    if not isinstance(context.ci, GitLabCi):
        return None
    words = [word for word in arguments if word != "--"]
    command = next((word for word in words if not word.startswith("-")), None)
    if command in commands and command not in _GATE_ENV_COMMANDS:
        return None
    given = None if command == "start" else _last_report_dir(words)  # start has no flag
    try:
        named = resolve(WaitSettings(), argparse.Namespace(report_dir=given), env, {"report_dir"})
    except CiGateError as error:
        sys.stderr.write(f"ci-gate: gate.env not replaced: {error}\n")
        return None
    return named.report_dir


def _last_report_dir(words: Sequence[str]) -> str | None:
    """The last `--report-dir X` or `--report-dir=X` among the words (argparse's own rule)."""
    name = next(str(opt.flag) for opt in options_of(WaitSettings) if opt.name == "report_dir")
    found = None
    for index, word in enumerate(words):
        if word == name and index + 1 < len(words):
            found = words[index + 1]
        elif word.startswith(f"{name}="):
            found = word.removeprefix(f"{name}=")
    return found


def handle_wait(
    args: argparse.Namespace, guard: SignalGuard, env: Mapping[str, str], context: Context
) -> int:
    from ci_gate.commands.wait import run_wait

    settings = resolve_wait(args, env, args.master_ids)
    return run_wait(settings, resolve_api(args, env), guard, context=context)


def handle_run(
    args: argparse.Namespace, guard: SignalGuard, env: Mapping[str, str], context: Context
) -> int:
    from ci_gate.commands.run import run_run

    start = resolve(StartSettings(test_id=parse_test_id(args.test_id)), args, env)
    settings = resolve_wait(args, env, None)
    return run_run(
        start,
        resolve(RunSettings(), args, env),
        settings,
        resolve_api(args, env),
        guard,
        context=context,
    )


def handle_start(
    args: argparse.Namespace, guard: SignalGuard, env: Mapping[str, str], context: Context
) -> int:
    from ci_gate.commands.start import run_start

    start = resolve(StartSettings(test_id=parse_test_id(args.test_id)), args, env)
    command = resolve(StartCommandSettings(), args, env)
    # gate.env goes where the wait after it will write its reports: only that is read of
    # the wait's settings (a CI_GATE_TREND meant for the wait is not `start`'s business)
    report_dir = resolve(WaitSettings(), None, env, only={"report_dir"}).report_dir
    api = resolve_api(args, env)
    return run_start(start, command, api, guard, report_dir=report_dir, context=context)


def handle_stop(
    args: argparse.Namespace, guard: SignalGuard, env: Mapping[str, str], context: Context
) -> int:
    from ci_gate.commands.stop import run_stop

    master_ids = parse_master_ids(args.master_ids)
    settings = resolve(StopSettings(), args, env)
    return run_stop(master_ids, settings, resolve_api(args, env), guard, context=context)


def handle_demo(
    args: argparse.Namespace, guard: SignalGuard, env: Mapping[str, str], context: Context
) -> int:
    from ci_gate.commands.demo import list_scenarios, run_demo

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
        context=context,
    )


def handle_simulate(
    args: argparse.Namespace, guard: SignalGuard, env: Mapping[str, str], context: Context
) -> int:
    from ci_gate.commands.simulate import run_simulate

    latency = 0.0 if args.latency.strip() == "0" else parse_seconds(args.latency, "--latency")
    return run_simulate(args.scenario, args.host, args.port, args.verbose, guard, latency=latency)
