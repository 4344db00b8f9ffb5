"""What the document benchmarks (bench/documents.py, bench/ingest.py, and bench/verify.py's
documents) share: timed parts, a blob store that passes calls on, the distinct PDFs they file,
and the rates they report.

Imported as ``common`` (``python bench/<name>.py`` puts bench/ first on ``sys.path``).
"""

from __future__ import annotations

import hashlib
import io
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import BinaryIO

import measure  # noqa: F401 (puts the repository on sys.path)
from pypdf import PdfReader

from demo.pdfs.render import render_padded
from storage.blobs import BlobStore

PDF_MARK = "JJBENCH00000000"  # a line of every page's header; varied to make each PDF unique


class Parts:
    """Seconds spent in named parts of the measured path."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def reset(self) -> None:
        self.seconds.clear()

    @contextmanager
    def timing(self, part: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[part] += time.perf_counter() - start


class PassingBlobStore(BlobStore):
    """A blob store that passes every call on to ``inner``; a benchmark overrides what it times."""

    def __init__(self, inner: BlobStore) -> None:
        self.inner = inner

    def put(self, key: str, data: BinaryIO, *, retain_until: datetime | None = None) -> bool:
        return self.inner.put(key, data, retain_until=retain_until)

    def open(self, key: str) -> BinaryIO:
        return self.inner.open(key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def keys(self) -> Iterator[str]:
        return self.inner.keys()

    def modified(self, key: str) -> datetime:
        return self.inner.modified(key)


def render_pdfs(doc_type: str, size: int, count: int) -> list[bytes]:
    """``count`` valid PDFs of ``doc_type`` of about ``size`` bytes, differing in one header line.

    ReportLab renders one report; the variants swap the loan number in each page's header (and
    the metadata) for one of the same length, so every offset of the PDF stays valid.
    """
    base = render_padded(doc_type, {"loan_no": PDF_MARK}, size=size, seed=7)
    plain = PDF_MARK.encode()
    shown = b"".join(b"\\000" + bytes([c]) for c in plain)  # as drawn in the CID font
    assert base.count(shown) >= 1, "the mark is not drawn on the pages"
    assert base.count(plain) >= 1, "the mark is not in the metadata"
    pdfs = []
    for i in range(count):
        mark = f"JJBENCH{i:08d}".encode()
        shown_mark = b"".join(b"\\000" + bytes([c]) for c in mark)
        pdfs.append(base.replace(plain, mark).replace(shown, shown_mark))
    pages = len(PdfReader(io.BytesIO(base)).pages)
    assert all(len(PdfReader(io.BytesIO(p)).pages) == pages for p in (pdfs[0], pdfs[-1]))
    assert len({hashlib.sha256(p).digest() for p in pdfs}) == count
    return pdfs


class Rates:
    """Documents a second through the application (``app``) and along the floor (``floor``),
    from the seconds each document took."""

    app: list[float]
    floor: list[float]

    @property
    def app_rate(self) -> float:
        return len(self.app) / sum(self.app)

    @property
    def floor_rate(self) -> float:
        return len(self.floor) / sum(self.floor)
