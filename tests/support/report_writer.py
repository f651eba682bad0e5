"""A process that writes report sets into a folder for ever, for the kill test.

It alternates two outcomes of different sizes and verdicts (a pass, and a failure with
2,000 offending events) through the gate's own `write_reports`, with gate.env, so that a
SIGKILL at a random moment lands in every phase: rendering, temporary files, renames.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ci_gate.report import write_reports
from tests.support.helpers import event, make_outcome, master_outcome


def main(folder: Path) -> None:
    failing = make_outcome(
        master_outcome("failed", tuple(event("ERROR", f"event {n}", t=n) for n in range(2000)))
    )
    passing = make_outcome(master_outcome())
    print("writing", flush=True)
    while True:
        for outcome in (passing, failing):
            write_reports(outcome, folder, dotenv=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
