"""A command's own peak RSS, not the peak of the process that started it.

Linux copies the parent's high-water mark into a child at fork (and with vfork, which
subprocess uses, records the parent's at exec), so `wait4` on a child of a pytest worker
or a bench process reports at least that worker's own peak: 277 MiB for a gate that used
far less, once a worker had grown. A small Python process in between starts the command
and reads its rusage, so the figure is the command's peak or this wrapper's ~12 MiB,
whichever is larger.

Run as a script: `python peak_rss.py OUT_FILE COMMAND...` writes the peak in KiB to
OUT_FILE and exits with the command's exit code.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

WRAPPER = Path(__file__)


def run_with_peak_rss(
    command: list[str], *, timeout: float, **popen: Any
) -> tuple[int, float, float]:
    """(exit code, seconds, peak RSS in MiB) of `command`; killed, with its group, past timeout."""
    handle, name = tempfile.mkstemp(prefix="peak-rss-")
    os.close(handle)
    peak_file = Path(name)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(WRAPPER), str(peak_file), *command], start_new_session=True, **popen
    )
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        code = process.wait()
    seconds = time.monotonic() - started
    try:
        peak_kib = int(peak_file.read_text() or 0)  # empty: killed before the command ended
    finally:
        peak_file.unlink()
    return code, seconds, peak_kib / 1024


def _main(argv: list[str]) -> int:
    out_file, command = argv[0], argv[1:]
    child = subprocess.Popen(command)
    _, status, usage = os.wait4(child.pid, 0)
    Path(out_file).write_text(str(usage.ru_maxrss))
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
