"""Files made durable: a new file appears whole or not at all, and a new name survives a crash."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def fsync_directory(directory: Path) -> None:
    """Make a directory's entries durable (a new or removed name survives a crash)."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_new_file(path: Path, content: bytes, *, mode: int = 0o600) -> None:
    """Create ``path`` holding ``content``, readable by ``mode``; never overwrite a file.

    The content is written to a temporary file beside ``path``, fsynced, then hard-linked into
    place, so the file appears whole or not at all. FileExistsError if ``path`` exists. The
    directory must exist.
    """
    fd, staged_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    staged = Path(staged_name)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.link(staged, path)
        fsync_directory(path.parent)
    finally:
        staged.unlink(missing_ok=True)
