"""A zipped bag, unpacked safely into a directory the caller provides.

Nothing is extracted unless every entry is safe: a name that is absolute, has a drive letter, a
backslash, a NUL or a ``..`` component (zip-slip), a symbolic link, an encrypted entry, a name
given twice, or more bytes than the disk can take are all refused before the first file is
written. Files are written exclusively (never over another) and no larger than their entry
declares.
"""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
import zlib
from pathlib import Path

_CHUNK = 1 << 20


class NotAZipError(Exception):
    """Raised when the file given is not a zip archive."""


class UnsafeArchiveError(Exception):
    """Raised when a zip archive holds an entry that cannot be extracted safely; ``entry`` names it."""

    def __init__(self, entry: str, reason: str) -> None:
        super().__init__(f"{entry!r}: {reason}")
        self.entry = entry
        self.reason = reason


def _safe_parts(name: str) -> list[str]:
    trimmed = name[:-1] if name.endswith("/") else name
    if not trimmed:
        raise UnsafeArchiveError(name, "the entry has an empty name")
    if trimmed.startswith("/") or re.match(r"[A-Za-z]:", trimmed):
        raise UnsafeArchiveError(name, "the entry's path is absolute")
    if "\\" in trimmed or "\x00" in trimmed:
        raise UnsafeArchiveError(name, "the entry's path holds a backslash or NUL")
    parts = trimmed.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise UnsafeArchiveError(name, "the entry's path has an empty, '.' or '..' component")
    return parts


def extract(archive: Path, into: Path) -> Path:
    """Unpack the zip ``archive`` into the empty directory ``into``; return the bag's root.

    The root is ``into`` itself, or its one subdirectory when the archive wraps the bag in a
    single top-level folder. Raises ``NotAZipError`` or ``UnsafeArchiveError``.
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as error:
        raise NotAZipError(f"{archive} is not a readable zip archive: {error}") from None
    with zf:
        infos = zf.infolist()
        seen: set[tuple[str, ...]] = set()
        declared = 0
        for info in infos:
            parts = tuple(_safe_parts(info.filename))
            if parts in seen:
                raise UnsafeArchiveError(info.filename, "the archive holds this name twice")
            seen.add(parts)
            if stat.S_ISLNK(info.external_attr >> 16):
                raise UnsafeArchiveError(info.filename, "the entry is a symbolic link")
            if info.flag_bits & 0x1:
                raise UnsafeArchiveError(info.filename, "the entry is encrypted")
            declared += info.file_size
        if declared > shutil.disk_usage(into).free:
            raise UnsafeArchiveError(
                archive.name, f"it unpacks to {declared} bytes, more than the free disk space"
            )
        base = into.resolve()
        for info in infos:
            target = base.joinpath(*_safe_parts(info.filename))
            if not target.resolve().is_relative_to(base):
                raise UnsafeArchiveError(info.filename, "the entry leads outside the directory")
            try:
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise UnsafeArchiveError(info.filename, f"cannot be created: {error}") from None
            _copy_entry(zf, info, target)
    entries = list(into.iterdir())
    if not (into / "bagit.txt").exists() and len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return into


def _copy_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    written = 0
    try:
        with zf.open(info) as source, open(target, "xb") as sink:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > info.file_size:
                    raise UnsafeArchiveError(info.filename, "the entry is larger than it declares")
                sink.write(chunk)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, EOFError) as error:
        raise UnsafeArchiveError(info.filename, f"the entry cannot be extracted: {error}") from None
