"""Every configuration type, and each option declared once: flag, env, default, check, help.

An option is a dataclass field made with `option(...)`: its metadata carries the flag,
the environment variable, the default as shown to people, the parser that validates a
raw value, and the help text. `cli.py` builds argparse from these declarations, the
README's option tables are checked against them by a test, and `resolve()` fills a
settings object from parsed arguments and the environment (flag beats environment beats
default). Every mistake is a `UsageError` (exit 2) naming where the bad value came from,
raised before anything is polled.
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import re
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TextIO, TypeVar
from urllib.parse import urlsplit

from ci_gate.baseline import DEFAULT_LIMIT, Limit, parse_baseline, parse_limit
from ci_gate.criteria import CriteriaMode
from ci_gate.errors import UsageError
from ci_gate.levels import LEVELS, parse_threshold
from ci_gate.text import register_credentials

DEFAULT_API_URL = "https://a.blazemeter.com/api/v4"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
_MASTER_ID = re.compile(r"[0-9]{1,20}")

S = TypeVar("S")
Parser = Callable[[str, str], Any]


# -- parsers: (raw text, where it came from) -> value ---------------------------------------


def parse_seconds(raw: str, source: str) -> float:
    """A positive, finite number of seconds (the one duration parser)."""
    try:
        value = float(raw.strip())
    except ValueError:
        raise UsageError(f"{source} {raw!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise UsageError(f"{source} must be a number of seconds above 0, not {raw!r}")
    return value


def _parse_megabytes(raw: str, source: str) -> int:
    """A size in MiB (a whole number >= 1), as bytes."""
    text = raw.strip()
    if not re.fullmatch(r"[0-9]{1,6}", text) or int(text) < 1:
        raise UsageError(f"{source} {raw!r}: use a whole number of MiB >= 1")
    return int(text) * 1024 * 1024


def _parse_level(raw: str, source: str) -> int:
    try:
        return parse_threshold(raw)
    except UsageError as error:
        raise UsageError(f"{source}: {error}") from None


def parse_ignore(raw: str, source: str) -> re.Pattern[str]:
    """An `--ignore` regex; one that would waive every event is refused (fail closed)."""
    if not raw.strip():
        raise UsageError(f"{source} {raw!r} is empty: it would waive every event")
    try:
        pattern = re.compile(raw)
    except re.error as error:
        raise UsageError(f"{source} {raw!r} is not a valid regex: {error}") from None
    if pattern.search("") is not None:
        raise UsageError(f"{source} {raw!r} matches an empty message: it would waive every event")
    return pattern


def _parse_count(raw: str, source: str, low: int, high: int) -> int:
    value = raw.strip()
    if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
        raise UsageError(f"{source} must be a whole number from {low} to {high}, not {raw!r}")
    return int(value)


def _parse_criteria_mode(raw: str, source: str) -> CriteriaMode:
    try:
        return CriteriaMode(raw.strip().lower())
    except ValueError:
        modes = ", ".join(mode.value for mode in CriteriaMode)
        raise UsageError(f"{source} {raw!r}: use one of {modes}") from None


def _parse_path(raw: str, source: str) -> Path:
    if not raw.strip():
        raise UsageError(f"{source} is empty: name a folder")
    return Path(raw)


def _parse_text(raw: str, source: str) -> str:
    return raw.strip()


def parse_master_ids(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Master ids from arguments; each may hold several, split by commas or white space."""
    ids: list[str] = []
    for value in values:
        for part in re.split(r"[\s,]+", value.strip()):
            if not part:
                continue
            if not _MASTER_ID.fullmatch(part) or int(part) == 0:
                raise UsageError(
                    f"master id {part!r} is not a positive whole number (BlazeMeter's masterId)"
                )
            if part not in ids:
                ids.append(part)
    if not ids:
        raise UsageError("give at least one master id")
    return tuple(ids)


