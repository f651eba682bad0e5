"""ci-gate: make a BlazeMeter load-test run a real gate in a CI/CD pipeline."""

__version__ = "0.1.0"
