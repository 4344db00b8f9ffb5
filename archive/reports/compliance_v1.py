"""The compliance report as renderer 1 drew it (releases up to and including 0.1.0).

Frozen: reports issued before the renderer was recorded with each issue (``IssuedReport``
version 1) were drawn by this code, and must rebuild to the SHA-256 recorded then. Do not
change a byte of what it draws — the page helpers of :mod:`archive.reports.forms` it used are
copied here for that reason. Later changes go into :mod:`archive.reports.compliance` under a new
renderer number.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal
from xml.sax.saxutils import escape as xml_escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from domain.compliance import ComplianceReport
from domain.text import escape_controls, sheet_title

TITLE_ZH = "贷后档案合规检查报告"
TITLE_EN = "Post-loan dossier compliance report"

# ------------------------------------------------ the page helpers renderer 1 drew with
FONT = "STSong-Light"


def cid_font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def text_style(
    size: float, *, leading: float | None = None, align: Literal[0, 1, 2, 4] = 0
) -> ParagraphStyle:
    return ParagraphStyle(
        f"form-{size}-{align}",
        fontName=cid_font(),
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


def grid(rows: Sequence[Sequence[object]], widths: Sequence[float]) -> Table:
    body = text_style(9)
    cells = [[Paragraph(cell_text(value), body) for value in row] for row in rows]
    table = Table(cells, colWidths=list(widths), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
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
) -> bytes:
    """The form as PDF bytes; ``footer`` is printed at the foot of every page with its number."""
    buffer = io.BytesIO()
    size = landscape(A4) if wide else A4
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
    )
    heading: list[Flowable] = [
        Paragraph(title, text_style(16, align=1)),
        Paragraph(subtitle, text_style(9, align=1)),
    ]

    def foot(canvas: Canvas, document: SimpleDocTemplate) -> None:
        if footer is None:
            return
        canvas.saveState()
        canvas.setFont(cid_font(), 8)
        canvas.drawCentredString(
            size[0] / 2, 9 * mm, f"{footer}　第 {document.page} 页 / page {document.page}"
        )
        canvas.restoreState()

    doc.build([*heading, Spacer(1, 6 * mm), *story], onFirstPage=foot, onLaterPages=foot)
    return buffer.getvalue()


def page_width(wide: bool = False) -> float:
    return (landscape(A4) if wide else A4)[0] - 36 * mm


HEADINGS = (
    "一、概要",
    "二、缺失文档（按阶段和文档类型）",
    "三、逾期任务（按责任人和类型）",
    "四、处于监管下限的贷款",
    "五、已送达未归档回执的催收通知",
    "六、保管期满未鉴定的档案",
    "附表一：缺失文档明细",
    "附表二：逾期任务明细",
    "七、口径说明",
)
"""The report's sections, in order; tests look for them in the PDF's text."""


@dataclass(frozen=True)
class Section:
    """One table of the report: its heading, the sheet it becomes, its header and rows."""

    heading: str
    sheet: str
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    widths: tuple[float, ...]
    empty: str = "无 / none"


def _rate(value: Decimal | None) -> str:
    return f"{value}%" if value is not None else "—（无应归档文档）"


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else "—"


def sections(report: ComplianceReport) -> list[Section]:
    """The report's tables, in the order of :data:`HEADINGS`."""
    r = report
    summary = (
        ("报告日期 / report date", r.on),
        ("范围 / scope", f"{r.scope.zh} / {r.scope.en}"),
        ("日志位置 / log position", r.position),
        ("记录截至 / record as of", r.record_as_of or "现在 / now"),
        ("现行规则版本 / rules in force", r.rules_version),
        ("贷款户数 / loans", r.loans),
        ("应归档文档（已到期） / documents due", r.required),
        ("已归档 / filed", r.filed),
        ("其中逾期归档 / of which filed late", r.filed_late),
        ("缺失 / missing", r.missing),
        ("未到期待归档 / not yet due", r.pending),
        ("文档完整率 / completeness rate", _rate(r.completeness_rate)),
        ("档案齐全户数 / complete dossiers", r.dossiers_complete),
        ("档案齐全率 / complete dossier rate", _rate(r.dossier_rate)),
        ("逾期任务 / overdue tasks", len(r.overdue_tasks)),
        ("处于监管下限 / at a statutory floor", r.at_floor),
        ("低于监管下限 / below a statutory floor", r.below_floor),
        ("催收通知缺送达回执 / notices without receipt", len(r.notices_without_receipt)),
        ("保管期满未鉴定 / past retention, not appraised", len(r.retention_unappraised)),
    )
    return [
        Section(HEADINGS[0], "概要", ("项目 / item", "数值 / figure"), summary, (0.55, 0.45)),
        Section(
            HEADINGS[1],
            "缺失汇总",
            ("阶段", "文档类型", "文档名称", "缺失件数", "涉及贷款", "最早期限"),
            tuple(
                (g.stage_zh, g.doc_type, g.doc_type_zh, g.count, g.loans, g.oldest_due_on)
                for g in r.gaps_by_type
            ),
            (0.13, 0.22, 0.25, 0.12, 0.12, 0.16),
        ),
        Section(
            HEADINGS[2],
            "逾期任务汇总",
            ("责任人", "岗位", "任务类型", "件数", "最早到期"),
            tuple(
                (g.owner, g.owner_role.zh, g.kind.zh, g.count, g.oldest_due_on)
                for g in r.overdue_by_owner
            ),
            (0.28, 0.16, 0.22, 0.12, 0.22),
        ),
        Section(
            HEADINGS[3],
            "监管下限",
            ("借据号", "机构", "产品", "逾期天数", "监管下限", "现分类", "状态", "依据"),
            tuple(
                (
                    f.loan_no,
                    f.branch or "",
                    f.product.zh,
                    f.days_overdue,
                    f.floor.zh,
                    f.grade.zh,
                    f.standing.zh,
                    f.reason_zh,
                )
                for f in r.floor_loans
            ),
            (0.14, 0.1, 0.1, 0.08, 0.09, 0.09, 0.1, 0.3),
        ),
        Section(
            HEADINGS[4],
            "缺送达回执",
            ("借据号", "借款人", "机构", "通知日期", "归档期限", "逾期天数", "规则"),
            tuple(
                (
                    g.loan_no,
                    g.borrower_name,
                    g.branch or "",
                    g.required_since,
                    g.due_on,
                    g.days_past_due,
                    g.rule_id,
                )
                for g in r.notices_without_receipt
            ),
            (0.15, 0.2, 0.12, 0.13, 0.13, 0.1, 0.17),
        ),
        Section(
            HEADINGS[5],
            "保管期满未鉴定",
            ("档号", "借据号", "机构", "保管期限", "期满日", "已超期天数"),
            tuple(
                (
                    d.reference_code or "",
                    d.loan_no,
                    d.branch or "",
                    d.retention or "",
                    d.ended_on,
                    d.days_past,
                )
                for d in r.retention_unappraised
            ),
            (0.24, 0.18, 0.14, 0.12, 0.16, 0.16),
        ),
        Section(
            HEADINGS[6],
            "缺失明细",
            ("借据号", "借款人", "机构", "阶段", "文档", "规则", "应归档起始", "期限", "逾期天数"),
            tuple(
                (
                    g.loan_no,
                    g.borrower_name,
                    g.branch or "",
                    g.stage_zh,
                    g.doc_type_zh,
                    g.rule_id,
                    g.required_since,
                    g.due_on,
                    g.days_past_due,
                )
                for g in r.gaps
            ),
            (0.12, 0.14, 0.09, 0.08, 0.14, 0.15, 0.1, 0.1, 0.08),
        ),
        Section(
            HEADINGS[7],
            "逾期任务明细",
            ("任务类型", "对象", "机构", "责任人", "岗位", "到期日", "规则"),
            tuple(
                (
                    t.kind.zh,
                    t.ref,
                    t.branch or "",
                    r.owner_of(t),
                    t.owner_role.zh,
                    t.due_on,
                    t.rule,
                )
                for t in r.overdue_tasks
            ),
            (0.12, 0.15, 0.09, 0.15, 0.1, 0.1, 0.29),
        ),
        Section(
            HEADINGS[8],
            "口径说明",
            ("口径 / definition", "说明 / meaning"),
            (
                ("应归档文档", f"归档期限早于报告日（{r.on}）的规则要求文档；未到期的另计。"),
                ("文档完整率", "已归档（含逾期归档）÷ 应归档文档。"),
                ("档案齐全", "该贷款没有已到期仍缺失的文档。"),
                ("逾期任务", "工作任务在报告日已超过到期日。"),
                (
                    "监管下限",
                    "按逾期天数确定的最低分类（《商业银行金融资产风险分类办法》）；"
                    "现分类等于下限为“处于下限”，优于下限为“低于下限”。",
                ),
                ("催收通知缺送达回执", "已送达催收通知，其送达回执超过归档期限仍未归档。"),
                ("保管期满未鉴定", "保管期限在报告日前届满，之后未作鉴定结论。"),
                ("引用的规则版本", "；".join(r.rules_versions_cited) or "—"),
                (
                    "可复核",
                    f"本报告由日志位置 {r.position} 的登记簿生成，"
                    "按同一日期和位置可重新生成相同内容。",
                ),
            ),
            (0.25, 0.75),
        ),
    ]


