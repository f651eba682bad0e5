"""BlazeMeter's API for a gate: one method per endpoint, each bounded by the caller's
deadline and returning domain values (parsed by `answers`, inside the retried call: a
body of the wrong shape is worth another try). Only `start` has a retry rule of its own:
a start is not idempotent (what each try of it may have done: `start_attempts`).

Over 300 lines on purpose: one short method per endpoint the gate uses, over the same
transport, retry policy and deadline; split up, each part would repeat that plumbing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TypeVar
from urllib.parse import quote

import requests
import requests.adapters

from ci_gate.blazemeter.answers import (
    decode_status,
    parse_aggregate,
    parse_criteria_with_notes,
    parse_kpis,
    parse_labels,
    parse_live_kpis,
    parse_master_info,
    parse_runs,
    parse_status,
)
from ci_gate.blazemeter.retry import RetryPolicy
from ci_gate.blazemeter.start_attempts import StartAttempts
from ci_gate.blazemeter.transport import Transport
from ci_gate.clock import REAL_CLOCK, Clock
from ci_gate.config.credentials import Credentials
from ci_gate.config.settings import ApiSettings, HttpSettings
from ci_gate.domain.findings import AggregateReport, Criterion, MasterInfo, RunInfo
from ci_gate.domain.live import KpiPoint, Label
from ci_gate.domain.run import GRACEFUL_STOP_PROGRESS, MasterStatus, Traffic
from ci_gate.domain.trend import MAX_TREND
from ci_gate.errors import (
    ApiError,
    MalformedResponseError,
    NotSentError,
    OutOfTimeError,
    RateLimitedError,
    RetryableApiError,
    StartMayHaveHappenedError,
    UsageError,
)
from ci_gate.text import ascii_digits

T = TypeVar("T")

#: The live KPIs asked for, in Taurus's order: response time, latency, bytes, hits,
#: errors, the second, active users.
LIVE_KPI_FIELDS = ("t", "lt", "by", "n", "ec", "ts", "na")


def start_may_have_happened(what: str) -> str:
    """What to say when a start of `what` ("test 7") may have started a run."""
    return f"a run of {what} may have started: check {what} in BlazeMeter before starting it again"


class BlazeMeterClient:
    """The endpoints a gate needs, over one `Transport` and one `RetryPolicy`."""

    def __init__(
        self,
        api_url: str,
        credentials: Credentials,
        *,
        http: HttpSettings | None = None,
        ca_bundle: str | None = None,
        session: requests.Session | None = None,
        on_retry: Callable[[str], None] | None = None,
        pool_size: int = 16,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.http = http or HttpSettings()
        # one clock for the deadlines, the requests' caps and the retries (a test's fake
        # clock and sleep take their place: no test patches the time module)
        self._transport = Transport(
            self.api_url,
            credentials,
            http=self.http,
            ca_bundle=ca_bundle,
            session=session,
            pool_size=pool_size,
            clock=clock,
        )
        self._on_retry = on_retry
        self.retry = RetryPolicy.from_settings(self.http, clock=clock, sleep=sleep)

    @classmethod
    def from_settings(
        cls,
        api: ApiSettings,
        on_retry: Callable[[str], None] | None = None,
        pool_size: int = 1,
        clock: Clock = REAL_CLOCK,
    ) -> BlazeMeterClient:
        """The client every command builds from its resolved `ApiSettings`, on the
        command's clock (its deadlines are on it)."""
        if api.credentials is None:
            raise UsageError("missing credentials")
        return cls(
            api.url,
            api.credentials,
            http=api.http,
            ca_bundle=api.ca_bundle,
            on_retry=on_retry,
            pool_size=pool_size,
            clock=clock.monotonic,
            sleep=clock.sleep,
        )

    def close(self) -> None:
        self._transport.close()

    def traffic(self) -> Traffic:
        """What this client has sent and received so far."""
        return self._transport.traffic()

    def _with_retries(self, call: Callable[[], T], deadline: float | None) -> T:
        return self.retry.call(
            call,
            deadline,
            on_retry=self._on_retry,
            on_each_retry=lambda: self._transport.count(retries=1),
        )

    def status(
        self,
        master_id: str,
        *,
        level: str,
        events: bool = True,
        deadline: float | None = None,
    ) -> MasterStatus:
        """`GET /masters/{id}/status`, retried within the budget and the deadline."""
        params = {"level": level, "events": "true" if events else "false"}

        def read_status() -> MasterStatus:
            # parsed inside the retried call: a body of the wrong shape is worth another try
            answer = self._call("GET", master_id, "status", params, deadline, decode=decode_status)
            return parse_status(master_id, answer)

        return self._with_retries(read_status, deadline)

    def stop(self, master_id: str, progress: int | None, deadline: float | None = None) -> str:
        """Stop a master: `stop` once it has data (progress >= 100), else `terminate`.

        Returns the action used. Never `/tests/{id}/stop`: that stops other people's runs.
        """
        action = (
            "stop" if progress is not None and progress >= GRACEFUL_STOP_PROGRESS else "terminate"
        )
        self._with_retries(lambda: self._call("POST", master_id, action, None, deadline), deadline)
        return action

    def master_info(self, master_id: str, deadline: float | None = None) -> MasterInfo:
        """`GET /masters/{id}`: BlazeMeter's reportStatus (its verdict) and the test id."""
        return self._with_retries(
            lambda: parse_master_info(master_id, self._call("GET", master_id, "", None, deadline)),
            deadline,
        )

    def criteria_with_notes(
        self, master_id: str, deadline: float | None = None
    ) -> tuple[tuple[Criterion, ...], tuple[str, ...]]:
        """`GET /masters/{id}/reports/thresholds`, with no query string (Taurus's bug was
        adding one: every criterion then read as passed); notes on unusable values."""
        return self._with_retries(
            lambda: parse_criteria_with_notes(
                master_id, self._call("GET", master_id, "reports/thresholds", None, deadline)
            ),
            deadline,
        )

    def kpis(self, master_id: str, deadline: float | None = None) -> dict[str, float] | None:
        """`GET /masters/{id}/reports/default/summary`: the numbers of label ALL."""
        return self._with_retries(
            lambda: parse_kpis(
                master_id, self._call("GET", master_id, "reports/default/summary", None, deadline)
            ),
            deadline,
        )

    def labels(self, master_id: str, deadline: float | None = None) -> list[Label]:
        """`GET /data/labels?master_id=ID`: the run's labels (`ALL` among them) once it
        has data."""
        return self._read_data(
            "labels", master_id, [("master_id", master_id)], parse_labels, deadline
        )

    def live_kpis(
        self,
        master_id: str,
        from_ts: int,
        label_ids: Sequence[str],
        deadline: float | None = None,
    ) -> dict[str, tuple[KpiPoint, ...]]:
        """`GET /data/kpis`: one point per second from `from_ts` for the labels asked for
        (by id), as Taurus's `bza.Master.get_kpis` asks; per label id, its points in order.
        The newest point may still be filling: `judging.live_feed` deals with that."""
        params = [("interval", "1"), ("from", str(from_ts)), ("master_ids[]", master_id)]
        params += [("kpis[]", kpi) for kpi in LIVE_KPI_FIELDS]
        params += [("labels[]", label_id) for label_id in label_ids]
        return self._read_data("kpis", master_id, params, parse_live_kpis, deadline)

    def _read_data(
        self,
        endpoint: str,
        master_id: str,
        params: list[tuple[str, str]],
        parse: Callable[[str, object], T],
        deadline: float | None,
    ) -> T:
        """`GET /data/{endpoint}` about one master (the live-data API), read by `parse` and
        retried like every read."""

        def read() -> T:
            answer = self._transport.request(
                "GET", f"data/{endpoint}", f"master {master_id}", params, deadline
            )
            return parse(master_id, answer)

        return self._with_retries(read, deadline)

    def public_token(self, master_id: str, deadline: float | None = None) -> str:
        """`POST /masters/{id}/public-token`: a token anyone can open the report with."""

        def create() -> str:
            result = self._call(
                "POST", master_id, "public-token", None, deadline, {"publicToken": None}
            )
            token = result.get("publicToken") if isinstance(result, dict) else None
            if not isinstance(token, str) or not token.strip():
                raise MalformedResponseError(f"master {master_id}: no public token in the answer")
            return token.strip()

        return self._with_retries(create, deadline)

    def start(
        self,
        test_id: str,
        *,
        multi: bool = False,
        deadline: float | None = None,
        attempts: StartAttempts | None = None,
    ) -> str:
        """`POST /tests/{id}/start` (or `/multi-tests/{id}/start`): the new master's id.

        A start is not idempotent: a retry after the request reached BlazeMeter would
        start a second, billable run. So only what cannot have reached it (no connection)
        and 429 are retried. After any other answer (a 5xx, one too large or unreadable,
        one carrying an error, one without a master id), or none at all once sent, a run
        may have started: `StartMayHaveHappenedError`. Only a request that cannot have
        reached BlazeMeter, or that it refused with a 4xx, ends as another error.
        `attempts` records what each try may have done (a cancel reads it).
        """
        kind = "multi-test" if multi else "test"
        path = f"{'multi-tests' if multi else 'tests'}/{quote(test_id, safe='')}/start"
        what = f"{kind} {test_id}"

        def may_have_started(problem: str) -> StartMayHaveHappenedError:
            return StartMayHaveHappenedError(f"{problem}; {start_may_have_happened(what)}")

        def start_once() -> str:
            return try_once() if attempts is None else attempts.attempt(try_once, what)

        def try_once() -> str:
            try:
                result = self._transport.request("POST", path, what, None, deadline)
            except (NotSentError, RateLimitedError, OutOfTimeError):
                raise  # never sent, or turned away before anything started
            except RetryableApiError as error:
                raise may_have_started(str(error)) from None
            except ApiError as error:
                if error.answered is None or 400 <= error.answered < 500:
                    raise  # never answered (TLS refused), or refused by BlazeMeter
                raise may_have_started(str(error)) from None
            master = result.get("id") if isinstance(result, dict) else None
            master_id = str(master).strip() if isinstance(master, (int, str)) else ""
            if isinstance(master, bool) or not ascii_digits(master_id) or int(master_id) == 0:
                problem = (
                    "carries no master id"
                    if master is None
                    else "carries a master id that is not a positive whole number"
                )
                raise may_have_started(f"{what}: the start answer {problem}")
            return str(int(master_id))

        return self._with_retries(start_once, deadline)

    def set_note(self, master_id: str, note: str, deadline: float | None = None) -> None:
        """`PATCH /masters/{id}` with `{"note": ...}` (setting it twice is harmless)."""
        self._with_retries(
            lambda: self._call("PATCH", master_id, "", None, deadline, {"note": note}), deadline
        )

    def aggregate(self, master_id: str, deadline: float | None = None) -> AggregateReport:
        """`GET /masters/{id}/reports/aggregatereport/data`: one row per label."""
        return self._with_retries(
            lambda: parse_aggregate(
                master_id,
                self._call("GET", master_id, "reports/aggregatereport/data", None, deadline),
            ),
            deadline,
        )

    def runs_of_test(self, test_id: str, deadline: float | None = None) -> list[RunInfo]:
        """The test's runs (`GET /masters?testId=`), newest first."""
        params = {"testId": test_id, "limit": str(MAX_TREND), "sort[]": "-created"}
        return self._with_retries(
            lambda: parse_runs(
                test_id,
                self._transport.request("GET", "masters", f"test {test_id}", params, deadline),
            ),
            deadline,
        )

    def _call(
        self,
        method: str,
        master_id: str,
        endpoint: str,
        params: dict[str, str] | None,
        deadline: float | None,
        body: dict[str, object] | None = None,
        decode: Callable[[bytes], object | None] | None = None,
    ) -> object:
        path = f"masters/{quote(master_id, safe='')}" + (f"/{endpoint}" if endpoint else "")
        return self._transport.request(
            method, path, f"master {master_id}", params, deadline, body, decode
        )
