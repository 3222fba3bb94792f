"""Writing files so that a crash never leaves half of one (plan outputs, office submissions)."""

from __future__ import annotations

import contextlib
import os
import stat
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
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:  # a read-only or missing folder: name the target, not the temp
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _mode_for(path))
        with interrupt.deferred():  # Ctrl-C before the rename keeps the old file
            interrupt.raise_if_requested()
            os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.filename not in (None, str(path)):
            raise OSError(exc.errno, exc.strerror, str(path)) from exc  # name the target
        raise
    fsync_directory(directory)


def _mode_for(path: Path) -> int:
    """The replaced file's permissions (a 0600 file stays 0600), else the umask's."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in `directory` durable (best effort where unsupported)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
