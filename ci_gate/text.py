"""Making untrusted text safe to show: one line, no control characters, bounded length.

Server-supplied strings reach terminals, CI logs and reports. Control characters (ANSI
escapes, CR/LF that could forge a log line or a workflow command) and bidirectional
overrides are shown as visible escapes instead of being interpreted.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff"
    "\ud800-\udfff\ufffe\uffff]"
)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\n":
        return "\\n"
    if char == "\r":
        return "\\r"
    if char == "\t":
        return " "
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text: str, limit: int = 500) -> str:
    """The text on one line with every control character made visible, cut to `limit`."""
    safe = _UNSAFE.sub(_escape, text)
    if len(safe) > limit:
        return safe[: max(limit - 1, 0)] + "…"
    return safe


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Text with the characters XML 1.0 cannot carry replaced by visible escapes."""
    return _XML_ILLEGAL.sub(_escape, text)
