"""What the wait asks of a BlazeMeter client, as a protocol (`api.BlazeMeterClient` in
production, a fake in the tests): one method per endpoint the wait calls, and apart from
them what the client itself holds (its address, for links; its traffic counter), so the
endpoints are never mixed with the helpers computed from them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ci_gate.domain.findings import AggregateReport, Criterion, MasterInfo, RunInfo
from ci_gate.domain.live import KpiPoint, Label
from ci_gate.domain.run import MasterStatus, Traffic


class LiveDataApi(Protocol):
    """BlazeMeter's live data: the run's labels, and its KPIs second by second."""

    def labels(self, master_id: str, deadline: float | None = None) -> list[Label]: ...

    def live_kpis(
        self,
        master_id: str,
        from_ts: int,
        label_ids: Sequence[str],
        deadline: float | None = None,
    ) -> dict[str, tuple[KpiPoint, ...]]: ...


class StatusApi(LiveDataApi, Protocol):
    """The endpoints the wait reads and stops masters with, each bounded by `deadline`."""

    def status(
        self, master_id: str, *, level: str, events: bool = True, deadline: float | None = None
    ) -> MasterStatus: ...

    def stop(self, master_id: str, progress: int | None, deadline: float | None = None) -> str: ...

    def master_info(self, master_id: str, deadline: float | None = None) -> MasterInfo: ...

    def criteria_with_notes(
        self, master_id: str, deadline: float | None = None
    ) -> tuple[tuple[Criterion, ...], tuple[str, ...]]: ...

    def kpis(self, master_id: str, deadline: float | None = None) -> dict[str, float] | None: ...

    def public_token(self, master_id: str, deadline: float | None = None) -> str: ...

    def aggregate(self, master_id: str, deadline: float | None = None) -> AggregateReport: ...

    def runs_of_test(self, test_id: str, deadline: float | None = None) -> list[RunInfo]: ...


class WaitClient(StatusApi, Protocol):
    """A client the wait runs on: the endpoints, the API's address (the report links are
    `links.report_url` of it) and what the client has counted (the reports' traffic)."""

    @property
    def api_url(self) -> str: ...

    def traffic(self) -> Traffic: ...
