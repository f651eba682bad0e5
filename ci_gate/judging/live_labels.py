"""Which of the run's labels a criterion names, and the closest ones when none is."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from ci_gate.domain.live import ALL_LABEL, Label


def find_label(wanted: str | None, labels: Iterable[Label]) -> Label | None:
    """The run's label a criterion names: exactly, else ignoring case and one trailing
    slash (BlazeMeter lists such variants); None (no label) is ALL."""
    known = list(labels)
    name = ALL_LABEL if wanted is None else wanted
    for label in known:
        if label.name == name:
            return label
    loose = _loose(name)
    for label in known:
        if _loose(label.name) == loose:
            return label
    return None


def _loose(name: str) -> str:
    folded = name.casefold()
    return folded[:-1] if folded.endswith("/") else folded


def closest_labels(wanted: str, names: Sequence[str], limit: int = 5) -> list[str]:
    """The run's label names, closest to `wanted` first (ignoring case), at most `limit`."""
    score = {
        name: difflib.SequenceMatcher(None, _loose(wanted), _loose(name)).ratio() for name in names
    }
    return sorted(score, key=lambda name: (-score[name], name))[:limit]


def missing_label_note(wanted: str, names: Sequence[str]) -> str:
    """Why a criterion could not be judged, naming the labels the run does have."""
    if not names:
        return f"label {wanted!r} never appeared: the run has no labels"
    shown = ", ".join(repr(name) for name in closest_labels(wanted, names))
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return f"label {wanted!r} never appeared; the run has {shown}{more}"
