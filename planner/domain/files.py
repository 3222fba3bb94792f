"""Writing files so that a crash never leaves half of one (plan outputs, office submissions)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from planner.domain import interrupt


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """`path` holds its old content or `data` (text is written as UTF-8), never a mixture:
    a temporary file in the same directory, flushed and fsynced, `os.replace`d over the
    target, then the directory fsynced; the temporary file is removed if anything fails."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with interrupt.deferred():  # Ctrl-C before the rename keeps the old file
            interrupt.raise_if_requested()
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_directory(directory)


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in `directory` durable (best effort where unsupported)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
