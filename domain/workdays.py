"""The bank's calendar (工作日历): which days are working days, and deadlines counted in them.

A working day is a Monday to Friday that is not a public holiday, or a Saturday or Sunday the
State Council's yearly notice (国务院办公厅关于部分节假日安排的通知) makes a working day in
place of a holiday (调休上班). The holidays and make-up working days of each year are data: the
``[calendar]`` table of the rules (``[calendar.2025] holidays``, ``working_weekends``), parsed
by ``domain.rules``. A year the calendar does not cover counts Saturdays and Sundays only, as
every deadline did before the calendar existed; :meth:`WorkingCalendar.coverage_warning` says
when the bank's today is in or past the calendar's last year, so that the next notice is added.

Pure: the standard library only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

Fail = Callable[[str, str, str], Exception]
"""Builds the error for a key at fault: (key path, Chinese, English)."""

KEYS = ("holidays", "working_weekends")
"""What each year of ``[calendar]`` may say."""

MAX_SPAN_DAYS = 31
"""The longest range one entry may span (``"2025-10-01..2025-10-08"``)."""


@dataclass(frozen=True)
class WorkingCalendar:
    """Public holidays and make-up working days (调休) of the years the calendar covers."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    working_weekends: frozenset[date] = field(default_factory=frozenset)
    years: frozenset[int] = field(default_factory=frozenset)
    """The years whose notice the calendar holds; any other year counts weekends only."""

    def covers(self, day: date) -> bool:
        return day.year in self.years

    @property
    def last_year(self) -> int | None:
        return max(self.years, default=None)

    def is_working_day(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
        current = start
        left = days
        while left > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                left -= 1
        return current

    def coverage_warning(self, today: date) -> tuple[str, str] | None:
        """(zh, en) when ``today`` lies in or after the calendar's last year, else None.

        The State Council publishes the next year's holidays in the autumn; from the last
        year covered on, deadlines that run into the next year count weekends only until its
        holidays are added to the rules.
        """
        last = self.last_year
        if last is None:
            return (
                "规则未载明节假日安排（[calendar]），工作日仅扣除周六、周日",
                "the rules hold no holiday calendar ([calendar]): working days skip "
                "Saturdays and Sundays only",
            )
        if today.year < last:
            return None
        return (
            f"工作日历止于 {last} 年：{last + 1} 年起的期限仅扣除周六、周日，"
            f"请在规则中补充 [calendar.{last + 1}]",
            f"the working calendar ends with {last}: deadlines from {last + 1} on skip "
            f"Saturdays and Sundays only until [calendar.{last + 1}] is added to the rules",
        )


WEEKENDS_ONLY = WorkingCalendar()
"""No holidays known: Saturdays and Sundays are the only days off (a rule set without
``[calendar]``, as every rule set before it)."""


def parse_calendar(raw: Any, fail: Fail) -> WorkingCalendar:
    """The ``[calendar]`` table of a rule set: one table per year (``[calendar.2025]``) with
    ``holidays`` and ``working_weekends``, each a list of dates (``"2025-01-01"``) or ranges
    (``"2025-10-01..2025-10-08"``) of that year.

    Refused, naming the key: a year that is not one, an unknown key, a date that is not one or
    lies in another year, a make-up working day that is not a Saturday or Sunday, and a date
    that is both a holiday and a working day.
    """
    if not isinstance(raw, dict):
        raise fail("calendar", "须为表", "must be a table")
    holidays: set[date] = set()
    working: set[date] = set()
    years: set[int] = set()
    for key, table in raw.items():
        where = f"calendar.{key}"
        if not (isinstance(key, str) and key.isdigit() and len(key) == 4):
            raise fail(
                where, "须以四位年份为键（[calendar.2025]）", "must be a year ([calendar.2025])"
            )
        year = int(key)
        if not isinstance(table, dict):
            raise fail(where, "须为表", "must be a table")
        unknown = sorted(set(table) - set(KEYS))
        if unknown:
            raise fail(f"{where}.{unknown[0]}", "未知的键", f"unknown key; the keys are {KEYS}")
        off = _dates(table.get("holidays", []), year, f"{where}.holidays", fail)
        on = _dates(table.get("working_weekends", []), year, f"{where}.working_weekends", fail)
        weekday = sorted(d for d in on if d.weekday() < 5)
        if weekday:
            raise fail(
                f"{where}.working_weekends",
                f"调休上班日须为周六或周日，{weekday[0].isoformat()} 不是",
                f"a make-up working day is a Saturday or Sunday; {weekday[0].isoformat()} is not",
            )
        both = sorted(off & on)
        if both:
            raise fail(
                where,
                f"{both[0].isoformat()} 既列为节假日又列为调休上班日",
                f"{both[0].isoformat()} is listed both as a holiday and as a working day",
            )
        holidays |= off
        working |= on
        years.add(year)
    return WorkingCalendar(frozenset(holidays), frozenset(working), frozenset(years))


def _dates(raw: Any, year: int, where: str, fail: Fail) -> set[date]:
    if not isinstance(raw, list):
        raise fail(where, "须为日期数组", "must be an array of dates")
    found: set[date] = set()
    for entry in raw:
        if not isinstance(entry, str):
            raise fail(where, f"{entry!r} 须写作带引号的日期", f"{entry!r} must be a quoted date")
        first, _, last = entry.partition("..")
        start = _date(first, where, fail)
        end = _date(last, where, fail) if last else start
        if not start <= end <= start + timedelta(days=MAX_SPAN_DAYS):
            raise fail(
                where,
                f"区间 {entry!r} 须由早到晚且不超过 {MAX_SPAN_DAYS} 天",
                f"range {entry!r} must run forwards and span at most {MAX_SPAN_DAYS} days",
            )
        if start.year != year or end.year != year:
            raise fail(where, f"{entry!r} 不在 {year} 年内", f"{entry!r} is not in {year}")
        found.update(start + timedelta(days=n) for n in range((end - start).days + 1))
    return found


def _date(text: str, where: str, fail: Fail) -> date:
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise fail(
            where,
            f'{text!r} 不是日期（写作 "2025-10-01" 或 "2025-10-01..2025-10-08"）',
            f'{text!r} is not a date (write "2025-10-01" or "2025-10-01..2025-10-08")',
        ) from None
