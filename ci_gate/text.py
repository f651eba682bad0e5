"""The one sanitiser for server text: one line, inert everywhere it is shown, no secrets.

Server-supplied strings reach terminals, CI logs, workflow commands and reports. Before
any of them is shown, `one_line` removes ANSI/OSC escape sequences and bidirectional or
invisible format characters, shows the remaining control characters as visible escapes,
neutralises CI workflow commands (`::` where a line could start with it, `##[` and Azure's
`##vso[` anywhere in the line),
redacts every registered secret (and its HTTP Basic header forms) and bounds the length. `redact`
alone is for machine-readable output where the text must stay intact.

Where the redactor runs: a plain-text output (the console, summary.md, the step summary,
a request body) is redacted whole at its sink. Markup (junit.xml, report.html) is
redacted at its sink in its data only (`redact_markup`: character data, attribute values,
comments, CDATA, a script's or a style's text), never its tag and attribute names or the
`<`, `>`, `=` and quotes of its grammar, so a secret spelling `testcase` cannot break it.
A structured output (summary.json, gate.env, Azure's logging commands, GitHub's outputs) is redacted
value by value (`redact_values`, `redact_value`): its keys, literals and the gate's own
`Word`s are never redacted, so a secret that spells `null`, `passed` or `setvariable`
cannot break its grammar; every value from a server, a user or the environment still is.
`ascii_digits` is the one test for an id or a count written as text.

The redactor's rule (docs/SECURITY.md): any run of `RUN` (8) consecutive characters of a
registered secret, in any case, raw or in any escaped form our renderers write
(percent-encoding, JSON, HTML/XML, backslash escapes, nested), or a shorter secret whole.
It is applied here and at every sink (the console streams, the report set, the CI files,
every request body), whatever path built the text. Well over 300 lines on purpose
(about 600): the sanitiser, the redactor it calls and the value-by-value redaction of
structured outputs are one promise, read together.
"""

from __future__ import annotations

import base64
import bisect
import itertools
import re
import threading
from collections.abc import Iterable

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

#: The redaction rule: any run of at least this many consecutive characters of a secret,
#: in any case, is redacted (a shorter secret: the whole of it). Secrets shorter than
#: `MIN_SECRET` are not registered (they would redact ordinary words).
RUN = 8
MIN_SECRET = 4
#: How many distinct runs of a secret's characters a matcher keeps the windows of.
_RUNS_KEPT = 4096

