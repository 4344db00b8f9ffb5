"""Key files: a new file appears whole or not at all, a new name survives a crash, and a key
read back from its base64 text however it was wrapped."""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from pathlib import Path

MAX_KEY_FILE_SIZE = 4096
"""No key file is larger; a larger file is not read whole (one byte more, to tell)."""


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


def decode_base64(text: str | bytes) -> bytes | None:
    """The bytes that ``text`` encodes in base64 (standard or URL-safe, white space and missing
    padding tolerated), or None."""
    try:
        raw = text.encode("ascii") if isinstance(text, str) else text.decode("ascii").encode()
    except UnicodeError:
        return None
    raw = b"".join(raw.split()).replace(b"-", b"+").replace(b"_", b"/")
    raw += b"=" * (-len(raw) % 4)
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return None


def read_key_file(path: str | Path, error: type[Exception], en: str, zh: str) -> bytes:
    """The first bytes of a key file, up to one more than :data:`MAX_KEY_FILE_SIZE`; a missing
    or unreadable file raises ``error`` naming it (``en`` and ``zh``, e.g. "master key file",
    "主密钥文件")."""
    try:
        with Path(path).open("rb") as stream:
            return stream.read(MAX_KEY_FILE_SIZE + 1)
    except FileNotFoundError:
        raise error(f"{en} {path} does not exist ({zh}不存在)") from None
    except OSError as exc:
        raise error(f"{en} {path} cannot be read ({zh}无法读取): {exc.strerror}") from None
