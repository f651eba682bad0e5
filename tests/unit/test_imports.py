"""What a module of the gate may import from another: its public names only (issue 30
item 7: a private `_parse_*` imported across modules was a parser without a home)."""

from __future__ import annotations

import ast
from pathlib import Path

import ci_gate

PACKAGE = Path(ci_gate.__file__).parent


def _private_imports(path: Path) -> list[str]:
    """`module: name` for each private name `path` imports from another ci_gate module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ci_gate"):
            found += [
                f"{node.module}: {alias.name}"
                for alias in node.names
                if alias.name.startswith("_") and not alias.name.startswith("__")
            ]
    return found


def test_no_module_imports_a_private_name_from_another() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): names
        for path in sorted(PACKAGE.rglob("*.py"))
        if (names := _private_imports(path))
    }
    assert offenders == {}


def test_the_check_sees_a_private_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from ci_gate.config.parsers import _hidden, parse_seconds\n"
        "from ci_gate import __version__\nfrom os import _exit\n"
    )
    assert _private_imports(sample) == ["ci_gate.config.parsers: _hidden"]
