"""The archive office's printed forms (Chinese, ReportLab): borrow slip (借阅单), transfer receipt
(移交清单) and destruction register (销毁清册), each with its signature lines.

The forms are evidence in their own right: the commands that issue them file the PDF into the
dossier like any other document. Text is drawn in the Chinese TrueType font the archive
embeds (:mod:`archive.printing`), so it reads the same on a machine with no Chinese font and
stays extractable (四性检测: readable), and every form is PDF/A-2b. The content is plain data,
so the same form renders identically every time (``invariant``).

``legacy=True`` draws as releases before the embedded font did — the CID font STSong-Light,
nothing embedded, not PDF/A — for the report renderers that must still draw, byte for byte,
the reports issued then (:mod:`archive.reports.compliance`, :mod:`archive.reports.risk`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal
from xml.sax.saxutils import escape as xml_escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from archive.printing import as_pdfa, font_name
from domain.text import escape_controls

LEGACY_FONT = "STSong-Light"
"""The CID font, never embedded, earlier releases drew every form and report with."""


def cid_font() -> str:
    """The legacy CID font (reports drawn by an earlier release's renderer only)."""
    if LEGACY_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(LEGACY_FONT))
    return LEGACY_FONT


def face(legacy: bool = False) -> str:
    """The font forms are drawn in: the embedded Chinese TrueType font, or for ``legacy`` the
    CID font earlier releases used."""
    return cid_font() if legacy else font_name()


def text_style(
    size: float,
    *,
    leading: float | None = None,
    align: Literal[0, 1, 2, 4] = 0,
    legacy: bool = False,
) -> ParagraphStyle:
    return ParagraphStyle(
        f"form-{size}-{align}",
        fontName=face(legacy),
        fontSize=size,
        leading=leading or size * 1.4,
        alignment=align,
        wordWrap="CJK",
    )


def cell_text(value: object) -> str:
    """A value as the text of a table cell: recorded text is data, never ReportLab markup
    (a reason such as ``a<b`` would otherwise fail the whole PDF), and control characters
    recorded by earlier releases are shown escaped."""
    return xml_escape(escape_controls(str(value)))