def env_flag(raw: str, source: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise UsageError(f"{source}={raw!r}: use true or false")


def print_traceback_if_debugging(env: Mapping[str, str], stream: TextIO) -> None:
    """With CI_GATE_DEBUG on, the current exception's traceback (the exit code stays)."""
    if env.get("CI_GATE_DEBUG", "").strip().lower() in _TRUE:
        traceback.print_exc(file=stream)


def shown_url(url: str) -> str:
    """A URL as it may be shown: everything up to the last `@` before its query (a user
    name and password, however malformed the URL, even with a `/` in the password)
    replaced by `***`; the scheme is kept."""
    cut = [i for i in (url.find("?"), url.find("#")) if i >= 0]
    at = url.rfind("@", 0, min(cut) if cut else len(url))
    if at < 0:
        return url
    scheme = url.find("//")
    head = url[: scheme + 2] if 0 <= scheme < at else ""
    return f"{head}***{url[at:]}"


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# -- the declaration ---------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One option as users see it: its flag and/or env variable, default, help, parser."""

    name: str
    flag: str | None
    env: str | None
    help: str
    parse: Parser | None
    metavar: str | None
    default: str | None
    shown_default: str
    repeatable: bool

    @property
    def switch(self) -> bool:
        return self.parse is None

    @property
    def env_shown(self) -> str:
        """The env column of the README: `NAME=true` for switches."""
        if self.env is None:
            return ""
        return f"{self.env}=true" if self.switch else self.env


def option(
    flag: str | None,
    *,
    help: str,
    env: str | None = None,
    parse: Parser | None = None,
    metavar: str | None = None,
    default: str | None = None,
    shown_default: str | None = None,
    repeatable: bool = False,
) -> Any:
    """A settings field that is also a user-facing option (`parse=None`: an on/off switch)."""
    source = flag or env or "option"
    value: Any
    if parse is None:
        value = False
    elif repeatable:
        value = tuple(parse(item, source) for item in (default or "").splitlines() if item)
    else:
        value = None if default is None else parse(default, source)
    shown = shown_default or (
        default if default is not None else ("off" if parse is None else "none")
    )
    meta = Option(
        name="",
        flag=flag,
        env=env,
        help=help,
        parse=parse,
        metavar=metavar,
        default=default,
        shown_default=shown,
        repeatable=repeatable,
    )
    return field(default=value, metadata={"option": meta})


def options_of(cls: type) -> Iterator[Option]:
    """The options declared on a settings class, in declaration order."""
    for item in fields(cls):
        meta = item.metadata.get("option")
        if isinstance(meta, Option):
            yield replace(meta, name=item.name)


def add_arguments(parser: argparse.ArgumentParser | Any, cls: type) -> None:
    """Register a settings class's flags on an argparse parser (or argument group)."""
    for opt in options_of(cls):
        if opt.flag is None:
            continue
        extra = [f"env {opt.env_shown}"] if opt.env else []
        extra.append(f"default {opt.shown_default}")
        help_text = f"{opt.help} ({'; '.join(extra)})".replace("%", "%%")
        if opt.switch:
            parser.add_argument(opt.flag, dest=opt.name, action="store_true", help=help_text)
        elif opt.repeatable:
            parser.add_argument(
                opt.flag, dest=opt.name, action="append", metavar=opt.metavar, help=help_text
            )
        else:
            parser.add_argument(opt.flag, dest=opt.name, metavar=opt.metavar, help=help_text)


def _value(opt: Option, given: Any, env: Mapping[str, str], current: Any) -> Any:
    source = opt.flag or opt.env or opt.name
    if opt.switch:
        if given:
            return True
        raw = env.get(opt.env) if opt.env else None
        return current if raw is None else env_flag(raw, str(opt.env))
    assert opt.parse is not None
    if opt.repeatable:
        if given:
            return tuple(opt.parse(item, source) for item in given)
        raw = env.get(opt.env) if opt.env else None
        if raw is None or not raw.strip():
            return current
        return tuple(opt.parse(line, str(opt.env)) for line in raw.splitlines() if line.strip())
    if given is not None:
        return opt.parse(given, source)
    raw = env.get(opt.env) if opt.env else None
    if raw is None or not raw.strip():
        return current
    return opt.parse(raw, str(opt.env))


def resolve(settings: S, args: argparse.Namespace | None, env: Mapping[str, str]) -> S:
    """`settings` with each declared option taken from its flag, else its env, else kept."""
    changes = {
        opt.name: _value(opt, getattr(args, opt.name, None), env, getattr(settings, opt.name))
        for opt in options_of(type(settings))
    }
    return replace(settings, **changes)  # type: ignore[type-var]


def parse_option(cls: type, name: str, raw: str) -> Any:
    """One declared option's value from raw text, as its flag would take it."""
    for opt in options_of(cls):
        if opt.name == name and opt.parse is not None:
            return opt.parse(raw, opt.flag or opt.env or name)
    raise KeyError(name)


# -- the settings ------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """A BlazeMeter API key. The secret never appears in a repr, a log or a report."""

    key_id: str
    key_secret: str = field(repr=False)


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
        default="300",
        help="how long consecutive API trouble is retried before the wait ends as error",
    )
    max_answer_bytes: int = option(
        None,
        env="CI_GATE_MAX_ANSWER_MB",
        parse=_parse_megabytes,
        default="64",
        help="largest answer read, in MiB (decoded); larger is an API error",
    )
    connect_timeout: float = 10.0
    retry_factor: float = 1.0
    retry_max_delay: float = 30.0


_LEVELS_HELP = ", ".join(LEVELS) + " (or 100..600)"


