"""Watermarked copies (水印副本): what a reader is handed instead of the stored original.

Every page is stamped, with pypdf, with the reader's name and staff number, the
purpose of the read and the date, in Chinese, in the font the archive embeds
(:mod:`archive.printing`), so the stamp reads the same where no Chinese font is installed; an
image is first set on an A4 page. The copy is a new document with its own hash, recorded with
the read. (It is not PDF/A: the original under the stamp is whatever was filed.)

An OFD (GB/T 33190) is not stamped: no maintained Python library writes into an OFD, and a
stamp rendered through a conversion to PDF would hand the reader another document than the
one kept. It is handed over as the original, through the same recorded read, and the answer
says so (:data:`UNSTAMPED_NOTE`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import BinaryIO

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from archive.printing import font_name
from domain.values import UNSTAMPED_MEDIA_TYPES

UNSTAMPED_NOTE = (
    "OFD is handed over as the original, without a watermark: no maintained library stamps OFD"
)
"""Why a read of an OFD is not watermarked (said in the answer's X-Watermark-Note header)."""


def can_watermark(media_type: str) -> bool:
    """True when a watermarked copy can be made of documents of ``media_type``."""
    return media_type not in UNSTAMPED_MEDIA_TYPES


def _overlay(width: float, height: float, lines: Sequence[str]) -> bytes:
    """One transparent page of the given size carrying the watermark."""
    buffer = io.BytesIO()
    font = font_name()
    # The stubs type initialFontName as a number; ReportLab takes a font's name.
    page = canvas.Canvas(buffer, pagesize=(width, height), invariant=True, initialFontName=font)  # type: ignore[arg-type]
    page.saveState()
    page.setFillColorRGB(0.75, 0.1, 0.1, alpha=0.18)
    page.setFont(font, 22)
    page.translate(width / 2, height / 2)
    page.rotate(35)
    step = 120
    for row in range(-4, 5):
        text = lines[row % len(lines)]
        page.drawCentredString(0, row * step, text)
    page.restoreState()
    page.setFillColorRGB(0.6, 0.0, 0.0, alpha=0.85)
    page.setFont(font, 7.5)
    page.drawString(18, 10, "  |  ".join(lines))
    page.save()
    return buffer.getvalue()


def _image_as_pdf(image: BinaryIO) -> io.BytesIO:
    reader = ImageReader(image)
    img_w, img_h = reader.getSize()
    width, height = A4
    scale = min((width - 60) / img_w, (height - 80) / img_h, 1.0)
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    w, h = img_w * scale, img_h * scale
    page.drawImage(reader, (width - w) / 2, (height - h) / 2, w, h)
    page.showPage()
    page.save()
    buffer.seek(0)
    return buffer


def watermarked_copy(source: BinaryIO, media_type: str, lines: Sequence[str]) -> bytes:
    """A PDF copy of ``source`` with ``lines`` stamped on every page (a PDF or an image)."""
    if not can_watermark(media_type):
        raise ValueError(f"no watermarked copy can be made of {media_type}")
    document = source if media_type == "application/pdf" else _image_as_pdf(source)
    writer = PdfWriter(clone_from=PdfReader(document))
    stamps: dict[tuple[float, float], bytes] = {}
    for page in writer.pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        if size not in stamps:
            stamps[size] = _overlay(size[0], size[1], lines)
        page.merge_page(PdfReader(io.BytesIO(stamps[size])).pages[0])
    writer.add_metadata({"/Producer": "Dossier watermarked copy", "/Subject": " | ".join(lines)})
    writer._root_object[NameObject("/Dossier")] = NameObject("/WatermarkedCopy")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
