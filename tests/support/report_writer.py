"""Writers of report sets for the kill test: each writes into a folder for ever.

A writer alternates two outcomes of different sizes and verdicts (a pass, and a failure with
2,000 offending events) through the gate's own `write_reports`, with gate.env, so that a
SIGKILL at a random moment lands in every phase: rendering, temporary files, renames.

This process imports the gate and builds the outcomes once, then forks a writer for each
`go` line on stdin and answers with `writing PID`; after the test has killed it, a `reap`
line makes this process collect it and answer `reaped`. Fifty kills then cost fifty forks,
not fifty interpreter start-ups.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ci_gate.report import write_reports
from tests.support.helpers import event, make_outcome, master_outcome


def main(folder: Path) -> None:
    failing = make_outcome(
        master_outcome("failed", tuple(event("ERROR", f"event {n}", t=n) for n in range(2000)))
    )
    passing = make_outcome(master_outcome())
    writer = 0
    for line in sys.stdin:
        if line == "go\n":
            writer = os.fork()
            if writer == 0:  # the writer: until killed
                print(f"writing {os.getpid()}", flush=True)
                while True:
                    for outcome in (passing, failing):
                        write_reports(outcome, folder, dotenv=True)
        elif line == "reap\n" and writer:
            os.waitpid(writer, 0)
            writer = 0
            print("reaped", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
