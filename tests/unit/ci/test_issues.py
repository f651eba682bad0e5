"""The CI issues (GitHub annotations, Azure logissue lines) describe only what they show:
a 60,000-event outcome is described ten times, not 60,000 (attackers' finding A), while
the "N more" count stays exact."""

from __future__ import annotations

from typing import Any

import pytest

from ci_gate.ci import azure, github, issues
from ci_gate.ci.issues import MAX_ISSUES, capped_issues
from tests.support.helpers import event, make_outcome, master_outcome


def _counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(issues, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) > MAX_ISSUES:
            raise AssertionError(f"{name} called for an issue that is not shown")
        return real(*args, **kwargs)

    monkeypatch.setattr(issues, name, wrapper)
    return calls


def _big(count: int) -> Any:
    offending = tuple(event(message=f"request {n} failed") for n in range(count))
    return make_outcome(master_outcome("failed", offending))


@pytest.mark.parametrize("lines", [github.annotation_lines, azure.issue_lines])
def test_the_platform_lines_describe_only_the_capped_events(
    monkeypatch: pytest.MonkeyPatch, lines: Any
) -> None:
    described = _counting(monkeypatch, "describe_event")
    flattened = _counting(monkeypatch, "one_line")
    shown = lines(_big(500))
    assert len(described) == MAX_ISSUES
    assert len(flattened) == MAX_ISSUES
    assert len(shown) == MAX_ISSUES + 1
    assert "490 more offending events" in shown[-1]


def test_the_count_of_the_rest_is_exact_across_masters_and_kinds() -> None:
    first = master_outcome(
        "error", tuple(event(message=f"a{n}") for n in range(4)), error="master 1 broke"
    )
    second = master_outcome("failed", tuple(event(message=f"b{n}") for n in range(9)))
    second = type(second)(**{**second.__dict__, "master_id": "456"})
    outcome = make_outcome(first, second)
    shown, rest = capped_issues(outcome)
    assert len(shown) + rest == sum(1 for _ in issues.all_issues(outcome))
    assert len(shown) == MAX_ISSUES
    assert rest == 1 + 4 + 9 - MAX_ISSUES
    assert shown[0].text.endswith("master 1 broke")
    assert [issue.master_id for issue in shown] == ["123"] * 5 + ["456"] * 5
    assert shown[5].text.endswith("b0")


def test_an_outcome_under_the_cap_shows_every_issue() -> None:
    shown, rest = capped_issues(_big(3))
    assert (len(shown), rest) == (3, 0)
