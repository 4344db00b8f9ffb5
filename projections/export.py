"""Register exports: CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese) and XLSX.

Headers are the columns' Chinese names. What a person reads is shown as :mod:`domain.display`
shows it: a column holding a person's id shows ``姓名（工号）`` (from the staff directory, passed
in as :class:`Display` ``names``), a time is in the bank's zone with its offset, an amount in 元
with thousands separators. XLSX keeps the types (dates as dates, times as times shown with
their offset, amounts as numbers shown in 元), so a column can still be sorted and summed.
Control characters that earlier releases let into free text are written escaped
(``\\u0007``), since XML cannot hold them (see :mod:`domain.text`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from domain.display import (
    BANK_ZONE,
    YUAN_FORMAT,
    in_zone,
    moment,
    moment_format,
    someone,
    yuan,
)
from domain.text import escape_controls, sheet_title
from projections.tables import PEOPLE, PERSON, RECORD


@dataclass(frozen=True)
class Display:
    """What an export needs to show values as people read them: the bank's zone, and the
    name of each person the rows name by id (``姓名（工号）``, from the staff directory)."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(BANK_ZONE))
    names: Mapping[UUID, str] = field(default_factory=dict)
    coded: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Column name → the Chinese label of each code it holds, where the codes are the bank's
    (the sub-grades of the rules in force), not a fixed enumeration's."""

    def person(self, column: sa.Column[Any], value: Any) -> Any:
        """A value of a column that ``shows`` people, as people read it; others unchanged."""
        shows = column.info.get("shows")
        if shows is None or value is None or value == "":
            return value
        if shows == PEOPLE:
            ids = [_uuid(part) for part in str(value).split(",") if part.strip()]
            return "、".join(someone(i, self.names) if i else "" for i in ids)
        staff_id = _uuid(value)
        if shows == RECORD and (staff_id is None or staff_id not in self.names):
            return value  # a record that is not a person: its id is what identifies it
        assert shows in (PERSON, RECORD)
        return someone(staff_id, self.names) if staff_id else value


def _uuid(value: Any) -> UUID | None:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value).strip())
    except ValueError:
        return None


def people_in(columns: Sequence[sa.Column[Any]], rows: Iterable[Mapping[str, Any]]) -> set[UUID]:
    """Every id the rows hold in columns that show people (to look their names up once)."""
    found: set[UUID] = set()
    for column in columns:
        shows = column.info.get("shows")
        if shows is None:
            continue
        for row in rows:
            value = row.get(column.name)
            if value is None:
                continue
            parts = str(value).split(",") if shows == PEOPLE else [value]
            found |= {i for i in map(_uuid, parts) if i is not None}
    return found


def headers(columns: Sequence[sa.Column[Any]]) -> list[str]:
    return [str(c.info.get("zh", c.name)) for c in columns]


def _text(value: Any, display: Display) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return moment(value, display.zone)
    if isinstance(value, Decimal):
        return yuan(value)
    if isinstance(value, date | UUID):
        return str(value)
    return escape_controls(str(value))


def _value(column: sa.Column[Any], row: Mapping[str, Any], display: Display) -> Any:
    value = row.get(column.name)
    labels = column.info.get("labels") or display.coded.get(column.name) or {}
    if isinstance(value, str) and labels:
        if value in labels:
            return labels[value]
        parts = value.split(",")
        if len(parts) > 1 and all(p in labels for p in parts):
            return "、".join(labels[p] for p in parts)  # several codes: each by its label
    return display.person(column, value)


def to_csv(
    columns: Sequence[sa.Column[Any]],
    rows: Iterable[Mapping[str, Any]],
    display: Display | None = None,
) -> bytes:
    shown = display or Display()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers(columns))
    for row in rows:
        writer.writerow([_text(_value(c, row, shown), shown) for c in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(value: Any, display: Display) -> tuple[Any, str | None]:
    """The cell's value and, where the type needs one, its number format."""
    if isinstance(value, bool):
        return ("是" if value else "否"), None
    if isinstance(value, UUID):
        return str(value), None
    if isinstance(value, Decimal):
        if value == value.quantize(Decimal("0.01")):
            return float(value), YUAN_FORMAT
        return str(value), None
    if isinstance(value, datetime):
        local = in_zone(value, display.zone)
        return local.replace(tzinfo=None), moment_format(local)
    if isinstance(value, date):
        return value, "yyyy-mm-dd"
    if isinstance(value, str):
        return escape_controls(value), None
    return value, None


ABOUT_SHEET = "查询条件"
"""The sheet of an export that states which business date and recording time it is of."""


def to_xlsx(
    title: str,
    columns: Sequence[sa.Column[Any]],
    rows: Iterable[Mapping[str, Any]],
    display: Display | None = None,
    *,
    about: Sequence[tuple[str, str]] = (),
) -> bytes:
    """The rows as a workbook; ``about`` (label, value) — which business date and recording
    time the rows are of — goes on a second sheet, 查询条件."""
    book = Workbook(write_only=False)
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_title(title)
    sheet.append(headers(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    shown = display or Display()
    for number, row in enumerate(rows, start=2):
        cells = [_cell(_value(c, row, shown), shown) for c in columns]
        sheet.append([value for value, _ in cells])
        for index, (_, number_format) in enumerate(cells, start=1):
            if number_format is not None:
                sheet.cell(row=number, column=index).number_format = number_format
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        width = max(len(headers([column])[0]) * 2 + 2, 12)
        if isinstance(column.type, sa.DateTime):
            width = max(width, 27)
        elif column.info.get("shows"):
            width = max(width, 18)
        sheet.column_dimensions[letter].width = min(width, 40)
    if about:
        conditions = book.create_sheet(ABOUT_SHEET)
        for label, value in about:
            conditions.append([label, value])
        conditions.column_dimensions["A"].width = 36
        conditions.column_dimensions["B"].width = 36
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