@dataclass(frozen=True)
class WaitSettings:
    """What `ci-gate wait` waits for, how it judges, and where the reports go."""

    master_ids: tuple[str, ...] = ()
    level: int = option(
        "--level",
        env="CI_GATE_LEVEL",
        parse=_parse_level,
        metavar="LEVEL",
        default="ERROR",
        help=f"fail threshold, a level name (any case) or its number: {_LEVELS_HELP}",
    )
    timeout: float = option(
        "--timeout",
        env="CI_GATE_TIMEOUT",
        parse=parse_seconds,
        metavar="SECONDS",
        default="3600",
        help="overall deadline for the whole wait",
    )
    interval: float = option(
        "--interval",
        env="CI_GATE_INTERVAL",
        parse=parse_seconds,
        metavar="SECONDS",
        default="10",
        help="pause between polls (fractions honoured; a warning below 1 s for a remote API)",
    )
    report_dir: Path = option(
        "--report-dir",
        env="CI_GATE_REPORT_DIR",
        parse=_parse_path,
        metavar="DIR",
        default="ci-gate-report",
        help="where the reports go (created if missing)",
    )
    ignore: tuple[re.Pattern[str], ...] = option(
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
        help="exit as soon as an offending event is seen",
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
        parse=_parse_criteria_mode,
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
    concurrency: int = option(
        None,
        env="CI_GATE_CONCURRENCY",
        parse=lambda raw, source: _parse_count(raw, source, 1, 64),
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


@dataclass(frozen=True)
class ApiSettings:
    """Where the API is and how to reach it; credentials and tuning resolved with it."""

    url: str = option(
        "--api-url",
        env="BLAZEMETER_API_URL",
        parse=_parse_text,
        metavar="URL",
        default=DEFAULT_API_URL,
        help="API base",
    )
    key_file: str | None = option(
        "--api-key-file",
        parse=_parse_text,
        metavar="PATH",
        shown_default="BLAZEMETER_API_KEY_ID/_SECRET",
        help="file holding key_id:key_secret (a secret is never taken from the command line)",
    )
    ca_bundle: str | None = option(
        "--ca-bundle",
        env="REQUESTS_CA_BUNDLE",
        parse=_parse_text,
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


def resolve_wait(
    args: argparse.Namespace, env: Mapping[str, str], master_ids: list[str] | None
) -> WaitSettings:
    """The wait's settings; `master_ids` None for `run`, which learns its one master."""
    ids = () if master_ids is None else parse_master_ids(master_ids)
    settings = resolve(WaitSettings(master_ids=ids), args, env)
    metrics = [limit.metric for limit in settings.regression]
    twice = sorted({metric for metric in metrics if metrics.count(metric) > 1})
    if twice:
        raise UsageError(
            f"--regression gives a limit for {', '.join(twice)} more than once: give one "
            "limit per metric"
        )
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
    except ValueError:  # a malformed port or IPv6 literal
        raise UsageError(f"--api-url {shown!r} is not an http(s) URL") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise UsageError(f"--api-url {shown!r} is not an http(s) URL")
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


def resolve_credentials(api_key_file: str | None, env: Mapping[str, str]) -> Credentials:
    """From `--api-key-file` (key_id:key_secret) or BLAZEMETER_API_KEY_ID/_SECRET.

    The secret is registered with the sanitiser at once, so no later line can show it.
    """
    if api_key_file is not None:
        try:
            # utf-8-sig: a BOM left by a Windows editor is not part of the key id
            text = Path(api_key_file).read_text(encoding="utf-8-sig").strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise UsageError(
                f"--api-key-file {api_key_file!r}: cannot read it ({reason})"
            ) from None
        key_id, sep, secret = text.partition(":")
        if not sep or not key_id.strip() or not secret.strip():
            raise UsageError(f"--api-key-file {api_key_file!r} must hold key_id:key_secret")
        return _checked(
            Credentials(key_id.strip(), secret.strip()), f"--api-key-file {api_key_file!r}"
        )
    key_id = env.get("BLAZEMETER_API_KEY_ID", "").strip()
    secret = env.get("BLAZEMETER_API_KEY_SECRET", "").strip()
    missing = [
        name
        for name, value in (
            ("BLAZEMETER_API_KEY_ID", key_id),
            ("BLAZEMETER_API_KEY_SECRET", secret),
        )
        if not value
    ]
    if missing:
        raise UsageError(
            f"missing credentials: set {' and '.join(missing)} (or use --api-key-file)"
        )
    return _checked(
        Credentials(key_id, secret), "BLAZEMETER_API_KEY_ID / BLAZEMETER_API_KEY_SECRET"
    )


def _checked(credentials: Credentials, source: str) -> Credentials:
    """Refuse a key that cannot travel in an HTTP Basic header, without echoing it."""
    register_credentials(credentials.key_id, credentials.key_secret)
    pair = f"{credentials.key_id}:{credentials.key_secret}"
    if ":" in credentials.key_id:
        raise UsageError(f"{source}: the key id must not contain ':'")
    try:
        pair.encode("latin-1")
    except UnicodeEncodeError:
        raise UsageError(
            f"{source}: the key holds a character that cannot travel in an HTTP Basic "
            "header (only Latin-1 text can); check that the right key was copied"
        ) from None
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in pair):
        raise UsageError(f"{source}: the key holds a control character (a stray line break?)")
    return credentials


def parse_test_id(raw: str) -> str:
    """A BlazeMeter test id: ASCII digits only."""
    value = raw.strip()
    if not value or not value.isascii() or not value.isdigit():
        raise UsageError(f"test id {raw!r} is not a number")
    return value
