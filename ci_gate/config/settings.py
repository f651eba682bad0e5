"""Every configuration type, resolved and cross-checked before anything is polled.

A mistake is a `UsageError` (exit 2) naming where the bad value came from. Over 300 lines
on purpose: every option is declared here once (flag, env, check, help), and splitting the
declarations by subcommand would scatter the one table the README and the action mirror.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ci_gate.config.credentials import Credentials, resolve_credentials
from ci_gate.config.fail_on import parse_fail_on
from ci_gate.config.fail_on_units import parse_warmup
from ci_gate.config.options import option, resolve, shared_option
from ci_gate.config.parsers import (
    parse_baseline,
    parse_count,
    parse_criteria_mode,
    parse_ignore,
    parse_level,
    parse_limit,
    parse_master_ids,
    parse_megabytes,
    parse_path,
    parse_seconds,
    parse_text,
)
from ci_gate.domain.findings import CriteriaMode, Limit
from ci_gate.domain.levels import LEVELS
from ci_gate.domain.live_criteria import LiveCriterion
from ci_gate.domain.trend import MAX_TREND
from ci_gate.domain.verdict import TROUBLE_WINDOW

if TYPE_CHECKING:
    import regex
from ci_gate.errors import UsageError
from ci_gate.judging.baseline import DEFAULT_LIMIT
from ci_gate.urls import is_loopback, shown_url

DEFAULT_API_URL = "https://a.blazemeter.com/api/v4"

#: `--timeout`, declared once: `wait` and `run`, `start` and `stop` each give their default.
_timeout = shared_option(
    "--timeout",
    env="CI_GATE_TIMEOUT",
    parse=parse_seconds,
    metavar="SECONDS",
    help="overall deadline for {covers} (seconds, or 90s, 5m, 1h30m)",
)


@dataclass(frozen=True)
class StartSettings:
    """What `ci-gate start` and `ci-gate run` start."""

    test_id: str = ""
    multi_test: bool = option(
        "--multi-test",
        env="CI_GATE_MULTI_TEST",
        help="TEST_ID is a multi-test (POST /multi-tests/{id}/start)",
    )


@dataclass(frozen=True)
class StartCommandSettings:
    """What `ci-gate start` alone adds to a start: its deadline (`run` has the wait's)."""

    timeout: float = _timeout("300", "the start, its retries included")


@dataclass(frozen=True)
class StopSettings:
    """What `ci-gate stop` takes besides the master ids: its deadline, which fits a GitLab
    `after_script`."""

    timeout: float = _timeout("60", "stopping every master given, retries included")


@dataclass(frozen=True)
class RunSettings:
    """What only `ci-gate run` adds to a start and a wait."""

    no_note: bool = option(
        "--no-note",
        env="CI_GATE_NO_NOTE",
        help="do not write the CI job, commit and branch into the started master's note",
    )


@dataclass(frozen=True)
class HttpSettings:
    """Timeouts and the retry budget of API calls (tuning: environment only)."""

    read_timeout: float = option(
        None,
        env="CI_GATE_HTTP_TIMEOUT",
        parse=parse_seconds,
        default="30",
        help="seconds for one request",
    )
    retry_max_time: float = option(
        None,
        env="CI_GATE_RETRY_MAX_TIME",
        parse=parse_seconds,
        default=f"{TROUBLE_WINDOW:g}",
        help="how long consecutive API trouble is retried before the wait ends as error",
    )
    max_answer_bytes: int = option(
        None,
        env="CI_GATE_MAX_ANSWER_MB",
        parse=parse_megabytes,
        default="64",
        help="largest answer read, in MiB (decoded); larger is an API error",
    )
    connect_timeout: float = 10.0
    retry_factor: float = 1.0
    retry_max_delay: float = 30.0


_LEVELS_HELP = ", ".join(LEVELS) + " (or 100..600)"

#: The limit a baseline is judged by when no --regression is given.
DEFAULT_REGRESSION = (parse_limit(DEFAULT_LIMIT, "--regression"),)


@dataclass(frozen=True)
class WaitSettings:
    """What `ci-gate wait` waits for, how it judges, and where the reports go."""

    master_ids: tuple[str, ...] = ()
    level: int = option(
        "--level",
        env="CI_GATE_LEVEL",
        parse=parse_level,
        metavar="LEVEL",
        default="ERROR",
        help=f"fail threshold, a level name (any case) or its number: {_LEVELS_HELP}",
    )
    timeout: float = _timeout("3600", "the whole wait")
    interval: float = option(
        "--interval",
        env="CI_GATE_INTERVAL",
        parse=parse_seconds,
        metavar="SECONDS",
        default="10",
        help="pause between polls, as --timeout (fractions honoured; a warning below 1 s for "
        "a remote API)",
    )
    report_dir: Path = option(
        "--report-dir",
        env="CI_GATE_REPORT_DIR",
        parse=parse_path,
        metavar="DIR",
        default="ci-gate-report",
        help="where the reports go (created if missing)",
    )
    ignore: tuple[regex.Pattern[str], ...] = option(
        "--ignore",
        env="CI_GATE_IGNORE",
        parse=parse_ignore,
        metavar="REGEX",
        repeatable=True,
        help="events whose message matches are not offending (still counted, listed as "
        "ignored); repeatable, env one per line",
    )
    fail_fast: bool = option(
        "--fail-fast",
        env="CI_GATE_FAIL_FAST",
        help="exit as soon as an offending event is seen (the run goes on in BlazeMeter "
        "unless --stop-on-fail; the reports keep its link and say how to stop it)",
    )
    stop_on_timeout: bool = option(
        "--stop-on-timeout",
        env="CI_GATE_STOP_ON_TIMEOUT",
        help="on timeout, stop the masters still running",
    )
    stop_on_fail: bool = option(
        "--stop-on-fail",
        env="CI_GATE_STOP_ON_FAIL",
        help="with --fail-fast, stop the master that failed",
    )
    stop_on_cancel: bool = option(
        "--stop-on-cancel",
        env="CI_GATE_STOP_ON_CANCEL",
        help="on SIGINT/SIGTERM, stop the masters still running",
    )
    criteria: CriteriaMode = option(
        "--criteria",
        env="CI_GATE_CRITERIA",
        parse=parse_criteria_mode,
        metavar="MODE",
        default="on",
        help="BlazeMeter's verdict on each ended master: off (events only), on (a failed "
        "verdict fails, no data is 'broken', exit 5), required (no criteria defined fails too)",
    )
    public_report: bool = option(
        "--public-report",
        env="CI_GATE_PUBLIC_REPORT",
        help="create a public report link (anyone holding it can read the report) and use "
        "it as the report URL",
    )
    comment: bool = option(
        "--comment",
        env="CI_GATE_COMMENT",
        help="post or update one pull-request comment / merge-request note with the summary "
        "(GitHub: GITHUB_TOKEN; GitLab: CI_GATE_GITLAB_TOKEN)",
    )
    baseline: str | None = option(
        "--baseline",
        env="CI_GATE_BASELINE",
        parse=parse_baseline,
        metavar="BASELINE",
        help="compare each ended master, label by label, with a baseline run: a master id, "
        "or last-passed (the newest earlier passed run of the same test)",
    )
    regression: tuple[Limit, ...] = option(
        "--regression",
        env="CI_GATE_REGRESSION",
        parse=parse_limit,
        metavar="LIMIT",
        repeatable=True,
        shown_default=DEFAULT_LIMIT,
        help="what counts as a regression against the baseline: METRIC=+N% or METRIC=+N "
        "(avg, p90, p95, p99 in ms; errors in points); repeatable, env one per line",
    )
    trend: int | None = option(
        "--trend",
        env="CI_GATE_TREND",
        parse=lambda raw, source: parse_count(raw, source, 1, MAX_TREND),
        metavar="N",
        shown_default="off",
        help=f"show the test's last N ended runs beside this one (N up to {MAX_TREND}; "
        "informational)",
    )
    fail_on: tuple[LiveCriterion, ...] = option(
        "--fail-on",
        env="CI_GATE_FAIL_ON",
        parse=parse_fail_on,
        metavar="CRITERION",
        repeatable=True,
        help="a criterion in Taurus's passfail syntax, judged from BlazeMeter's live KPIs "
        "while the run goes (e.g. 'avg-rt of Checkout>1500ms for 60s, stop as failed'); "
        "repeatable, env one per line",
    )
    fail_on_file: Path | None = option(
        "--fail-on-file",
        env="CI_GATE_FAIL_ON_FILE",
        parse=parse_path,
        metavar="PATH",
        help="a Taurus config (YAML or JSON): the criteria of its reporting item with "
        "module: passfail, judged as --fail-on",
    )
    warmup: int = option(
        "--warmup",
        env="CI_GATE_WARMUP",
        parse=parse_warmup,
        metavar="DURATION",
        default="0",
        help="the first DURATION of the run's data (from its first KPI second) is not judged "
        "by criteria with a timeframe (ramp-up): seconds, or 90s, 2m",
    )
    concurrency: int = option(
        None,
        env="CI_GATE_CONCURRENCY",
        parse=lambda raw, source: parse_count(raw, source, 1, 64),
        default="16",
        help="requests in flight at most (masters polled at once, and their end reads)",
    )
    heartbeat: float = option(
        None,
        env="CI_GATE_HEARTBEAT",
        parse=parse_seconds,
        default="60",
        help="seconds between 'still running' lines while nothing changes",
    )

    def __post_init__(self) -> None:
        # the effective limits: a baseline without --regression is judged by the default
        # one (shown in --help); without a baseline nothing is compared, so none
        if self.baseline is not None and not self.regression:
            object.__setattr__(self, "regression", DEFAULT_REGRESSION)


@dataclass(frozen=True)
class ApiSettings:
    """Where the API is and how to reach it; credentials and tuning resolved with it."""

    url: str = option(
        "--api-url",
        env="BLAZEMETER_API_URL",
        parse=parse_text,
        metavar="URL",
        default=DEFAULT_API_URL,
        help="API base",
    )
    key_file: str | None = option(
        "--api-key-file",
        parse=parse_text,
        metavar="PATH",
        shown_default="BLAZEMETER_API_KEY_ID/_SECRET",
        help="file holding key_id:key_secret (a secret is never taken from the command line)",
    )
    ca_bundle: str | None = option(
        "--ca-bundle",
        env="REQUESTS_CA_BUNDLE",
        parse=parse_text,
        metavar="PATH",
        shown_default="system",
        help="CA certificates for TLS (verification is never switched off)",
    )
    allow_insecure_http: bool = option(
        "--allow-insecure-http",
        help="allow a plain http:// API URL that is not loopback (credentials travel in clear)",
    )
    credentials: Credentials | None = None
    http: HttpSettings = field(default_factory=HttpSettings)


#: What `run` waits with unless told otherwise: it stops the master it started when the
#: pipeline is cancelled (as BlazeMeter's Jenkins plugin aborts the test with the build);
#: `wait` judges runs it did not start, and leaves them alone.
RUN_WAIT_DEFAULTS = WaitSettings(stop_on_cancel=True)


def resolve_wait(
    args: argparse.Namespace, env: Mapping[str, str], master_ids: list[str] | None
) -> WaitSettings:
    """The wait's settings; `master_ids` None for `run`, which learns its one master and
    has defaults of its own (`RUN_WAIT_DEFAULTS`). `fail_on` ends up holding every live
    criterion: the flags' (or the env's), then the file's."""
    ids = () if master_ids is None else parse_master_ids(master_ids)
    defaults = RUN_WAIT_DEFAULTS if master_ids is None else WaitSettings()
    settings = resolve(replace(defaults, master_ids=ids), args, env)
    metrics = [limit.metric for limit in settings.regression]
    twice = sorted({metric for metric in metrics if metrics.count(metric) > 1})
    if twice:
        raise UsageError(
            f"--regression gives a limit for {', '.join(twice)} more than once: give one "
            "limit per metric"
        )
    if settings.fail_on_file is not None:
        from ci_gate.config.fail_on_file import load_fail_on_file

        file_criteria = load_fail_on_file(settings.fail_on_file)
        settings = replace(settings, fail_on=settings.fail_on + file_criteria)
    check_live_criteria(settings.fail_on, settings.timeout)
    return settings


def resolve_api(args: argparse.Namespace | None, env: Mapping[str, str]) -> ApiSettings:
    """The API settings with their cross-checks: URL shape, clear text, CA file, credentials."""
    api = resolve(ApiSettings(), args, env)
    shown = shown_url(api.url)
    if shown != api.url:  # user:password@ in any URL-shaped text, well-formed or not
        raise UsageError(
            f"--api-url {shown!r} must not carry credentials; use the environment or a key file"
        )
    try:
        parts = urlsplit(api.url)
        hostname = parts.hostname
        port = parts.port  # out of range or not a number: ValueError
    except ValueError:  # a malformed port or IPv6 literal
        raise UsageError(
            f"--api-url {shown!r} is not an http(s) URL (check the host and the port)"
        ) from None
    if port == 0:
        raise UsageError(f"--api-url {shown!r}: port 0 cannot be connected to")
    if parts.scheme not in ("http", "https") or not hostname:
        raise UsageError(f"--api-url {shown!r} is not an http(s) URL")
    marks = [i for i in (api.url.find("?"), api.url.find("#")) if i >= 0]
    if marks:  # shown only up to it: a query may hold a secret
        part = "a query (?...)" if api.url[min(marks)] == "?" else "a fragment (#...)"
        raise UsageError(
            f"--api-url {api.url[: min(marks)]!r} must not carry {part}: the gate adds each "
            "endpoint's path to it"
        )
    if parts.scheme == "http" and not is_loopback(hostname) and not api.allow_insecure_http:
        raise UsageError(
            f"--api-url {shown!r} is plain http to a host that is not loopback: credentials "
            "would travel in clear (use https, or --allow-insecure-http if you must)"
        )
    if api.ca_bundle is not None and not Path(api.ca_bundle).is_file():
        raise UsageError(f"--ca-bundle (or REQUESTS_CA_BUNDLE) {api.ca_bundle!r}: no such file")
    return replace(
        api,
        credentials=resolve_credentials(api.key_file, env),
        http=resolve(HttpSettings(), None, env),
    )


def check_live_criteria(criteria: tuple[LiveCriterion, ...], timeout: float) -> None:
    """What no single criterion shows: one given twice, a timeframe beyond the wait."""
    seen: dict[tuple[object, ...], LiveCriterion] = {}
    for criterion in criteria:
        earlier = seen.setdefault(criterion.rule(), criterion)
        if earlier is not criterion:
            raise UsageError(
                f"live criterion {criterion.text!r} is given twice"
                + (f" (also as {earlier.text!r})" if earlier.text != criterion.text else "")
                + ": give each criterion once"
            )
        if criterion.timeframe is not None and criterion.timeframe > timeout:
            raise UsageError(
                f"live criterion {criterion.text!r}: its timeframe ({criterion.timeframe} s) "
                f"is longer than --timeout ({timeout:g} s): it could never be judged"
            )
