"""`python -m ci_gate` is the same as the `ci-gate` command."""

import sys

from ci_gate.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
