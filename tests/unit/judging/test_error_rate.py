"""One error rate (issue 30 item 6): failed samples in % of all samples, computed in one
place for the trend's points and for a live criterion judged on the summary's totals.
They differed for a count of samples that is no count (negative, NaN): the trend showed
no rate, the totals a negative one, which a `fail>5%` criterion passed on. No usable
count of samples is no data, and a criterion without data is not a pass (the contract)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from ci_gate.domain.kpis import error_rate
from ci_gate.judging.live_outcome import summary_totals
from ci_gate.judging.trend import trend_point

COUNTS = st.none() | st.floats(allow_nan=True) | st.integers(-(10**6), 10**6).map(float)


def test_negative_or_unusable_samples_give_no_rate() -> None:
    for hits in (-100.0, 0.0, math.nan, None):
        assert error_rate(hits, 10.0) is None
        assert (
            summary_totals({"failed": 10.0} | ({} if hits is None else {"hits": hits})).errors_rate
            is None
        )
    assert error_rate(200.0, 10.0) == 5.0
    assert error_rate(200.0, None) is None


@given(hits=COUNTS, failed=COUNTS)
def test_the_trend_and_the_totals_read_one_rate(hits: float | None, failed: float | None) -> None:
    kpis = {
        name: value for name, value in (("hits", hits), ("failed", failed)) if value is not None
    }
    rate = error_rate(hits, failed)
    for shown in (trend_point("1", None, None, kpis).errors, summary_totals(kpis).errors_rate):
        assert (
            shown is rate or shown == rate or (math.isnan(shown or 0.0) and math.isnan(rate or 0.0))
        )
