"""Every place the repository names its own release, written from pyproject's version.

ci-gate is not on PyPI yet, so users install it from GitHub at a release: the action's
`uses:`, a pip requirement (an archive URL, which pip installs without git: the GitLab
template's default `python:3.12-slim` image has none), and the GitLab remote include with
its `ref:`. A bump that missed one of them would send users to a release that is not
there, so none of them is written by hand:

    python tools/release.py            # check: exit 1 and each stale place, if any
    python tools/release.py --write    # after changing the version in pyproject.toml

tests/pipelines/test_static.py runs the check. Any other mention of the repository in the
files a user copies from is an error too, except the commit-SHA placeholders the README
uses to show pinning a commit until a release exists.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY = "ci-gate/ci-gate"
DISTRIBUTION = "blazemeter-ci-gate"
#: what a user copies from: the README, the action, the template, the examples, the docs
SOURCES = ("README.md", "action.yml", "gitlab-template.yml", "examples", "docs")


@dataclass(frozen=True)
class Release:
    """The names of one release, as users write them."""

    version: str

    @property
    def tag(self) -> str:
        return f"v{self.version}"

    @property
    def action(self) -> str:
        return f"{REPOSITORY}@{self.tag}"

    @property
    def archive(self) -> str:
        return f"https://github.com/{REPOSITORY}/archive/refs/tags/{self.tag}.tar.gz"

    @property
    def requirement(self) -> str:
        return f"{DISTRIBUTION} @ {self.archive}"

    @property
    def template(self) -> str:
        return f"https://raw.githubusercontent.com/{REPOSITORY}/{self.tag}/gitlab-template.yml"


#: each way of naming a release, with what it must read: any ref is found, then compared
_REF = r"[\w.-]+"
FORMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"{DISTRIBUTION} @ \S+?(?=[\"'`)\s]|$)", re.M), "requirement"),
    (
        re.compile(rf"https://github\.com/{REPOSITORY}/archive/{_REF}(?:/{_REF})*\.tar\.gz"),
        "archive",
    ),
    (
        re.compile(
            rf"https://raw\.githubusercontent\.com/{REPOSITORY}/{_REF}/gitlab-template\.yml"
        ),
        "template",
    ),
    (re.compile(rf"(?<![\w/]){REPOSITORY}@{_REF}"), "action"),
    (re.compile(r"(?<=# {3}ref: )v" + _REF), "tag"),  # the commented project include
)
#: how the README shows pinning a commit instead (a placeholder, never a real SHA; left as is)
SHA_PLACEHOLDERS = (
    f"{REPOSITORY}@COMMIT_SHA",
    f"{DISTRIBUTION} @ https://github.com/{REPOSITORY}/archive/COMMIT_SHA.tar.gz",
    f"https://raw.githubusercontent.com/{REPOSITORY}/COMMIT_SHA/gitlab-template.yml",
)


def current() -> Release:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return Release(pyproject["project"]["version"])


def source_files(root: Path = ROOT) -> list[Path]:
    files: list[Path] = []
    for name in SOURCES:
        path = root / name
        files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return files


def _rewrite(text: str, release: Release) -> str:
    for pattern, attribute in FORMS:
        text = pattern.sub(partial(_named, str(getattr(release, attribute))), text)
    return text


def _named(wanted: str, match: re.Match[str]) -> str:
    """What a found name must read; the README's commit-SHA placeholders stay."""
    return match.group(0) if "COMMIT_SHA" in match.group(0) else wanted


def _texts(root: Path) -> Iterator[tuple[Path, str]]:
    for path in source_files(root):
        try:
            yield path, path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # a picture: it names no release


def stale(release: Release, root: Path = ROOT) -> list[str]:
    """`path:line: found -> wanted` for every place that names another release, and every
    mention of the repository that is none of the known forms."""
    problems: list[str] = []
    for path, text in _texts(root):
        for number, line in enumerate(text.splitlines(), 1):
            fixed = _rewrite(line, release)
            where = f"{path.relative_to(root)}:{number}"
            if fixed != line:
                problems.append(f"{where}: {line.strip()} -> {fixed.strip()}")
                continue
            rest = line
            for known in (*SHA_PLACEHOLDERS, release.requirement, release.template, release.action):
                rest = rest.replace(known, "")
            if REPOSITORY in rest:
                problems.append(f"{where}: names {REPOSITORY} in none of the known forms")
    return problems


def write(release: Release, root: Path = ROOT) -> list[Path]:
    changed = []
    for path, text in _texts(root):
        fixed = _rewrite(text, release)  # no form spans a line break
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the stale places")
    args = parser.parse_args(argv)
    release = current()
    if args.write:
        for path in write(release):
            print(f"rewrote {path.relative_to(ROOT)}")
    problems = stale(release)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"every place names {release.tag}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
