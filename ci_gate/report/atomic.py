"""Writing the reports as one set: all or nothing under their final names, never mixed.

Every file is first written in full to a temporary name in the report folder (fsynced).
Only then are the previous set's files removed, the commit mark (summary.json) first, and
the new ones renamed in, the commit mark last. Whatever moment the process dies at, the
files left under the report names all come from one write (they carry the same
`report_id`), and when summary.json is there, the whole set is. A failure before the
renames leaves the previous set whole.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ci_gate.report.formats import COMMIT_MARK, MARKUP_NAMES, SET_NAMES
from ci_gate.text import RedactedBytes, redact_bytes, redact_markup_bytes

__all__ = ["COMMIT_MARK", "SET_NAMES", "write_file", "write_set"]


def write_set(folder: Path, files: Mapping[str, bytes]) -> None:
    """Replace the report set in `folder` with `files` (names from the registry of
    formats, `formats.SET_NAMES`)."""
    unknown = set(files) - set(SET_NAMES)
    if unknown or COMMIT_MARK not in files:
        raise ValueError(f"not a report set: {sorted(files)}")
    _remove_leftovers(folder)
    temporaries: dict[str, Path] = {}
    try:
        for name, data in files.items():
            temporaries[name] = _write_temporary(folder, name, data)
        remove_set(folder)
        for name in sorted(temporaries, key=lambda n: n == COMMIT_MARK):
            temporaries.pop(name).replace(folder / name)
        _fsync_folder(folder)
    finally:
        for temporary in temporaries.values():
            temporary.unlink(missing_ok=True)


def remove_set(folder: Path) -> None:
    """Remove the report set in `folder`, the commit mark first: a reader never finds
    summary.json beside a part of a set (`run` does this before it names a new master)."""
    for name in (COMMIT_MARK, *(n for n in SET_NAMES if n != COMMIT_MARK)):
        (folder / name).unlink(missing_ok=True)


def write_file(folder: Path, name: str, data: bytes) -> None:
    """One file replaced atomically, outside a set (gate.env as soon as `run` has the
    master id, before any report exists)."""
    temporary = _write_temporary(folder, name, data)
    try:
        temporary.replace(folder / name)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _remove_leftovers(folder: Path) -> None:
    """Temporary files a killed earlier write left behind (never under a report name)."""
    for name in SET_NAMES:
        for leftover in folder.glob(f".{name}.*.tmp"):
            leftover.unlink(missing_ok=True)


def _write_temporary(folder: Path, name: str, data: bytes) -> Path:
    """Every report byte leaves through here, redacted (the one sink of the report set):
    a plain-text file whole, a markup one (junit.xml, report.html: `formats.MARKUP_NAMES`)
    in its data only, whatever renderer or stand-in built it (`text.redact_markup`: its
    tags and attribute names stay whole), a structured one (summary.json, gate.env,
    metrics.txt) as its renderer redacted it, value by value (`text.RedactedBytes`: its
    grammar and keys stay whole)."""
    if isinstance(data, RedactedBytes):
        pass
    elif name in MARKUP_NAMES:
        data = redact_markup_bytes(data)
    else:
        data = redact_bytes(data)
    handle, raw_path = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    temporary = Path(raw_path)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        temporary.chmod(0o644)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _fsync_folder(folder: Path) -> None:
    """Make the renames durable; some file systems cannot open a folder, which is fine."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