def _cell_text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


PDF_ROWS = 1_000
"""Rows a table of the PDF shows at most (about 40 pages); the workbook lists every row. A
portfolio with tens of thousands of gaps gets a PDF one can read and a workbook one can sort."""


def report_pdf(report: ComplianceReport, *, limit: int = PDF_ROWS) -> bytes:
    """The report as an A4 landscape PDF, Chinese headings, a footer on every page; a table
    longer than ``limit`` rows shows its first ``limit`` and says how many the workbook has."""
    width = page_width(wide=True)
    story: list[Flowable] = []
    for section in sections(report):
        story.append(Paragraph(section.heading, text_style(12, leading=18)))
        story.append(Spacer(1, 2 * mm))
        shown = section.rows[:limit]
        if shown:
            rows = [section.header, *[tuple(_cell_text(v) for v in row) for row in shown]]
            story.append(grid(rows, [width * w for w in section.widths]))
        else:
            story.append(Paragraph(section.empty, text_style(9)))
        if len(section.rows) > len(shown):
            total = len(section.rows)
            story.append(
                Paragraph(
                    f"仅列前 {limit:,} 条，共 {total:,} 条，完整明细见 XLSX。"
                    f" / The first {limit:,} of {total:,} rows; the workbook lists them all.",
                    text_style(9),
                )
            )
        story.append(Spacer(1, 6 * mm))
    subtitle = (
        f"{TITLE_EN} · {report.scope.zh} / {report.scope.en} · 报告日期 {report.on.isoformat()} · "
        f"日志位置 {report.position} · 规则版本 {report.rules_version[:12]}"
    )
    footer = f"{TITLE_ZH} {report.on.isoformat()} {report.scope.zh}"
    return render_pdf(TITLE_ZH, subtitle, story, wide=True, footer=footer)


