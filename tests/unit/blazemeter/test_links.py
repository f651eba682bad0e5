"""The links into BlazeMeter's web app (`blazemeter.links`)."""

from __future__ import annotations

from ci_gate.blazemeter.links import report_url


def test_report_urls() -> None:
    api = "https://a.blazemeter.com/api/v4"
    assert report_url(api, "42") == "https://a.blazemeter.com/app/#/masters/42/summary"
    assert report_url(api, "42", "t<k>") == (
        "https://a.blazemeter.com/app/?public-token=t%3Ck%3E#/masters/42/summary"
    )
