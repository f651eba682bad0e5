"""The one duration format (issue 32 item 9): `format_duration` is the only writer of a
duration, so `300s` never stands beside `1h00m00s`."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gate.formatting import format_duration, kpi_line

_FORMAT = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(\d+(?:\.\d)?)s")


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0s"),
        (0.3, "0.3s"),
        (5, "5s"),
        (59.94, "59.9s"),
        (59.96, "1m00s"),
        (300, "5m00s"),
        (3600, "1h00m00s"),
        (-2, "0s"),
    ],
)
def test_durations_read_one_way(seconds: float, shown: str) -> None:
    assert format_duration(seconds) == shown


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0, max_value=10**7, allow_nan=False))
def test_every_duration_has_the_one_shape_and_reads_back(seconds: float) -> None:
    shown = format_duration(seconds)
    match = _FORMAT.fullmatch(shown)
    assert match, shown
    hours, minutes, secs = match.groups()
    if hours or minutes:  # a minute or more: whole seconds, two digits each
        assert "." not in secs and len(secs) == 2 and (not hours or len(minutes) == 2)
    back = int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(secs)
    assert abs(back - seconds) <= 1.0


def test_the_kpis_fit_one_line_in_reading_order() -> None:
    kpis = {"tp90": 1830.0, "hits": 9800.0, "avg": 910.25, "bytes": 1.0, "failed": 10.0}
    assert kpi_line(kpis) == (
        "9,800 samples, 10 failed samples, avg response time 910.2 ms, p90 1,830 ms"
    )
