"""What is read once before the first poll (and, for `run`, before the start): a mistake
that would otherwise be found only at the end, after the whole run was paid for."""

from __future__ import annotations

from ci_gate.blazemeter.status_api import StatusApi
from ci_gate.domain.findings import MasterInfo
from ci_gate.errors import ApiError, NotFoundError
from ci_gate.judging.baseline import LAST_PASSED


def read_named_baseline(
    api: StatusApi, baseline: str | None, deadline: float
) -> MasterInfo | str | None:
    """A baseline named by id, read once: its record; or, when BlazeMeter says it does not
    exist, the line that says so; or None when none is named (`last-passed` is chosen at
    the end) or it could not be read now (the end reads try again and note what became
    of it)."""
    if baseline is None or baseline == LAST_PASSED:
        return None
    try:
        return api.master_info(baseline, deadline)
    except NotFoundError as error:
        return f"the baseline named by --baseline {baseline} was not found: {error}"
    except ApiError:
        return None
