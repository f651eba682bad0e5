"""The links into BlazeMeter's web app: the run's report page, public or behind a login."""

from __future__ import annotations

from urllib.parse import quote, urlsplit


def app_base(api_url: str) -> str:
    """BlazeMeter's web app for an API URL: its scheme and host."""
    parts = urlsplit(api_url)
    return f"{parts.scheme}://{parts.netloc}"


def report_url(api_url: str, master_id: str, public_token: str | None = None) -> str:
    """The run's report page; with a public token, the shareable (no-login) one."""
    master = quote(master_id, safe="")
    if public_token:
        token = quote(public_token, safe="")
        return f"{app_base(api_url)}/app/?public-token={token}#/masters/{master}/summary"
    return f"{app_base(api_url)}/app/#/masters/{master}/summary"
