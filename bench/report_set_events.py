"""The report set of a 60,000-event outcome (every event offending at ERROR, a 7.9 MB
status answer: allowed) written with real credentials registered, beside the same set
written with no secret registered (the baseline: rendering and writing alone). The ratio
is what redaction costs. Then the set of 60,000 messages that each echo the key id and
the secret (every one redacted), and the CI adapters' issue lines for it (GitHub's
annotations, Azure's logissue: ten described, the rest counted). The goal: each set with
its CI lines within `GOAL_SECONDS` on a loaded 2-core machine, since the set is written
inside `--timeout`, the 4 s cancel budget and after a second signal.

`--profile` prints cProfile's top entries for one write. `--json` prints the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from report_html import best_of  # this folder's one best-of timer (run as a script)

from ci_gate import text
from ci_gate.ci.azure import issue_lines
from ci_gate.ci.github import annotation_lines
from ci_gate.domain.outcome import MasterOutcome, Outcome, Seen
from ci_gate.domain.run import Event
from ci_gate.domain.verdict import Verdict
from ci_gate.report import write_reports

EVENTS = 60_000
GOAL_SECONDS = 2.0
#: What a run registers: an API key pair (and its Basic token), a GitHub token.
SECRETS = (
    "0123abcd4567ef89",
    "S3cr3t-Key_With/Symbols+9xQ",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
)


def big_outcome(*, echoed: bool = False) -> Outcome:
    """60,000 offending events; `echoed`: each message echoes the key id and the secret (a
    server that puts the request's credentials in its error text), every one a redaction."""
    start = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
    events = tuple(
        Event(
            t=1_796_115_600 + n // 20,
            level="ERROR",
            message=(
                f"Request failed {n}: {SECRETS[0]} {SECRETS[1]}"
                if echoed
                else f"HTTP 500 from backend r-v4-{n % 7}: request {n} to /api/orders failed"
            ),
            session_id=f"r-v4-{n % 7}",
            source="system",
        )
        for n in range(EVENTS)
    )
    master = MasterOutcome(
        master_id="92000050",
        verdict=Verdict.FAILED,
        seen=Seen(status="ENDED", progress=140, offending=events, events=events),
        error=f"master 92000050: {EVENTS} events at ERROR or above",
    )
    return Outcome(
        verdict=Verdict.FAILED,
        threshold=400,
        started_at=start,
        finished_at=start + timedelta(minutes=30),
        masters=(master,),
        reason=master.error or "",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    outcome = big_outcome()
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "r"
        text.forget_secrets()
        baseline = best_of(3, lambda: write_reports(outcome, target, dotenv=True))
        text.register_secret(*SECRETS[1:])
        text.register_credentials(SECRETS[0], SECRETS[1])
        ours = best_of(3, lambda: write_reports(outcome, target, dotenv=True))
        size = (target / "summary.json").stat().st_size
        echoed_outcome = big_outcome(echoed=True)
        echoed = best_of(3, lambda: write_reports(echoed_outcome, target, dotenv=True))
        ci_lines = best_of(
            3, lambda: (annotation_lines(echoed_outcome), issue_lines(echoed_outcome))
        )
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(write_reports, outcome, target, dotenv=True)
            pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
        text.forget_secrets()
    figures = {
        "events": EVENTS,
        "summary_json_mib": round(size / 2**20, 2),
        "report_set_seconds": round(ours, 3),
        "baseline_seconds": round(baseline, 3),
        "ratio": round(ours / baseline, 2),
        "echoed_seconds": round(echoed, 3),
        "ci_lines_seconds": round(ci_lines, 3),
        "goal_met": max(ours, echoed + ci_lines) <= GOAL_SECONDS,
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"{EVENTS} offending events, summary.json {figures['summary_json_mib']} MiB")
        print(f"{'':<26}{'seconds':>10}")
        print(f"{'secrets registered (ours)':<26}{ours:>10.3f}")
        print(f"{'no secret (baseline)':<26}{baseline:>10.3f}")
        print(f"{'every message a secret':<26}{echoed:>10.3f}")
        print(f"{'CI issue lines (echoed)':<26}{ci_lines:>10.3f}")
        print(
            f"ratio {figures['ratio']}; goal (<= {GOAL_SECONDS} s): "
            f"{'met' if figures['goal_met'] else 'NOT met'}"
        )
    return 0 if figures["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
