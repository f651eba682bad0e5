"""The one reader of a file the user (or the CI) names: `--api-key-file`,
`$GITHUB_EVENT_PATH`, a scenario or a recording.

Opening a FIFO blocks until someone writes to it, and reading a device (`/dev/zero`)
never ends: either would hold the gate past every deadline. So the file is opened without
blocking, read only when it is a regular file, and only up to a size limit, all on the one
descriptor (no window between a check and the open for the path to change).
"""

from __future__ import annotations

import errno
import os
import stat

#: The largest file read: far above a key file, an event file or a scenario.
MAX_FILE_BYTES = 32 * 1024 * 1024


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


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"
