"""The one reader of a file the user (or the CI) names: `--api-key-file`,
`$GITHUB_EVENT_PATH`, a scenario or a recording; and the one appender to a file the CI
names for the gate to write (`$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`).

Opening a FIFO blocks until someone writes to it, and reading a device (`/dev/zero`)
never ends: either would hold the gate past every deadline. So the file is opened without
blocking, read only when it is a regular file, and only up to a size limit, all on the one
descriptor (no window between a check and the open for the path to change).
"""

from __future__ import annotations

import errno
import os
import select
import stat
import time

#: The largest file read: far above a key file, an event file or a scenario.
MAX_FILE_BYTES = 32 * 1024 * 1024
#: The longest an append waits for a FIFO's reader to make room (a regular file never waits).
APPEND_WAIT_SECONDS = 2.0


class NotARegularFile(OSError):
    """The path names a FIFO, a device, a socket or a folder: it is not read."""


class FileTooLarge(OSError):
    """The file is larger than the limit: it is not read."""


def read_small_file(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; `OSError` otherwise (its
    `strerror` says why in a few words: "not a regular file", "larger than 32 MiB")."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    handle = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(handle).st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
            raise NotARegularFile(errno.EINVAL, kind, os.fspath(path))
        parts: list[bytes] = []
        size = 0
        while True:
            piece = os.read(handle, min(1 << 20, limit + 1 - size))
            if not piece:
                return b"".join(parts)
            size += len(piece)
            if size > limit:
                raise FileTooLarge(errno.EFBIG, f"larger than {_size(limit)}", os.fspath(path))
            parts.append(piece)
    finally:
        os.close(handle)


def read_small_text(path: str | os.PathLike[str], encoding: str = "utf-8") -> str:
    """`read_small_file`, decoded (`UnicodeDecodeError` when it is not that encoding)."""
    return read_small_file(path).decode(encoding)


def open_for_append(path: str | os.PathLike[str]) -> int:
    """A descriptor open for appending to `path` (created if missing), opened without
    blocking: a FIFO with no reader is `OSError` (ENXIO, "a FIFO with no reader") at once
    instead of an `open()` that waits for ever, through every signal."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(path, flags, 0o666)
    except OSError as error:
        if error.errno == errno.ENXIO:
            raise OSError(errno.ENXIO, "a FIFO with no reader", os.fspath(path)) from None
        raise


def check_appendable(path: str | os.PathLike[str]) -> None:
    """Prove `path` can be appended to, before the first poll (`OSError` otherwise)."""
    os.close(open_for_append(path))


def append_to_file(
    path: str | os.PathLike[str], data: bytes, wait: float = APPEND_WAIT_SECONDS
) -> None:
    """Append `data` to `path` without ever blocking: a FIFO whose reader leaves it full
    for `wait` seconds is `OSError` (EAGAIN, "the reader is not reading"), never a hang."""
    handle = open_for_append(path)
    try:
        _write_all(handle, data, time.monotonic() + wait, os.fspath(path))
    finally:
        os.close(handle)


def _write_all(handle: int, data: bytes, give_up: float, name: str) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(handle, view) :]
            continue
        except BlockingIOError:
            pass
        left = give_up - time.monotonic()
        if left <= 0:
            raise OSError(errno.EAGAIN, "the reader is not reading", name)
        select.select([], [handle], [], left)


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"
