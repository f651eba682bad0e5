"""Validated settings of a command, from its flags with environment fallbacks.

Flag beats environment beats default. Every mistake is a `UsageError` (exit 2) with one
line naming the option and the problem, raised before anything is polled.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ci_gate.client import Credentials, HttpPolicy
from ci_gate.errors import UsageError
from ci_gate.levels import parse_threshold
from ci_gate.policy import Policy
from ci_gate.waiter import WaitPlan

DEFAULT_API_URL = "https://a.blazemeter.com/api/v4"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class ApiSettings:
    url: str
    credentials: Credentials
    ca_bundle: str | None
    http: HttpPolicy


@dataclass(frozen=True)
class WaitSettings:
    """What to wait for and how (the waiter's plan), and where the reports go."""

    plan: WaitPlan
    report_dir: Path


def parse_master_ids(values: list[str]) -> tuple[str, ...]:
    """Master ids from arguments; each may hold several, split by commas or white space."""
    ids: list[str] = []
    for value in values:
        for part in re.split(r"[\s,]+", value.strip()):
            if not part:
                continue
            if not part.isdigit() or len(part) > 20:
                raise UsageError(f"master id {part!r} is not a number (BlazeMeter's masterId)")
            if part not in ids:
                ids.append(part)
    if not ids:
        raise UsageError("give at least one master id")
    return tuple(ids)


def env_flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise UsageError(f"{name}={raw!r}: use true or false")


def _seconds(raw: str | None, what: str, default: float, *, minimum: float = 0.0) -> float:
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{what} {raw!r} is not a number of seconds") from None
    if not value > minimum or value != value or value == float("inf"):
        raise UsageError(f"{what} must be a number of seconds above {minimum:g}, not {raw!r}")
    return value


def _pick(flag: str | None, env: Mapping[str, str], name: str) -> str | None:
    return flag if flag is not None else env.get(name)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_api(
    *,
    api_url: str | None,
    api_key_file: str | None,
    ca_bundle: str | None,
    allow_insecure_http: bool,
    env: Mapping[str, str],
) -> ApiSettings:
    url = (_pick(api_url, env, "BLAZEMETER_API_URL") or DEFAULT_API_URL).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--api-url {url!r} is not an http(s) URL")
    if parts.username or parts.password:
        raise UsageError("--api-url must not carry credentials; use the environment or a key file")
    if parts.scheme == "http" and not is_loopback(parts.hostname) and not allow_insecure_http:
        raise UsageError(
            f"--api-url {url!r} is plain http to a host that is not loopback: credentials "
            "would travel in clear (use https, or --allow-insecure-http if you must)"
        )
    if ca_bundle is not None and not Path(ca_bundle).is_file():
        raise UsageError(f"--ca-bundle {ca_bundle!r}: no such file")
    return ApiSettings(
        url=url,
        credentials=resolve_credentials(api_key_file, env),
        ca_bundle=ca_bundle,
        http=resolve_http_policy(env),
    )


def resolve_credentials(api_key_file: str | None, env: Mapping[str, str]) -> Credentials:
    """From `--api-key-file` (key_id:key_secret) or BLAZEMETER_API_KEY_ID/_SECRET."""
    if api_key_file is not None:
        try:
            text = Path(api_key_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise UsageError(
                f"--api-key-file {api_key_file!r}: cannot read it ({reason})"
            ) from None
        key_id, sep, secret = text.partition(":")
        if not sep or not key_id.strip() or not secret.strip():
            raise UsageError(f"--api-key-file {api_key_file!r} must hold key_id:key_secret")
        return Credentials(key_id.strip(), secret.strip())
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
    return Credentials(key_id, secret)


def resolve_http_policy(env: Mapping[str, str]) -> HttpPolicy:
    """Tuning knobs (documented in the README): read timeout and retry budget."""
    defaults = HttpPolicy()
    tries_raw = env.get("CI_GATE_RETRY_TRIES", "").strip()
    if tries_raw and (not tries_raw.isdigit() or int(tries_raw) < 1):
        raise UsageError(f"CI_GATE_RETRY_TRIES={tries_raw!r}: use a whole number >= 1")
    return HttpPolicy(
        connect_timeout=defaults.connect_timeout,
        read_timeout=_seconds(
            env.get("CI_GATE_HTTP_TIMEOUT"), "CI_GATE_HTTP_TIMEOUT", defaults.read_timeout
        ),
        retry_tries=int(tries_raw) if tries_raw else defaults.retry_tries,
        retry_max_time=_seconds(
            env.get("CI_GATE_RETRY_MAX_TIME"), "CI_GATE_RETRY_MAX_TIME", defaults.retry_max_time
        ),
        retry_factor=defaults.retry_factor,
        retry_max_delay=defaults.retry_max_delay,
    )


def resolve_wait(
    *,
    master_ids: list[str],
    level: str | None,
    timeout: str | None,
    interval: str | None,
    report_dir: str | None,
    ignore: list[str] | None,
    fail_fast: bool,
    stop_on_timeout: bool,
    stop_on_fail: bool,
    stop_on_cancel: bool,
    env: Mapping[str, str],
) -> WaitSettings:
    threshold = parse_threshold(_pick(level, env, "CI_GATE_LEVEL") or "ERROR")
    if ignore:
        patterns = list(ignore)
    else:
        patterns = [line for line in env.get("CI_GATE_IGNORE", "").splitlines() if line.strip()]
    plan = WaitPlan(
        master_ids=parse_master_ids(master_ids),
        policy=Policy.build(threshold, patterns),
        timeout=_seconds(_pick(timeout, env, "CI_GATE_TIMEOUT"), "--timeout", 3600.0),
        interval=_seconds(_pick(interval, env, "CI_GATE_INTERVAL"), "--interval", 10.0),
        fail_fast=fail_fast or env_flag(env, "CI_GATE_FAIL_FAST"),
        stop_on_timeout=stop_on_timeout or env_flag(env, "CI_GATE_STOP_ON_TIMEOUT"),
        stop_on_fail=stop_on_fail or env_flag(env, "CI_GATE_STOP_ON_FAIL"),
        stop_on_cancel=stop_on_cancel or env_flag(env, "CI_GATE_STOP_ON_CANCEL"),
        heartbeat=_seconds(env.get("CI_GATE_HEARTBEAT"), "CI_GATE_HEARTBEAT", 60.0),
    )
    report = Path(_pick(report_dir, env, "CI_GATE_REPORT_DIR") or "ci-gate-report")
    return WaitSettings(plan=plan, report_dir=report)
