"""What the gate tells about a URL before sending anything (`ci_gate/urls.py`)."""

from __future__ import annotations

import pytest

from ci_gate.urls import is_loopback, shown_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://a.blazemeter.com/api/v4", "https://a.blazemeter.com/api/v4"),
        ("https://user:pa/ss@host/api/v4", "https://***@host/api/v4"),
        ("user:secret@host/api", "***@host/api"),
        ("https://host/api?next=a@b", "https://host/api?next=a@b"),
    ],
)
def test_a_url_is_shown_without_its_user_and_password(url: str, shown: str) -> None:
    assert shown_url(url) == shown


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.2", True),
        ("[::1]", True),
        ("10.0.0.1", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_only_this_machine_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
