"""How the archive shows people, times, amounts and documents to those who read it (展示格式).

One module, used by every output a person reads — register listings over the API, CSV and XLSX
exports, the compliance report, the printed forms — so that each says the same thing the same
way:

- a person is ``姓名（工号）``, never an id (:func:`person`); an id that names nobody enrolled
  reads :data:`UNKNOWN_PERSON`, the server console :data:`CONSOLE`;
- a time is in the bank's zone with the zone stated, ``2026-12-06 14:03:09 +08:00``
  (:func:`moment`), or ISO 8601 with its offset in JSON (:func:`moment_iso`); record times are
  kept as naive UTC, so a naive value is read as UTC;
- an amount is in 元 with thousands separators, ``1,234,567.89 元`` (:func:`yuan`);
- a document is named by its title (the file name it was filed under), not by its hash
  (:func:`document_title`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.values import SYSTEM_ID

BANK_ZONE = "Asia/Shanghai"
"""The bank's time zone unless configured otherwise (``DOSSIER_TIMEZONE``)."""

UNKNOWN_PERSON = "未登记人员"
"""How an id that names nobody in the staff directory reads (never the id itself)."""

CONSOLE = "系统控制台"
"""How the operator at the server console (:data:`domain.values.SYSTEM_ID`) reads."""

YUAN = "元"


def person(name: str, staff_no: str) -> str:
    """A member of staff as people read them: ``林海燕（0102）``."""
    return f"{name}（{staff_no}）"


def someone(staff_id: UUID | None, names: Mapping[UUID, str]) -> str:
    """The person ``staff_id`` names, from ``names`` (id → :func:`person`); '' for none."""
    if staff_id is None:
        return ""
    if staff_id == SYSTEM_ID:
        return CONSOLE
    return names.get(staff_id, UNKNOWN_PERSON)


def zone_of(zone: str | ZoneInfo) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)


def offset(when: datetime) -> str:
    """The UTC offset of an aware time as ``+08:00``."""
    delta = when.utcoffset() or timedelta(0)
    sign = "-" if delta < timedelta(0) else "+"
    minutes = abs(int(delta.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def in_zone(value: datetime, zone: str | ZoneInfo) -> datetime:
    """``value`` (naive means UTC, as record times are kept) in the bank's zone."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(zone_of(zone))


def moment(value: datetime, zone: str | ZoneInfo) -> str:
    """A time as people read it, to the second, with its offset: ``2026-12-06 14:03:09 +08:00``."""
    local = in_zone(value, zone)
    return f"{local:%Y-%m-%d %H:%M:%S} {offset(local)}"


def moment_iso(value: datetime, zone: str | ZoneInfo) -> str:
    """A time as JSON carries it: ISO 8601 in the bank's zone with the offset."""
    return in_zone(value, zone).isoformat()


def zone_label(zone: str | ZoneInfo, on: date | None = None) -> str:
    """The zone as a report states it: ``Asia/Shanghai（UTC+08:00）``, its offset on ``on``."""
    tz = zone_of(zone)
    day = on or date(2000, 1, 1)
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=tz)
    return f"{tz.key}（UTC{offset(noon)}）"


def yuan(amount: Decimal | int | float) -> str:
    """An amount in yuan, two places, thousands separated: ``1,234,567.89 元``."""
    value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
    return f"{value:,.2f} {YUAN}"


YUAN_FORMAT = '#,##0.00" 元"'
"""The XLSX number format of an amount: a number one can sum, shown as :func:`yuan` shows it."""


def moment_format(local: datetime) -> str:
    """The XLSX number format of a time in the bank's zone: shown as :func:`moment` shows it."""
    return f'yyyy-mm-dd hh:mm:ss" {offset(local)}"'


def document_title(filename: str | None, fallback: str = "") -> str:
    """A document as a person picks it: the title it was filed under (its file name without
    the extension), else ``fallback``."""
    if not filename:
        return fallback
    stem, dot, extension = filename.rpartition(".")
    return stem if dot and stem and 0 < len(extension) <= 5 else filename
