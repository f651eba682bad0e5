"""What the gate says and decides about a URL before sending anything to it: how it may be
shown (never with a password in it) and whether its host is this machine (plain http and a
sub-second interval are allowed only there). A bottom module, not an option parser: the
settings, `commands.wait` and `commands.simulate` each ask it.
"""

from __future__ import annotations

import ipaddress


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
