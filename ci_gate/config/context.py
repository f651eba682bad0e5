"""What the process reads of its environment beyond its settings, once, into one frozen
value (issue 30 item 1): the CI it runs in (`ci_env.detect_ci`), the debug flag, and the
clock (`ci_gate.clock`: the real one; item 5).

`cli.main` builds it from one snapshot of the environment before the command line is
parsed (so that even a usage error knows where to hand its exit code) and passes it down;
the commands and the CI adapters take it, or the CI record in it, and never read
`os.environ` themselves, nor the time module: they read the time on the context's clock
and hand it to what they build. A command's settings are resolved from the same snapshot, each
command only its own (`cli.handlers`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ci_gate.clock import REAL_CLOCK, Clock
from ci_gate.config.ci_env import Ci, detect_ci
from ci_gate.config.parsers import TRUE_WORDS


@dataclass(frozen=True)
class Context:
    """The CI the gate runs in (None: outside any CI it knows), `CI_GATE_DEBUG`, and the
    clock every command reads the time on (a test's fake one in its place)."""

    ci: Ci = None
    debug: bool = False
    clock: Clock = REAL_CLOCK


def resolve_context(env: Mapping[str, str]) -> Context:
    """The context of this process; `CI_GATE_DEBUG` is on for the config's words for true
    (anything else is off, never an error: it must not cost the run)."""
    return Context(
        ci=detect_ci(env),
        debug=env.get("CI_GATE_DEBUG", "").strip().lower() in TRUE_WORDS,
    )


#: The context outside any CI, debug off, on the real clock: what a command called
#: without one (a test, the demo's own wait) runs in.
OUTSIDE_CI = Context()
