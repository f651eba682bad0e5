"""What redaction costs on a large answer (attackers' finding A, cause 2): 60,000 event
messages that each echo the key id and the secret took seconds, so the redaction of a
text does only the work its text needs; the result is the same."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ci_gate import text

KEY_ID, SECRET = "0123abcd4567ef89", "S3cr3t-Key_With/Symbols+9xQ"


@pytest.fixture(autouse=True)
def credentials() -> Iterator[None]:
    text.forget_secrets()
    text.register_credentials(KEY_ID, SECRET)
    yield
    text.forget_secrets()


def test_a_text_with_no_escape_is_never_snapped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widening spans to whole escapes (`_snap`, one regex scan per window: ~30 a
    secret) is for a text that holds an escape; one that holds none is merged at once."""

    def snap(*args: object) -> tuple[int, int]:
        raise AssertionError("snapped a text with no escape")

    monkeypatch.setattr(text, "_snap", snap)
    assert text.redact(f"Request failed 7: {KEY_ID} {SECRET}") == (
        "Request failed 7: [redacted] [redacted]"
    )


def test_a_text_with_an_escape_is_still_snapped_whole() -> None:
    escaped = SECRET.replace("/", "%2F")
    assert text.redact(f"a {escaped} b") == "a [redacted] b"
    assert text.redact(f"x%2F{KEY_ID}") == "x%2F[redacted]"


def test_a_run_of_secret_characters_is_windowed_once_however_often_it_comes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same run (the key id in every message) is looked at once, not per message."""
    matcher = text._current()
    assert matcher is not None
    looked: list[str] = []
    real = type(matcher)._windows

    def windows(self: object, run: str, *args: object) -> object:
        looked.append(run)
        return real(self, run, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(type(matcher), "_windows", windows)
    redacted = [text.redact(f"Request {n} failed: {KEY_ID} {SECRET}") for n in range(200)]
    assert redacted[5] == "Request 5 failed: [redacted] [redacted]"
    assert len(looked) <= 10


def test_texts_redacted_together_are_redacted_as_one_by_one() -> None:
    """A structured output's texts are redacted in one pass (`_Matcher.redacted`), each
    exactly as `redact` does it alone: with and without escapes, in any case, none."""
    matcher = text._current()
    assert matcher is not None
    texts = [
        "",
        "nothing here",
        f"Request failed 1: {KEY_ID} {SECRET}",
        f"{SECRET.upper()}",
        f"x%2F{KEY_ID}y",
        SECRET.replace("/", "%2F"),
        SECRET.replace("/", "\\/"),
        f"a&amp;{KEY_ID[:9]}",
        f"{KEY_ID[:7]} short run, {KEY_ID[3:12]} a window",
        f"ß{SECRET}ß",
        f"µ {KEY_ID}\n{SECRET}\t+",
    ]
    together = matcher.redacted(texts)
    assert together == {one: text.redact(one) for one in texts}
    assert together[texts[2]] == "Request failed 1: [redacted] [redacted]"
