"""Reports drawn as tables (the compliance report, the risk-monitoring report): the same
sections as an A4 landscape PDF (Chinese, ReportLab) and as a workbook (openpyxl), neither
reading the clock, so the same report is the same bytes.

A report is a list of :class:`Section`; :func:`sections_pdf` and :func:`sections_xlsx` draw
them. A figure in the PDF is the figure in the workbook.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from archive.reports.forms import grid, page_width, render_pdf, text_style
from domain.text import escape_controls, sheet_title


@dataclass(frozen=True)
class Section:
    """One table of the report: its heading, the sheet it becomes, its header and rows."""

    heading: str
    sheet: str
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    widths: tuple[float, ...]
    empty: str = "无 / none"


def cell_text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


PDF_ROWS = 1_000
"""Rows a table of the PDF shows at most (about 40 pages); the workbook lists every row. A
portfolio with tens of thousands of gaps gets a PDF one can read and a workbook one can sort."""


def sections_pdf(
    sections: Sequence[Section],
    *,
    title: str,
    subtitle: str,
    footer: str,
    limit: int = PDF_ROWS,
    legacy: bool = False,
) -> bytes:
    """The sections as an A4 landscape PDF/A-2b, Chinese headings, a footer on every page; a
    table longer than ``limit`` rows shows its first ``limit`` and says how many the workbook
    has. ``legacy``: drawn as releases before the embedded font did (a report renderer of
    theirs, see :mod:`archive.reports.forms`)."""
    width = page_width(wide=True)
    story: list[Flowable] = []
    for section in sections:
        story.append(Paragraph(section.heading, text_style(12, leading=18, legacy=legacy)))
        story.append(Spacer(1, 2 * mm))
        shown = section.rows[:limit]
        if shown:
            rows = [section.header, *[tuple(cell_text(v) for v in row) for row in shown]]
            story.append(grid(rows, [width * w for w in section.widths], legacy=legacy))
        else:
            story.append(Paragraph(section.empty, text_style(9, legacy=legacy)))
        if len(section.rows) > len(shown):
            total = len(section.rows)
            story.append(
                Paragraph(
                    f"仅列前 {limit:,} 条，共 {total:,} 条，完整明细见 XLSX。"
                    f" / The first {limit:,} of {total:,} rows; the workbook lists them all.",
                    text_style(9, legacy=legacy),
                )
            )
        story.append(Spacer(1, 6 * mm))
    return render_pdf(title, subtitle, story, wide=True, footer=footer, legacy=legacy)


def _styled(sheet: Any, value: Any, *, font: Font) -> Any:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    return cell


def xlsx_cell(sheet: Any, value: Any) -> Any:
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


def sections_xlsx(sections: Sequence[Section], *, on: date) -> bytes:
    """The sections as a workbook: one sheet per section, numbers as numbers, dates as dates,
    dated ``on`` (never the clock).

    Written row by row (openpyxl's write-only mode), so tens of thousands of rows cost little
    memory."""
    book = Workbook(write_only=True)
    for section in sections:
        sheet = book.create_sheet(sheet_title(section.sheet))
        for index, (name, share) in enumerate(zip(section.header, section.widths, strict=True)):
            width = max(len(name) * 2 + 2, int(share * 160))
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        sheet.freeze_panes = "A3"
        sheet.append([_styled(sheet, section.heading, font=Font(bold=True, size=12))])
        sheet.append([_styled(sheet, name, font=Font(bold=True)) for name in section.header])
        for row in section.rows:
            sheet.append([xlsx_cell(sheet, v) for v in row])
    stamp = datetime.combine(on, time(0))
    book.properties.creator = "Dossier 贷后档案"
    book.properties.created = stamp
    buffer = io.BytesIO()
    book.save(buffer)
    return fixed_in_time(buffer.getvalue(), stamp)


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def fixed_in_time(xlsx: bytes, stamp: datetime) -> bytes:
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
