"""How every output shows people, times, amounts and documents (domain/display.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

from domain.display import (
    CONSOLE,
    UNKNOWN_PERSON,
    document_title,
    moment,
    moment_format,
    moment_iso,
    person,
    someone,
    yuan,
    zone_label,
)
from domain.values import SYSTEM_ID


def test_a_person_reads_name_and_staff_number_never_an_id() -> None:
    known, stranger = uuid4(), uuid4()
    names = {known: person("林海燕", "0102")}
    assert names[known] == "林海燕（0102）"
    assert someone(known, names) == "林海燕（0102）"
    assert someone(stranger, names) == UNKNOWN_PERSON
    assert someone(SYSTEM_ID, names) == CONSOLE
    assert someone(None, names) == ""


def test_a_recorded_time_reads_in_the_banks_zone_with_its_offset() -> None:
    # Record times are kept as naive UTC.
    recorded = datetime(2026, 12, 6, 6, 3, 9, 641000, tzinfo=UTC).replace(tzinfo=None)
    assert moment(recorded, "Asia/Shanghai") == "2026-12-06 14:03:09 +08:00"
    assert moment_iso(recorded, "Asia/Shanghai") == "2026-12-06T14:03:09.641000+08:00"
    aware = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    assert moment(aware, "Asia/Shanghai") == "2026-12-07 07:30:00 +08:00"
    assert moment(aware, "America/New_York") == "2026-12-06 18:30:00 -05:00"
    west = datetime(2026, 1, 1, tzinfo=timezone(-timedelta(hours=3, minutes=30)))
    assert moment(west, "America/St_Johns").endswith(" -03:30")
    assert moment_format(aware.astimezone(UTC)) == 'yyyy-mm-dd hh:mm:ss" +00:00"'
    assert zone_label("Asia/Shanghai", date(2026, 12, 6)) == "Asia/Shanghai（UTC+08:00）"
    assert zone_label("Europe/Berlin", date(2026, 7, 1)) == "Europe/Berlin（UTC+02:00）"


def test_an_amount_reads_in_yuan_with_thousands_separated() -> None:
    assert yuan(Decimal("1234567.891")) == "1,234,567.89 元"
    assert yuan(Decimal("0")) == "0.00 元"
    assert yuan(Decimal("-500")) == "-500.00 元"
    assert yuan(12) == "12.00 元"


def test_a_document_reads_by_the_title_it_was_filed_under() -> None:
    assert document_title("借款合同-DK2025000178.pdf") == "借款合同-DK2025000178"
    assert document_title("scan.2025.03") == "scan.2025"
    assert document_title("无扩展名") == "无扩展名"
    assert document_title("", "1fcfaf82cfa4") == "1fcfaf82cfa4"
    assert document_title(None, "1fcfaf82cfa4") == "1fcfaf82cfa4"