def grid(
    rows: Sequence[Sequence[object]], widths: Sequence[float], *, legacy: bool = False
) -> Table:
    body = text_style(9, legacy=legacy)
    cells = [[Paragraph(cell_text(value), body) for value in row] for row in rows]
    table = Table(cells, colWidths=list(widths), repeatRows=1)
    # A table sets its cells' font (Helvetica unless told) even around paragraphs: named here
    # so that no font but the embedded one is on the page (the legacy drawing named it).
    cell_font = [] if legacy else [("FONTNAME", (0, 0), (-1, -1), face())]
    table.setStyle(
        TableStyle(
            [
                *cell_font,
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def signature_lines(roles: Sequence[str], width: float, *, legacy: bool = False) -> Table:
    """A signature line per role: 签字 and 日期 blanks to sign on paper."""
    rows = [[f"{role}签字：", "", "日期：", ""] for role in roles]
    table = Table(rows, colWidths=[width * 0.25, width * 0.35, width * 0.1, width * 0.3])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), face(legacy)),
                ("FONTSIZE", (0, 0), (-1, -1), 10),
                ("LINEBELOW", (1, 0), (1, -1), 0.5, colors.black),
                ("LINEBELOW", (3, 0), (3, -1), 0.5, colors.black),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    return table


def render_pdf(
    title: str,
    subtitle: str,
    story: list[Flowable],
    *,
    wide: bool = False,
    footer: str | None = None,
    legacy: bool = False,
) -> bytes:
    """The form as PDF/A-2b bytes, its font embedded; ``footer`` is printed at the foot of
    every page with its number. ``legacy``: as earlier releases drew it (see the module)."""
    buffer = io.BytesIO()
    size = landscape(A4) if wide else A4
    # Only the embedded face is named on a page: not even ReportLab's opening Helvetica.
    initial: dict[str, Any] = {} if legacy else {"initialFontName": face()}
    doc = SimpleDocTemplate(
        buffer,
        pagesize=size,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author="Dossier 贷后档案",
        invariant=1,
        **initial,
    )
    heading: list[Flowable] = [
        Paragraph(title, text_style(16, align=1, legacy=legacy)),
        Paragraph(subtitle, text_style(9, align=1, legacy=legacy)),
    ]

    def foot(canvas: Canvas, document: SimpleDocTemplate) -> None:
        if footer is None:
            return
        canvas.saveState()
        canvas.setFont(face(legacy), 8)
        canvas.drawCentredString(
            size[0] / 2, 9 * mm, f"{footer}　第 {document.page} 页 / page {document.page}"
        )
        canvas.restoreState()

    doc.build([*heading, Spacer(1, 6 * mm), *story], onFirstPage=foot, onLaterPages=foot)
    return buffer.getvalue() if legacy else as_pdfa(buffer.getvalue())


def page_width(wide: bool = False) -> float:
    return (landscape(A4) if wide else A4)[0] - 36 * mm


# ----------------------------------------------------------------------------- borrow slip
@dataclass(frozen=True)
class BorrowSlip:
    """What a borrow slip (借阅单) states."""

    borrowing_id: str
    reference_code: str
    loan_no: str
    borrower_name: str
    requester: str
    purpose: str
    form: str
    due_on: date
    approvers: Sequence[str]
    items: Sequence[tuple[str, str, int]]  # (document type, title or file name, pages)


def borrow_slip(slip: BorrowSlip) -> bytes:
    width = page_width()
    facts = grid(
        [
            ["借阅编号", slip.borrowing_id, "档号", slip.reference_code],
            ["借据号", slip.loan_no, "借款人", slip.borrower_name],
            ["借阅人", slip.requester, "借阅目的", slip.purpose],
            ["借阅形式", slip.form, "归还期限", slip.due_on.isoformat()],
            ["审批人", "、".join(slip.approvers) or "—", "", ""],
        ],
        [width * 0.15, width * 0.35, width * 0.15, width * 0.35],
    )
    items = grid(
        [["序号", "文件类型", "文件名称", "页数"]]
        + [[n, t, title, pages] for n, (t, title, pages) in enumerate(slip.items, start=1)],
        [width * 0.1, width * 0.25, width * 0.5, width * 0.15],
    )
    notice = Paragraph(
        "借阅人不得涂改、拆卷、抽页；归还时按页数清点。Borrowers may not mark, unbind or remove pages; "
        "pages are counted on return.",
        text_style(8),
    )
    return render_pdf(
        "档案借阅单",
        f"Borrow slip · {slip.borrowing_id}",
        [
            facts,
            Spacer(1, 5 * mm),
            items,
            Spacer(1, 4 * mm),
            notice,
            Spacer(1, 8 * mm),
            signature_lines(
                ["借阅人", "审批人", "档案管理员（借出）", "档案管理员（归还）"], width
            ),
        ],
    )


# ------------------------------------------------------------------------ transfer receipt
@dataclass(frozen=True)
class TransferReceipt:
    """What a transfer list with its receipt (移交清单) states."""

    transfer_id: str
    loan_no: str
    borrower_name: str
    kind: str
    handed_by: str
    received_by: str
    received_on: date
    items: Sequence[tuple[str, str, int, str]]  # (document type, title, pages, check result)
    transfer_no: str | None = None
    """Its number in the year's series (移交〔2026〕第0001号); none for a transfer listed before
    the numbering, named by its id alone."""


def transfer_receipt(receipt: TransferReceipt) -> bytes:
    width = page_width()
    facts = grid(
        [
            ["移交编号", receipt.transfer_no or receipt.transfer_id, "移交类型", receipt.kind],
            ["借据号", receipt.loan_no, "借款人", receipt.borrower_name],
            ["移交人", receipt.handed_by, "接收人", receipt.received_by],
            ["接收日期", receipt.received_on.isoformat(), "", ""],
        ],
        [width * 0.15, width * 0.35, width * 0.15, width * 0.35],
    )
    items = grid(
        [["序号", "文件类型", "文件名称", "页数", "核对结果"]]
        + [
            [n, t, title, pages, result]
            for n, (t, title, pages, result) in enumerate(receipt.items, start=1)
        ],
        [width * 0.08, width * 0.22, width * 0.42, width * 0.1, width * 0.18],
    )
    return render_pdf(
        "档案移交清单",
        f"Transfer list and receipt · {receipt.transfer_id}",
        [
            facts,
            Spacer(1, 5 * mm),
            items,
            Spacer(1, 8 * mm),
            signature_lines(["移交人", "接收人"], width),
        ],
    )


# ---------------------------------------------------------------------- destruction register
@dataclass(frozen=True)
class DestructionEntry:
    """One dossier in a destruction register (销毁清册)."""

    reference_code: str
    title: str
    years: str
    retention: str
    pages: int
    opinion: str


@dataclass(frozen=True)
class DestructionRegister:
    """What a destruction register states: who proposed, approved, executed and supervised it,
    and on which day each step was taken (a step not yet taken reads 未办理)."""

    batch_id: str
    proposed_by: str
    approved_by: Sequence[str]
    method: str
    entries: Sequence[DestructionEntry]
    supervisors: Sequence[str] = field(default_factory=tuple)
    proposed_on: date | None = None
    approved_on: date | None = None
    compliance_approved_on: date | None = None
    executed_on: date | None = None
    executed_by: str = ""


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else "未办理"


def destruction_register(register: DestructionRegister) -> bytes:
    width = page_width(wide=True)
    facts = grid(
        [
            ["销毁批次", register.batch_id, "销毁方式", register.method],
            ["提出人", register.proposed_by, "提出日期", _day(register.proposed_on)],
            [
                "批准人",
                "、".join(register.approved_by) or "—",
                "批准日期",
                _day(register.approved_on),
            ],
            ["合规审批日期", _day(register.compliance_approved_on), "", ""],
            ["执行人", register.executed_by or "—", "销毁日期", _day(register.executed_on)],
            ["监销人", "、".join(register.supervisors) or "—", "", ""],
        ],
        [width * 0.12, width * 0.38, width * 0.12, width * 0.38],
    )
    entries = grid(
        [["序号", "档号", "题名", "年度", "保管期限", "页数", "鉴定意见"]]
        + [
            [n, e.reference_code, e.title, e.years, e.retention, e.pages, e.opinion]
            for n, e in enumerate(register.entries, start=1)
        ],
        [
            width * 0.05,
            width * 0.2,
            width * 0.25,
            width * 0.1,
            width * 0.08,
            width * 0.06,
            width * 0.26,
        ],
    )
    total = sum(e.pages for e in register.entries)
    summary = Paragraph(
        f"共 {len(register.entries)} 卷，{total} 页。本清册永久保存。"
        f" {len(register.entries)} dossiers, {total} pages; this register is kept permanently.",
        text_style(9),
    )
    return render_pdf(
        "档案销毁清册",
        f"Destruction register · {register.batch_id}",
        [
            facts,
            Spacer(1, 5 * mm),
            entries,
            Spacer(1, 3 * mm),
            summary,
            Spacer(1, 8 * mm),
            signature_lines(["提出人", "批准人", "合规审批", "监销人", "监销人", "执行人"], width),
        ],
        wide=True,
    )
