"""ci-gate: make a BlazeMeter load-test run a real gate in a CI/CD pipeline."""

from __future__ import annotations

import functools


@functools.cache
def _installed_version() -> str:
    # read on first use, not at import: importlib.metadata costs a simulator or `--help`
    # start-up a fifth of its time, and only the commands that talk HTTP need the version
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("blazemeter-ci-gate")  # pyproject.toml is the one place it is written
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _installed_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