def _styled(sheet: Any, value: Any, *, font: Font) -> Any:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    return cell


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    """A value as the workbook keeps it: Decimal as a number, a date as a dated cell, text
    with any control character recorded by an earlier release escaped."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=datetime.combine(value, time(0)))
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, str):
        return escape_controls(value)
    return value


def report_xlsx(report: ComplianceReport) -> bytes:
    """The report as a workbook: one sheet per section, numbers as numbers, dates as dates.

    Written row by row (openpyxl's write-only mode), so tens of thousands of gaps cost little
    memory."""
    book = Workbook(write_only=True)
    for section in sections(report):
        sheet = book.create_sheet(sheet_title(section.sheet))
        for index, (name, share) in enumerate(zip(section.header, section.widths, strict=True)):
            width = max(len(name) * 2 + 2, int(share * 160))
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        sheet.freeze_panes = "A3"
        sheet.append([_styled(sheet, section.heading, font=Font(bold=True, size=12))])
        sheet.append([_styled(sheet, name, font=Font(bold=True)) for name in section.header])
        for row in section.rows:
            sheet.append([_xlsx_cell(sheet, v) for v in row])
    stamp = datetime.combine(report.on, time(0))
    book.properties.creator = "Dossier 贷后档案"
    book.properties.created = stamp
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_in_time(buffer.getvalue(), stamp)


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _fixed_in_time(xlsx: bytes, stamp: datetime) -> bytes:
    """The workbook with every clock reading replaced by ``stamp``: the zip entries' times and
    the modification time openpyxl writes at saving, so the same report is the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                data = _MODIFIED.sub(rb"\g<1>" + when + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, data)
    return out.getvalue()