#: One escaped character as our renderers (and the CI systems' escapers) write one, in
#: lowered text: percent-encoding (repeated, and Azure's `%AZP25`), HTML/XML character
#: references and entities (repeated `&amp;`), JSON/Python/Markdown backslash escapes
#: (with the letter ones JSON and repr write for a line break, a tab, a form feed or a
#: backspace).
_UNIT_ESCAPE = (
    r"%(?:25|azp25)*[0-9a-f]{2}|%azp25"
    r"|&(?:amp;)*(?:#[0-9]{1,7}|#x[0-9a-f]{1,6}|amp|lt|gt|quot|apos);"
    r"|\\+(?:u[0-9a-f]{4}|x[0-9a-f]{2}|[bfnrt]|[^0-9a-z\s])"
)
_UNIT = re.compile(_UNIT_ESCAPE)
#: The same escapes read one level deep only: `\\\\/` is an escaped backslash and a
#: slash there, an escaped slash escaped again in `_UNIT`; both readings are tried.
_UNIT_ONCE = re.compile(
    r"%[0-9a-f]{2}|&(?:#[0-9]{1,7}|#x[0-9a-f]{1,6}|amp|lt|gt|quot|apos);"
    r"|\\(?:u[0-9a-f]{4}|x[0-9a-f]{2}|[bfnrt]|[^0-9a-z\s])"
)
#: And with every backslash taken as itself (`\\%5D` is a backslash and an escaped `]`).
_UNIT_NO_BACKSLASH = re.compile(
    r"%(?:25|azp25)*[0-9a-f]{2}|%azp25|&(?:amp;)*(?:#[0-9]{1,7}|#x[0-9a-f]{1,6}|amp|lt|gt|quot|apos);"
)
#: And with a backslash escaped twice or three times (JSON twice writes one as four:
#: `_UNIT` reads `\\\\:` as a colon, `_UNIT_ONCE` as two backslashes and a colon).
_UNIT_NESTED = tuple(re.compile(rf"\\{{{2**depth}}}|{_UNIT_ESCAPE}") for depth in (2, 3))
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_LETTER_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class _Matcher:
    """The registered secrets compiled once: what a redaction pass needs."""

    def __init__(self, secrets: frozenset[str]) -> None:
        self._run_windows: dict[str, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
        self.grams: dict[int, frozenset[str]] = {}
        grams: dict[int, set[str]] = {}
        escapable: set[str] = set()
        for secret in secrets:
            folded = _fold(secret)
            size = min(len(folded), RUN)
            grams.setdefault(size, set()).update(
                folded[i : i + size] for i in range(len(folded) - size + 1)
            )
            escapable.update(
                variant
                for char in secret + folded
                for variant in {char, char.upper(), char.lower()}
                if len(variant) == 1 and (not variant.isalnum() or not variant.isascii())
            )
        self.grams = {size: frozenset(found) for size, found in grams.items()}
        self.sizes = sorted(self.grams, reverse=True)
        alphabet = sorted({char for found in grams.values() for gram in found for char in gram})
        klass = "".join(re.escape(char) for char in alphabet)
        self.runs = re.compile(f"[{klass}]{{{min(self.sizes)},}}") if alphabet else None
        #: any window at all, as one prefix tree in C: most text holds none, and is let go
        #: after one search instead of a look at every position of its runs
        self.quick = re.compile(_tree(set().union(*grams.values()))) if grams else None
        #: runs of escapes and the secrets' characters, read escapes first and characters
        #: first (a backslash may be either): their union is decoded every way
        self.unit_runs = (
            (
                re.compile(f"(?:{_UNIT_ESCAPE}|[{klass}])+"),
                re.compile(f"(?:[{klass}]|{_UNIT_NO_BACKSLASH.pattern})+"),
            )
            if escapable
            else ()
        )
        #: an escaped form of one of those characters (only they are ever escaped): the
        #: escape pass looks only around these, never through the whole text
        self.marks = ("%", "&", "\\", "+") if " " in escapable else ("%", "&", "\\")
        self.hits = (
            re.compile("|".join(_escaped_forms(char) for char in sorted(escapable)))
            if escapable
            else None
        )
        self.any_mark = re.compile(f"[{''.join(re.escape(mark) for mark in self.marks)}]")
        #: what joins many texts redacted at once (`redacted`): in no window and no escape
        self.joint = next(
            (c for c in map(chr, range(32)) if c not in alphabet and c not in self.marks), None
        )

    def spans(self, folded: str, *, joined: bool = False) -> list[tuple[int, int]]:
        """Where the folded text holds a window of a secret; `joined`: a run's windows that
        touch come as one span (for a caller that merges them anyway)."""
        found: list[tuple[int, int]] = []
        if self.runs is not None and self.quick is not None:
            for match in self.runs.finditer(folded):
                if self.quick.search(folded, match.start(), match.end()):
                    at = match.start()
                    windows = self._run(match.group())[joined]
                    found.extend((at + start, at + end) for start, end in windows)
        if self.hits is None or not any(mark in folded for mark in self.marks):
            return found  # no escape at all: most text, at the cost of three `in`s
        ranges: list[tuple[int, int]] = []
        reach = _REACH * RUN
        for hit in self.hits.finditer(folded):
            around = max(hit.start() - reach, 0), min(hit.end() + reach, len(folded))
            ranges.extend(
                (match.start(), match.end())
                for runs in self.unit_runs
                for match in runs.finditer(folded, *around)
                if match.start() <= hit.start() and hit.end() <= match.end()
            )
        if ranges:
            ranges.sort()
            merged: list[list[int]] = []
            for start, end in ranges:
                if merged and start <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            for start, end in merged:
                self._decoded(folded[start:end], start, found)
        return found

    def redacted(self, texts: list[str]) -> dict[str, str]:
        """Each of `texts` as `redact` gives it, found in one pass over them all: a text
        with no escape mark is redacted from that pass's runs (60,000 messages that each
        echo the key id and the secret took a second one by one); one with a mark alone."""
        if self.joint is None or self.runs is None or self.quick is None:
            return {text: redact(text) for text in texts}
        folded = _fold(self.joint.join(texts))
        starts = [0, *itertools.accumulate(len(text) + 1 for text in texts)]
        found: dict[int, list[tuple[int, int]]] = {}
        for match in self.runs.finditer(folded):
            if self.quick.search(folded, match.start(), match.end()):
                index = bisect.bisect_right(starts, match.start()) - 1
                at = match.start() - starts[index]
                windows = self._run(match.group())[True]
                found.setdefault(index, []).extend((at + s, at + e) for s, e in windows)
        marked = {
            bisect.bisect_right(starts, m.start()) - 1 for m in self.any_mark.finditer(folded)
        }
        redacted: dict[str, str] = {}
        for index, text in enumerate(texts):
            if index in marked:  # an escape: the whole of `redact`, alone
                redacted[text] = redact(text)
            elif index in found:
                redacted[text] = _replaced(text, _merged(found[index]))
            else:
                redacted[text] = text
        return redacted

    def _run(self, run: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """A run's windows from its start, as found and joined: worked out once per
        distinct run (the key id echoed in 60,000 messages is one run), a bounded number
        kept."""
        known = self._run_windows.get(run)
        if known is None:
            windows: list[tuple[int, int]] = []
            self._windows(run, 0, windows)
            known = windows, [(start, end) for start, end in _merged(windows)]
            if len(self._run_windows) < _RUNS_KEPT:
                self._run_windows[run] = known
        return known

    def _windows(self, run: str, at: int, found: list[tuple[int, int]]) -> None:
        for size in self.sizes:
            grams = self.grams[size]
            for i in range(len(run) - size + 1):
                if run[i : i + size] in grams:
                    found.append((at + i, at + i + size))

    def _decoded(self, run: str, at: int, found: list[tuple[int, int]]) -> None:
        for reading in (_UNIT, _UNIT_ONCE, _UNIT_NO_BACKSLASH, *_UNIT_NESTED):
            units = _decode_units(run, reading)
            if any(end - start > 1 for _, start, end in units):  # else the raw pass saw it
                self._decoded_windows(units, at, found)

    def _decoded_windows(
        self, units: list[tuple[str, int, int]], at: int, found: list[tuple[int, int]]
    ) -> None:
        chars = "".join(char for char, _, _ in units)
        for size in self.sizes:
            grams = self.grams[size]
            for i in range(len(chars) - size + 1):
                if chars[i : i + size] in grams:
                    found.append((at + units[i][1], at + units[i + size - 1][2]))


def _tree(words: set[str]) -> str:
    """A pattern matching any of `words`, written as a prefix tree (`ab(?:c|d)`): `re`
    tries one branch per distinct next character, not one per word."""
    branches: dict[str, set[str]] = {}
    ends = False
    for word in words:
        if word:
            branches.setdefault(word[0], set()).add(word[1:])
        else:
            ends = True
    parts = [re.escape(char) + _tree(rest) for char, rest in sorted(branches.items())]
    if not parts:
        return ""
    body = parts[0] if len(parts) == 1 else f"(?:{'|'.join(parts)})"
    return f"(?:{body})?" if ends else body


#: The longest escape of one character looked for around an escaped one (`&amp;#x1f600;`).
_REACH = 16


def _escaped_forms(char: str) -> str:
    """A pattern for each way our renderers (and the CI systems' escapers) write `char`
    escaped, in folded text."""
    code = ord(char)
    percent = "".join(f"%(?:25|azp25)*{byte:02x}" for byte in _utf8(char))
    forms = [percent, f"&(?:amp;)*(?:#0*{code}|#x0*{code:x});", f"\\\\+x{code:02x}"]
    forms.append(f"\\\\+u{code:04x}" if code < 0x10000 else f"\\\\+u{code:08x}")
    if code >= 0x10000:
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        forms.append(f"\\\\+u{high:04x}\\\\+u{low:04x}")
    if not char.isalnum():
        forms.append("\\\\+" + re.escape(char))
    forms.extend(f"\\\\+{name}" for name, value in _LETTER_ESCAPES.items() if value == char)
    names = [name for name, value in _ENTITIES.items() if value == char]
    forms.extend(f"&(?:amp;)*{name};" for name in names)
    if char == "%":
        forms.append("%azp25")
    if char == " ":
        forms.append(r"\+")
    return "|".join(forms)


def _utf8(char: str) -> bytes:
    """A character's UTF-8 bytes; a lone surrogate (an undecodable byte of the environment,
    `surrogateescape`) as the byte it stands for, or as itself."""
    try:
        return char.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return char.encode("utf-8", "surrogatepass")


def _decode_units(run: str, reading: re.Pattern[str]) -> list[tuple[str, int, int]]:
    """Each character of a run with its span: escapes decoded (folded), others as they are."""
    units: list[tuple[str, int, int]] = []
    index = 0
    pending: list[tuple[int, int, int]] = []  # percent-encoded bytes waiting to be decoded

    def flush() -> None:
        while pending:
            lead = pending[0][0]
            size = 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
            piece = pending[:size]
            try:
                char = bytes(b for b, _, _ in piece).decode("utf-8")
                if len(char) != 1:
                    raise ValueError
            except ValueError:
                piece, char = pending[:1], chr(lead)
            units.append((_fold(char), piece[0][1], piece[-1][2]))
            del pending[: len(piece)]

    while index < len(run):
        match = reading.match(run, index)
        if match is None:
            flush()
            units.append((run[index], index, index + 1))
            index += 1
            continue
        token = match.group()
        if token.startswith("%"):
            pending.append((int(token[-2:], 16), match.start(), match.end()))
        else:
            flush()
            units.append((_fold(_decode_one(token)), match.start(), match.end()))
        index = match.end()
    flush()
    return units


def _decode_one(token: str) -> str:
    if token.startswith("&"):
        body = token[1:-1]
        while body.startswith("amp;"):
            body = body[4:]
        if body.startswith("#x"):
            return _chr(int(body[2:], 16))
        if body.startswith("#"):
            return _chr(int(body[1:]))
        return _ENTITIES.get(body, token)
    tail = token.lstrip("\\")
    if not tail:  # an escaped backslash
        return "\\"
    if tail.startswith("u") and len(tail) == 5:
        return _chr(int(tail[1:], 16))
    if tail.startswith("x") and len(tail) == 3:
        return _chr(int(tail[1:], 16))
    return _LETTER_ESCAPES.get(tail, tail)


def _chr(code: int) -> str:
    return chr(code) if 0 <= code <= 0x10FFFF else "\ufffd"


def _fold(text: str) -> str:
    """Case folded (the micro sign and the Greek mu are one), one character for one (so
    positions stay those of `text`; `ß`, which folds to two, stays itself)."""
    folded = text.casefold()
    if len(folded) == len(text):
        return folded
    return "".join(_fold_one(char) for char in text)


def _fold_one(char: str) -> str:
    for folded in (char.casefold(), char.lower()):
        if len(folded) == 1:
            return folded
    return char


#: What surrounds a value in a file or a shell variable without being part of it.
_ASCII_BLANKS = " \t\r\n"
_secrets: set[str] = set()
_matcher: _Matcher | None = None
_lock = threading.Lock()


def register_secret(*values: str) -> None:
    """Remember a secret so that every later `one_line` or `redact` hides it (see `RUN`).

    A value is known stripped (as the gate sends a key) and as the user set it, less the
    ASCII blanks and line end a file or a shell adds: `str.strip` also drops NEL, NBSP,
    U+2028 and the other Unicode blanks, and a run of the key with one of them is a run of
    the secret that was set (a run with a newline is not: it would eat the line end).
    """
    global _matcher
    with _lock:
        for value in values:
            for text in _readings(value):
                forms = {text.strip(_ASCII_BLANKS), text.strip()} if text.strip() else set()
                _secrets.update(form for form in forms if len(form) >= MIN_SECRET)
        _matcher = None


def _readings(value: str) -> set[str]:
    """A value, and when it holds bytes that are not UTF-8 (lone surrogates from the
    environment), every way those bytes could be shown: with U+FFFD for each bad byte,
    read as Latin-1, and the surrogates alone dropped."""
    if not any("\ud800" <= char <= "\udfff" for char in value):
        return {value}
    raw = _utf8_bytes(value)
    return {
        value,
        raw.decode("utf-8", "replace"),
        raw.decode("latin-1"),
        raw.decode("utf-8", "ignore"),
    }


def _utf8_bytes(text: str) -> bytes:
    return b"".join(_utf8(char) for char in text)


def register_credentials(key_id: str, key_secret: str) -> None:
    """The key id, the secret, and the Basic-auth token built from the pair, as the client
    sends it: all three are credentials."""
    token = base64.b64encode(f"{key_id}:{key_secret}".encode("latin-1", "replace")).decode()
    register_secret(key_id, key_secret, token)


def forget_secrets() -> None:
    """For tests: start from no registered secrets."""
    global _matcher
    with _lock:
        _secrets.clear()
        _matcher = None


def _current() -> _Matcher | None:
    global _matcher
    if not _secrets:
        return None
    matcher = _matcher
    if matcher is None:
        with _lock:
            matcher = _matcher = _Matcher(frozenset(_secrets))
    return matcher


def redact(text: str) -> str:
    """The text with every run of `RUN` characters of a registered secret (in any case, raw
    or in any escaped form our renderers write) replaced by `[redacted]`."""
    runs = _runs(text)
    return _replaced(text, runs) if runs else text


def _runs(text: str) -> list[list[int]]:
    """Where the text holds runs of a registered secret: spans widened to whole escapes,
    sorted and joined (none: nothing to redact)."""
    matcher = _current()
    if matcher is None or not text:
        return []
    folded = _fold(text)
    # an escape (`_UNIT`) a span could cut is widened whole; with none, nothing to snap
    snapped = "%" in folded or "&" in folded or "\\" in folded
    spans = matcher.spans(folded, joined=not snapped)
    if not snapped:
        return _merged(spans)
    return _merged(_snap(folded, start, end) for start, end in spans)


def _merged(spans: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Spans sorted, those that touch or overlap joined."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def _replaced(text: str, merged: list[list[int]]) -> str:
    """The text with each span replaced by `[redacted]`."""
    pieces: list[str] = []
    last = 0
    for start, end in merged:
        pieces.append(text[last:start])
        pieces.append(REDACTED)
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _snap(folded: str, start: int, end: int) -> tuple[int, int]:
    """A span widened to whole escapes where it cuts one (never `&[redacted]`)."""
    window_start = max(start - 24, 0)
    for match in _UNIT.finditer(folded, window_start, min(end + 24, len(folded))):
        if match.start() < start < match.end():
            start = _pair(folded, match, start, match.start(), -1)
        if match.start() < end < match.end():
            end = _pair(folded, match, end, match.end(), +1)
    return start, end


def _pair(folded: str, match: re.Match[str], cut: int, whole: int, way: int) -> int:
    """Where a cut in an escape goes: to the edge of the whole escape, or, in its leading
    backslashes, to the edge of the pair it cuts (`\\\\"` is an escaped backslash and a
    JSON string's quote in another reading: the quote is not taken)."""
    before = folded[match.start() : cut]
    if before.strip("\\"):
        return whole
    return cut + way * (len(before) % 2)


#: The markup of XML and HTML, found in order: a comment's or a CDATA section's content, a
#: declaration or a processing instruction (the document's own grammar, kept whole), or a
#: tag with its attributes. Everything between them is character data.
_MARKUP = re.compile(
    r"<!--(?P<comment>.*?)(?:-->|\Z)"
    r"|<!\[CDATA\[(?P<cdata>.*?)(?:\]\]>|\Z)"
    r"|<[?!][^>]*>?"
    r"|<(?P<tag>/?[^\s/>\"'=<]+)(?P<attributes>(?:[^>\"']|\"[^\"]*\"?|'[^']*'?)*)>?",
    re.S,
)
#: An attribute's value in a tag: quoted (its content) or bare.
_ATTRIBUTE_VALUE = re.compile(
    r"=\s*(?:\"(?P<double>[^\"]*)|'(?P<single>[^']*)|(?P<bare>[^\s\"'>]+))"
)
#: HTML's raw-text elements: their content is data up to their end tag (its `<`s too).
_RAW_TEXT = frozenset({"script", "style"})


def _data_regions(text: str) -> list[tuple[int, int]]:
    """Where a markup text holds data (character data, attribute values, comments' and
    CDATA sections' contents, a script's or a style's text), in order: everything else is
    its markup."""
    regions: list[tuple[int, int]] = []
    last = 0
    while (match := _MARKUP.search(text, last)) is not None:
        regions.append((last, match.start()))
        last = match.end()
        for group in ("comment", "cdata"):
            if match.group(group) is not None:
                regions.append(match.span(group))
        tag = match.group("tag")
        if tag is None or tag.startswith("/"):
            continue
        at = match.start("attributes")
        for value in _ATTRIBUTE_VALUE.finditer(match.group("attributes")):
            name = value.lastgroup or "bare"
            regions.append((at + value.start(name), at + value.end(name)))
        if tag.lower() in _RAW_TEXT and text.endswith(">", 0, last):
            end_tag = re.compile(f"</{tag}", re.IGNORECASE).search(text, last)
            close = len(text) if end_tag is None else end_tag.start()
            regions.append((last, close))
            last = close
    regions.append((last, len(text)))
    return [(start, end) for start, end in regions if start < end]


def redact_markup(text: str) -> str:
    """XML or HTML with every run of a secret redacted in its data only (`_data_regions`):
    its tag names, attribute names, `<`, `>`, `=`, quotes and declarations are the
    document's grammar, written whatever the secret, and are never redacted, so a secret
    that spells `testcase`, `timestamp` or `table` cannot make it ill-formed. The runs are
    found in the whole text (as `redact` finds them) and cut to the data they touch."""
    runs = _runs(text)
    if not runs:
        return text
    regions = _data_regions(text)
    starts = [start for start, _ in regions]
    cut: list[tuple[int, int]] = []
    for span in runs:
        index = max(bisect.bisect_right(starts, span[0]) - 1, 0)
        while index < len(regions) and regions[index][0] < span[1]:
            start, end = max(regions[index][0], span[0]), min(regions[index][1], span[1])
            if start < end:
                # `[redacted]` before `]>` would make `]]>`, which ends a CDATA section
                # and is not allowed in XML data: the data's `]` goes with it
                if text.startswith("]>", end) and end < regions[index][1]:
                    end += 1
                cut.append((start, end))
            index += 1
    return _replaced(text, _merged(cut))


def redact_markup_bytes(data: bytes) -> bytes:
    """UTF-8 XML or HTML (junit.xml, report.html) redacted as markup (`redact_markup`)."""
    if _current() is None:
        return data
    text = data.decode("utf-8", "surrogateescape")
    return redact_markup(text).encode("utf-8", "surrogateescape")


def redact_bytes(data: bytes) -> bytes:
    """UTF-8 bytes (a report, a CI file) redacted as text."""
    if _current() is None:
        return data
    return redact(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


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
    safe = _ESCAPE_SEQUENCE.sub("", text)
    safe = _INVISIBLE.sub("", safe)
    if "\t" in safe:  # shown as a blank below: a secret holding a tab is found before
        safe = redact(safe)
    safe = _CONTROL.sub(_escape, safe)
    # redacted once, after what joins pieces of a secret and before what splits one (`::`)
    safe = _defuse_commands(redact(safe))
    if len(safe) > limit:
        return safe[: max(limit - 1, 0)] + "…"
    return safe


def redact_all(value: object) -> object:
    """A JSON-like value with every string in it redacted (keys included)."""
    if _current() is None:
        return _copy(value)
    return _redact_all(value, {})


def _redact_all(value: object, seen: dict[str, str]) -> object:
    """`redact_all`, each distinct string redacted once (keys and levels repeat)."""
    if isinstance(value, str):
        done = seen.get(value)
        if done is None:
            done = seen[value] = redact(value)
        return done
    if isinstance(value, dict):
        return {_redact_all(key, seen): _redact_all(item, seen) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact_all(item, seen) for item in value]
    return value


class Word(str):
    """One of the gate's own words in a structured output (a verdict, a literal of its
    grammar): written whatever the secret, it tells nothing of one, so `redact_value`
    leaves it whole (redacting it would break the output)."""

    __slots__ = ()


class Redacted(str):
    """A line whose server values were redacted one by one (a CI logging command): the
    console sink passes it whole, so a secret spelling the gate's syntax cannot break it."""

    __slots__ = ()


class RedactedBytes(bytes):
    """A structured file (summary.json, gate.env, metrics.txt) its renderer redacted value
    by value: the report set's sink writes it as it is (`report.atomic`)."""

    __slots__ = ()


def redact_value(value: str) -> str:
    """One value of a structured output: redacted, unless it is the gate's own `Word`."""
    return value if isinstance(value, Word) else redact(value)


def redact_values(value: object, keyed: frozenset[str] = frozenset()) -> object:
    """A JSON-like record for a structured output: every string value redacted (a `Word`
    aside), every key kept (the gate's own), but under a key in `keyed` (a map keyed by
    server text: event levels, KPI labels) keys and values alike (`redact_all`)."""
    matcher = _current()
    if matcher is None:
        return _copy(value)
    texts: set[str] = set()
    _texts(value, keyed, texts)
    return _redact_values(value, keyed, matcher.redacted(list(texts)))


def _texts(value: object, keyed: frozenset[str], found: set[str]) -> None:
    """Every text `redact_values` would redact, into `found`."""
    if isinstance(value, Word):
        return
    if isinstance(value, str):
        found.add(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in keyed:  # a map keyed by server text is redacted whole, alone
                _texts(item, keyed, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _texts(item, keyed, found)


def _redact_values(value: object, keyed: frozenset[str], seen: dict[str, str]) -> object:
    """`redact_values`' walk; a plain text in a record is looked up in place (a call per
    value of 60,000 events' records is most of the walk)."""
    if isinstance(value, Word):
        return value
    if isinstance(value, str):
        return _redact_all(value, seen)
    if isinstance(value, dict):
        record: dict[object, object] = {}
        for key, item in value.items():
            if type(item) is str and key not in keyed:
                done = seen.get(item)
                record[key] = _redact_all(item, seen) if done is None else done
            elif key in keyed:
                record[key] = _redact_all(item, seen)
            elif isinstance(item, (dict, list, tuple)):
                record[key] = _redact_values(item, keyed, seen)
            else:  # a number, None, a `Word`
                record[key] = item
        return record
    if isinstance(value, (list, tuple)):
        return [_redact_values(item, keyed, seen) for item in value]
    return value


def _copy(value: object) -> object:
    """The value as `redact_all` gives it back (lists for tuples), nothing to redact."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copy(item) for item in value]
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
