"""A secret that spells the reports' own markup (an outside attacker's finding): junit.xml
and report.html are markup, redacted at the report set's sink in their character data and
attribute values only (`text.redact_markup`), never in their tag names, attribute names or
grammar. So a registered secret `Zq9xtestcaseK2pW`, `timestamp`, `table` or `strong` still
leaves a junit.xml that validates against the schema and a report.html with the same
elements, and no run of the secret in any of their texts or values.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from ci_gate import text
from ci_gate.domain.outcome import Outcome
from ci_gate.report import render_reports
from ci_gate.report.atomic import write_set
from ci_gate.report.formats import FORMATS, MARKUP_NAMES
from tests.support.helpers import assert_valid_junit, event, make_outcome, master_outcome
from tests.support.kpi_outcome import live_breach_master
from tests.unit.test_redaction import ENCODERS, _leaks


@pytest.fixture(autouse=True)
def _no_secrets() -> Iterator[None]:
    text.forget_secrets()
    yield
    text.forget_secrets()


def _outcome(verdict: str, messages: tuple[str, ...], charts: bool) -> Outcome:
    """A real run's outcome: one master with these offending event messages (server text
    holding the secret), and a master with KPI charts when `charts`."""
    offending = tuple(event(message=message) for message in messages)
    master = master_outcome(verdict, offending=offending, master_id="123")
    return make_outcome(master, *((live_breach_master(),) if charts else ()))


def _names(files: dict[str, bytes]) -> set[str]:
    """The tag and attribute names of the rendered junit.xml and report.html."""
    names: set[str] = set()
    for root in (
        etree.fromstring(files["junit.xml"]),
        lxml_html.document_fromstring(files["report.html"].decode()),
    ):
        for element in root.iter():
            if isinstance(element.tag, str):
                names.add(etree.QName(element).localname)
                names.update(etree.QName(name).localname for name in element.attrib)
    return {name for name in names if len(name) >= text.MIN_SECRET}


@functools.cache
def _vocabulary() -> tuple[str, ...]:
    """The markup's own words, sampled from real reports (passing and failing, charts)."""
    names: set[str] = set()
    for verdict, charts in (("passed", False), ("failed", True)):
        names |= _names(render_reports(_outcome(verdict, ("boom",), charts)))
    return tuple(sorted(names))


def _secrets() -> st.SearchStrategy[str]:
    word = st.sampled_from(_vocabulary())
    noise = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=6)
    embedded = st.builds(lambda a, w, b: a + w + b, noise, word, noise)
    random = st.text(
        st.characters(min_codepoint=0x21, max_codepoint=0xFF, exclude_characters="\x7f"),
        min_size=8,
        max_size=24,
    )
    return (word | embedded | random).filter(
        lambda s: any(c.isalnum() for c in s) and "redacted" not in s.lower()
    )


def _structure(root: etree._Element) -> list[tuple[str, tuple[str, ...]]]:
    """Each element's tag and attribute names, in document order."""
    return [
        (str(element.tag), tuple(sorted(element.attrib)))
        for element in root.iter()
        if isinstance(element.tag, str)
    ]


def _values(root: etree._Element) -> Iterator[str]:
    """Every character data and attribute value of a parsed document (entities decoded)."""
    for element in root.iter():
        yield from (element.text or "", element.tail or "")
        yield from element.attrib.values()


def _written(files: dict[str, bytes]) -> dict[str, bytes]:
    """The set as the sink writes it (`atomic.write_set`), read back."""
    with tempfile.TemporaryDirectory() as folder:
        write_set(Path(folder), files)
        return {name: (Path(folder) / name).read_bytes() for name in files}


def _assert_markup_whole_and_secret_gone(secret: str, outcome: Outcome) -> None:
    plain = render_reports(outcome)  # rendered: only the sink redacts these two files
    text.register_secret(secret)
    files = _written(plain)
    assert_valid_junit(files["junit.xml"])
    junit = etree.fromstring(files["junit.xml"])
    page = lxml_html.document_fromstring(files["report.html"].decode())
    assert _structure(junit) == _structure(etree.fromstring(plain["junit.xml"]))
    assert _structure(page) == _structure(lxml_html.document_fromstring(plain["report.html"]))
    for root in (junit, page):
        for value in _values(root):
            assert not _leaks(secret, value, ENCODERS["raw"]), (secret, value)


@settings(
    max_examples=20,  # each renders a set and writes it (~2 s in all)
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@example(secret="Zq9xtestcaseK2pW", verdict="passed", around=("", ""), charts=False)
@example(secret="Qx7timestampZ8", verdict="passed", around=("", ""), charts=False)
@example(secret="testcase", verdict="failed", around=("a", "b"), charts=False)
@example(secret="table", verdict="failed", around=("", ""), charts=True)
@example(secret="strong", verdict="passed", around=("", ""), charts=True)
@given(
    secret=_secrets(),
    verdict=st.sampled_from(["passed", "failed"]),
    around=st.tuples(st.text(max_size=8), st.text(max_size=8)),
    charts=st.booleans(),
)
def test_a_secret_spelling_the_markup_leaves_the_reports_whole_and_is_gone_from_them(
    secret: str, verdict: str, around: tuple[str, str], charts: bool
) -> None:
    messages = (f"{around[0]}{secret}{around[1]}", f"<{secret}>&{secret}\"'", "no secret")
    _assert_markup_whole_and_secret_gone(secret, _outcome(verdict, messages, charts))


@pytest.mark.parametrize(
    "secret", ["testcase", "testsuite", "failure", "error", "skipped", "message", "property"]
)
def test_a_secret_that_is_a_junit_word_keeps_a_passing_run_valid(secret: str) -> None:
    """The finding's own cases: a passing run, no server echo."""
    _assert_markup_whole_and_secret_gone(secret, _outcome("passed", (), charts=False))


def test_the_registry_says_which_files_are_markup() -> None:
    """The sink redacts these two as markup; every other file whole or value by value."""
    assert sorted(MARKUP_NAMES) == ["junit.xml", "report.html"]
    assert all(f.markup == (f.name in MARKUP_NAMES) for f in FORMATS)


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<a href="x-SECRET-y">SECRET</a>', '<a href="x-[redacted]-y">[redacted]</a>'),
        ("<SECRET SECRET='SECRET'/>", "<SECRET SECRET='[redacted]'/>"),
        ("<!--SECRET--><![CDATA[SECRET]]>", "<!--[redacted]--><![CDATA[[redacted]]]>"),
        # a redaction never closes a CDATA section (or makes `]]>` in data)
        ("<![CDATA[SECRET]>]]>", "<![CDATA[[redacted]>]]>"),
        ("<p>SECRET]>x</p>", "<p>[redacted]>x</p>"),
        ("<style>SECRET{a:b}</style>", "<style>[redacted]{a:b}</style>"),
        ("<script>if(a<b)SECRET</script>", "<script>if(a<b)[redacted]</script>"),
        ('<?xml version="1.0" encoding="SECRET"?><!DOCTYPE SECRET>', None),
        ("<td>&lt;SECRET&gt;</td>", "<td>&lt;[redacted]&gt;</td>"),
        ('<x a="1" b = SECRET c>', '<x a="1" b = [redacted] c>'),
    ],
)
def test_markup_is_redacted_in_its_data_and_values_only(markup: str, expected: str | None) -> None:
    text.register_secret("SECRET")
    assert text.redact_markup(markup) == (markup if expected is None else expected)
