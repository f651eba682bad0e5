"""ci-gate: make a BlazeMeter load-test run a real gate in a CI/CD pipeline."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("blazemeter-ci-gate")  # pyproject.toml is the one place it is written
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
