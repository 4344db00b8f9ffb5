"""Register exports: CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese) and XLSX.

Headers are the columns' Chinese names; values keep their types in XLSX (dates as dates,
money as numbers with two decimals). Control characters that earlier releases let into free
text are written escaped (``\\u0007``), since XML cannot hold them (see :mod:`domain.text`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from domain.text import escape_controls, sheet_title


def headers(columns: Sequence[sa.Column[Any]]) -> list[str]:
    return [str(c.info.get("zh", c.name)) for c in columns]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date | Decimal | UUID):
        return str(value)
    return escape_controls(str(value))


def _value(column: sa.Column[Any], row: Mapping[str, Any]) -> Any:
    value = row.get(column.name)
    labels = column.info.get("labels") or {}
    return labels.get(value, value) if isinstance(value, str) else value


def to_csv(columns: Sequence[sa.Column[Any]], rows: Iterable[Mapping[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers(columns))
    for row in rows:
        writer.writerow([_text(_value(c, row)) for c in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value) if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, str):
        return escape_controls(value)
    return value


def to_xlsx(
    title: str, columns: Sequence[sa.Column[Any]], rows: Iterable[Mapping[str, Any]]
) -> bytes:
    book = Workbook(write_only=False)
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_title(title)
    sheet.append(headers(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append([_cell(_value(c, row)) for c in columns])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        width = max(len(headers([column])[0]) * 2 + 2, 12)
        sheet.column_dimensions[letter].width = min(width, 40)
        if isinstance(column.type, sa.Numeric):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "#,##0.00"
        elif isinstance(column.type, sa.Date):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
