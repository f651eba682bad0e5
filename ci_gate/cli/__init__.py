"""The command line: `ci-gate` (and `python -m ci_gate`) starts at `main`."""

from ci_gate.cli.main import main

__all__ = ["main"]
