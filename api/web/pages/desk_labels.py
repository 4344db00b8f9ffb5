"""档案标签 — the barcode label of a catalogued folder, and the page that hands it out.

The label carries two Code 128 barcodes — the folder's reference code (档号) and its loan
number (借据号) — each with its text below, the borrower's name and the shelf. Code 128 encodes
ASCII only: the 档号's middle dot (``J001-XD·2026-…``) is printed as ``.`` in the barcode, and
the desk's scanner field reads either form (:func:`api.web.pages.desk.scan_key`).

``GET /archive/labels/{loan_no}.pdf`` is a read like any other: the archive room's readers
(those who may read the archive's records), within their data scope, for a dossier catalogued.
Like the archive's forms it is a PDF/A-2b with its one font, Chinese and Latin, embedded
(:mod:`archive.printing`), so a printer's host with no Chinese font prints it as shown.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from api.responses import LoanNo
from api.web.pages.common import enter, page_router
from api.web.session import ViewerDep, archive_of
from archive.printing import as_pdfa, font_name
from domain.authorization import Action
from domain.errors import NotCataloguedError

router = page_router()

WIDTH, HEIGHT = 100 * mm, 58 * mm
MARGIN = 5 * mm


def barcode_text(code: str) -> str:
    """What the barcode encodes: the code in ASCII (the 档号's ``·`` as ``.``)."""
    return code.replace("·", ".")


@dataclass(frozen=True)
class Label:
    """What a folder's label shows."""

    reference_code: str
    loan_no: str
    borrower_name: str
    shelf: str
    retention: str


def label_pdf(label: Label) -> bytes:
    """One label of 100 × 62 mm, as a label printer takes it."""
    out = io.BytesIO()
    font = font_name()
    # The stubs type initialFontName as a number; ReportLab takes a font's name.
    canvas = Canvas(out, pagesize=(WIDTH, HEIGHT), invariant=True, initialFontName=font)  # type: ignore[arg-type]
    canvas.setTitle(f"档案标签 {label.reference_code}")
    canvas.setSubject(f"{label.reference_code} {label.loan_no}")
    canvas.setCreator("Dossier")
    inner = WIDTH - 2 * MARGIN
    top = HEIGHT - MARGIN

    canvas.setFont(font, 9)
    canvas.drawString(MARGIN, top - 9, "信贷档案　档案标签")
    canvas.drawRightString(WIDTH - MARGIN, top - 9, label.retention)
    canvas.setLineWidth(0.6)
    canvas.line(MARGIN, top - 12, WIDTH - MARGIN, top - 12)

    # The reference code: the folder's own number, the larger barcode.
    natural = Code128(barcode_text(label.reference_code), barWidth=1, humanReadable=False)
    code = Code128(
        barcode_text(label.reference_code),
        barHeight=16 * mm,
        barWidth=min(1.0, inner / natural.width),
        humanReadable=False,
    )
    y = top - 14 - 16 * mm - 2 * mm
    code.drawOn(canvas, MARGIN + (inner - code.width) / 2, y)
    caption(canvas, WIDTH / 2, y - 11, "档号", label.reference_code, 10.5, centred=True)

    # The loan number, smaller, beside what the borrower and the shelf are.
    loan = Code128(
        barcode_text(label.loan_no), barHeight=10 * mm, barWidth=0.8, humanReadable=False
    )
    y2 = y - 18 - 10 * mm - 1 * mm
    loan.drawOn(canvas, MARGIN, y2)
    caption(canvas, MARGIN, y2 - 10, "借据号", label.loan_no, 8.5)
    right = MARGIN + loan.width + 3 * mm
    room = WIDTH - MARGIN - right - 2 * mm
    for n, line in enumerate((f"借款人 {label.borrower_name}", f"存放位置 {label.shelf}")):
        size = 9.0
        while size > 6 and canvas.stringWidth(line, font, size) > room:
            size -= 0.5  # a long name shrinks to fit the label rather than run off it
        canvas.setFont(font, size)
        canvas.drawString(right, y2 + 10 * mm - 9 - 13 * n, line)
    canvas.showPage()
    canvas.save()
    return as_pdfa(out.getvalue())


def caption(
    canvas: Canvas, x: float, y: float, word: str, code: str, size: float, *, centred: bool = False
) -> None:
    """``档号 J001-XD·2026-…`` under a barcode: the word, a gap, the code."""
    font = font_name()
    gap = size * 0.5
    width = canvas.stringWidth(word, font, size) + gap + canvas.stringWidth(code, font, size)
    left = x - width / 2 if centred else x
    canvas.setFont(font, size)
    canvas.drawString(left, y, word)
    canvas.drawString(left + canvas.stringWidth(word, font, size) + gap, y, code)


@router.get("/archive/labels/{loan_no}.pdf")
def folder_label(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """The label of the loan's catalogued folder: the archive room's readers, in their scope."""
    enter(request, viewer, "archive")
    archive = archive_of(request)
    archive.actor(viewer.ctx, Action.READ_ARCHIVE_RECORDS)  # the application's own refusal
    dossier = archive.get_dossier(viewer.ctx, loan_no)  # refuses a loan beyond their scope
    entry = dossier.catalogue_entry
    if entry is None:
        raise NotCataloguedError(
            "档案尚未编目，没有档号，不能打印标签",
            "the dossier is not catalogued: it has no reference code to print",
        )
    pdf = label_pdf(
        Label(
            reference_code=entry.reference_code,
            loan_no=dossier.loan_no,
            borrower_name=dossier.borrower_name,
            shelf=entry.shelf_location,
            retention=f"保管期限 {entry.retention.zh}",
        )
    )
    filename = f"label-{dossier.loan_no}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
