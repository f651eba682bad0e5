"""The one sanitiser for server text: one line, inert everywhere it is shown, no secrets.

Server-supplied strings reach terminals, CI logs, workflow commands and reports. Before
any of them is shown, `one_line` removes ANSI/OSC escape sequences and bidirectional or
invisible format characters, shows the remaining control characters as visible escapes,
neutralises CI workflow commands (`::` where a line could start with it, `##[` and Azure's
`##vso[` anywhere in the line),
redacts every registered secret (and its HTTP Basic header forms) and bounds the length. `redact`
alone is for machine-readable output (summary.json) where the text must stay intact.
`ascii_digits` is the one test for an id or a count written as text.
"""

from __future__ import annotations

import base64
import re

#: ANSI CSI sequences (`ESC [ ... final`), OSC sequences (`ESC ] ... BEL|ST`, such as
#: OSC 8 hyperlinks) and other two-character escapes: removed whole, not shown.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[@-Z\\-_]"
)


#: Bidirectional controls and invisible format characters: removed (they reorder or hide
#: what the reader sees).
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")


#: Control characters, separators that break lines, surrogates and non-characters: shown
#: as visible escapes.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


#: Two colons where a line could start with them: GitHub's runner takes a line as a
#: workflow command when, its leading blanks trimmed, it starts with "::"
#: (`ActionCommand.TryParseV2`), so they are broken at the start of the text and after any
#: blank (where a line could begin), and left alone elsewhere (`[::1]`, `std::vector`).
#: GitHub's legacy `##[command]` form is parsed anywhere in a line: broken everywhere.
_COLONS = re.compile(r"(?:^|(?<=\s)):(?=:)")


#: Azure Pipelines' logging command prefix, which its agent finds anywhere in a line.
_AZURE_COMMAND = re.compile(r"##(?=vso\[)", re.IGNORECASE)


REDACTED = "[redacted]"


_secrets: set[str] = set()


def register_secret(*values: str) -> None:
    """Remember a secret so that every later `one_line` or `redact` hides it.

    Also the form a message shows it in when it quotes a value with `!r` (a backslash or
    a quote in the secret is escaped there). `register_credentials` adds the forms a
    server could echo the API key in.
    """
    for value in values:
        if len(value) >= 4:
            _secrets.add(value)
            _secrets.add(repr(value)[1:-1])


def register_credentials(key_id: str, key_secret: str) -> None:
    """The secret, and the Basic-auth token built from the pair, as the client sends it."""
    token = base64.b64encode(f"{key_id}:{key_secret}".encode("latin-1", "replace")).decode()
    register_secret(key_secret, token)


def forget_secrets() -> None:
    """For tests: start from no registered secrets."""
    _secrets.clear()


def redact(text: str) -> str:
    """The text with every registered secret replaced by `[redacted]`."""
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


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


def _defuse_commands(text: str) -> str:
    while _COLONS.search(text):  # ":::" at a line's start breaks into ": : :"
        text = _COLONS.sub(": ", text)
    while "##[" in text:
        text = text.replace("##[", "# #[")
    while _AZURE_COMMAND.search(text):
        text = _AZURE_COMMAND.sub("# #", text)
    return text


def one_line(text: str, limit: int = 500) -> str:
    """Server text made safe to show anywhere, on one line, cut to `limit` characters."""
    safe = redact(text)
    safe = _ESCAPE_SEQUENCE.sub("", safe)
    safe = _INVISIBLE.sub("", safe)
    safe = _CONTROL.sub(_escape, safe)
    safe = _defuse_commands(redact(safe))
    if len(safe) > limit:
        return safe[: max(limit - 1, 0)] + "…"
    return safe


def redact_all(value: object) -> object:
    """A JSON-like value with every string in it redacted (keys included)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_all(key): redact_all(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_all(item) for item in value]
    return value


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Text with the characters XML 1.0 cannot carry replaced by visible escapes."""
    return _XML_ILLEGAL.sub(_escape, text)


def ascii_digits(value: str) -> bool:
    """Whether `value` is an id or a count as BlazeMeter, CI systems and users write one:
    ASCII digits only (`isdigit` alone also takes "²", which `int()` refuses, and other
    scripts' digits)."""
    return value.isascii() and value.isdigit()
