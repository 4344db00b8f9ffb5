"""Closer watch schedules (重点监测) and maturity notices (到期提示): ``[watch]`` of the rules.

* a key customer (重点客户) is monitored on site every ``key_customer_on_site_months`` months
  (按季现场监测, 004-24) from its designation or its last on-site inspection since;
* a large customer (额度较大: principal of at least ``large_customer_min_principal`` 元) is
  monitored off site every ``large_customer_off_site_months`` months (按月非现场监测, 004-18)
  from its value date or its last off-site inspection;
* a loan serviced by a third party (第三方服务模式, 003-40) is phoned (电话回访) every
  ``third_party_phone_visit_days`` days and visited (现场走访) ``third_party_on_site_per_month``
  times each calendar month, from the servicer's assignment;
* a loan with a warning signal open (raised, not yet cleared) of a colour
  ``open_signal_on_site_days`` names is inspected on site every that many days (加密监测: 出现
  异常情况的实时跟踪监测, 停产半停产客户随时密切关注, 002-23, 002-24, 003-18), from the raising of
  the earliest such signal or the last on-site inspection since; the closest cadence of the
  open signals holds;
* a loan maturing in a calendar month gets its maturity notice (贷款到期通知书, 004-18, 003-81)
  from the first day of the month ``maturity_notice_months_ahead`` months before, by the last
  day of the month before it matures.

A figure left out (every one, in a rule set adopted before ``[watch]``) asks for nothing.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from domain.errors import InvalidInputError
from domain.schedules import add_months
from domain.values import WarningColour

Fail = Callable[[str, str, str], Exception]

DAY_FIGURES = (
    "key_customer_on_site_months",
    "large_customer_off_site_months",
    "third_party_phone_visit_days",
    "third_party_on_site_per_month",
    "maturity_notice_months_ahead",
)

EARLIER_WATCH: Mapping[str, Any] = {
    **dict.fromkeys(DAY_FIGURES),
    "large_customer_min_principal": None,
    "open_signal_on_site_days": None,
}
"""``[watch]`` of a rule set adopted before it: no closer watch, no maturity notices."""


@dataclass(frozen=True)
class WatchRules:
    """``[watch]``: how closely key, large and third-party-serviced loans are watched, and
    how far ahead maturity notices go out. None: no such task."""

    key_customer_on_site_months: int | None = None
    large_customer_min_principal: Decimal | None = None
    large_customer_off_site_months: int | None = None
    third_party_phone_visit_days: int | None = None
    third_party_on_site_per_month: int | None = None
    maturity_notice_months_ahead: int | None = None
    open_signal_on_site_days: Mapping[WarningColour, int] = field(
        default_factory=lambda: MappingProxyType({})
    )
    """Days between on-site inspections while a signal of the colour is open (none listed:
    no closer watch of open signals)."""

    def is_large(self, principal: Decimal | None) -> bool:
        """额度较大: the principal reaches the rules' threshold."""
        floor = self.large_customer_min_principal
        return floor is not None and principal is not None and principal >= floor

    def maturity_notice_window(self, maturity: date) -> tuple[date, date] | None:
        """When the notice of a loan maturing on ``maturity`` opens and is due: from the
        first day of the month ``months_ahead`` before the maturity's month, by the last day
        of the month before it."""
        ahead = self.maturity_notice_months_ahead
        if ahead is None:
            return None
        month_start = maturity.replace(day=1)
        opens = add_months(month_start, -ahead)
        return opens, month_start - timedelta(days=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_of(text: str) -> date:
    """The first day of ``YYYY-MM``; a bilingual input error otherwise."""
    try:
        year, month = (int(p) for p in text.split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise InvalidInputError(
            f"月份 {text!r} 须为 YYYY-MM", f"month {text!r} must be YYYY-MM", field="month"
        ) from None


def parse_watch(raw: Any, fail: Fail) -> WatchRules:
    """The ``[watch]`` table of a rule set."""
    if not isinstance(raw, dict):
        raise fail("watch", "须为表", "must be a table")
    unknown = sorted(set(raw) - set(EARLIER_WATCH))
    if unknown:
        raise fail(f"watch.{unknown[0]}", "未知的键", "unknown key")
    figures: dict[str, Any] = {}
    for name in DAY_FIGURES:
        value = raw.get(name)
        if value is None:
            figures[name] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 366:
            raise fail(f"watch.{name}", f"须为 1–366 的整数，而非 {value!r}", "must be 1-366")
        figures[name] = value
    floor = raw.get("large_customer_min_principal")
    amount: Decimal | None = None
    if floor is not None:
        try:
            amount = Decimal(floor) if isinstance(floor, str) else None
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount <= 0:
            raise fail(
                "watch.large_customer_min_principal",
                f"须为正数金额字符串（元），而非 {floor!r}",
                "must be a positive amount in 元, as a string",
            )
    return WatchRules(
        large_customer_min_principal=amount,
        open_signal_on_site_days=_by_colour(raw.get("open_signal_on_site_days"), fail),
        **figures,
    )


def _by_colour(raw: Any, fail: Fail) -> Mapping[WarningColour, int]:
    """``open_signal_on_site_days``: days between on-site inspections by colour of signal."""
    where = "watch.open_signal_on_site_days"
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, dict):
        raise fail(where, "须为表（按预警颜色）", "must be a table by colour")
    found: dict[WarningColour, int] = {}
    for key, days in raw.items():
        colour = next((c for c in WarningColour if c.value == key), None)
        if colour is None:
            allowed = ", ".join(c.value for c in WarningColour)
            raise fail(
                f"{where}.{key}", f"未知的预警颜色，允许：{allowed}", f"not one of {allowed}"
            )
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
            raise fail(f"{where}.{key}", f"须为 1–366 的整数（天），而非 {days!r}", "must be 1-366")
        found[colour] = days
    return MappingProxyType(found)
