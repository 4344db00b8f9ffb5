"""Streams for the blob store tests: made as they are read, or failing half-way."""

from __future__ import annotations

import hashlib
import io
import random


class GeneratedStream(io.RawIOBase):
    """``size`` deterministic pseudo-random bytes made as they are read, never held whole.

    Records the largest read request so a test can tell chunked reading from ``read()``.
    """

    def __init__(self, size: int, seed: int = 7) -> None:
        self._remaining = size
        self._random = random.Random(seed)
        self.sha256 = hashlib.sha256()
        self.largest_request = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        wanted = self._remaining if size is None or size < 0 else size
        self.largest_request = max(self.largest_request, wanted)
        chunk = self._random.randbytes(min(wanted, self._remaining))
        self._remaining -= len(chunk)
        self.sha256.update(chunk)
        return chunk


class FailingStream(io.RawIOBase):
    """Gives one chunk of bytes, then fails as a dropped upload would."""

    def __init__(self) -> None:
        self._sent = False

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if self._sent:
            raise ConnectionResetError("client went away")
        self._sent = True
        return b"partial upload"
