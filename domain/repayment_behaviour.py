"""Repayment-behaviour analysis (还款数据分析): the archive's risk model, rules-based and explained.

From a loan's repayments and its arrears as the core-banking feed recorded them, the indicator
on a day looks back over the rules' window (``[repayment_behaviour] window_months``, 近12个月):

* **逾期次数** (``late_episodes``): the times the loan fell into arrears — an overdue status of
  one day or more recorded after none;
* **最长逾期天数** (``most_days_late``): the most days overdue recorded;
* **连续逾期还款** (``consecutive_late``): the longest run of repayments made while overdue;
* **部分还款** (``partial_payments``): repayments made while overdue that paid less than the
  principal and interest then overdue.

Each figure has its threshold as data; a figure reaching its threshold is a breach, and the
assessment (还款行为分析) of a loan with a breach raises the catalogue's signal the rules name
(``signal``, BEH-08 还款行为异常), its reason the figures and thresholds reached — never a
score nobody can explain (docs/rules.md PTN-09 to PTN-11).

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

Fail = Callable[[str, str, str], Exception]


@dataclass(frozen=True)
class Repayment:
    """A repayment as recorded: when, how much, whether on time, what was overdue then."""

    paid_on: date
    amount: Decimal
    on_time: bool
    overdue_then: Decimal


@dataclass(frozen=True)
class Arrears:
    """An overdue status recorded (逾期情况): as of a day, the days overdue."""

    as_of: date
    days_overdue: int


FIGURES: Mapping[str, str] = {
    "late_episodes": "近期逾期次数",
    "most_days_late": "最长逾期天数",
    "consecutive_late": "连续逾期还款期数",
    "partial_payments": "逾期部分还款次数",
}
"""The indicator's figures, by key, with their Chinese names."""


@dataclass(frozen=True)
class BehaviourRules:
    """``[repayment_behaviour]``: the window, the thresholds and the signal raised. No
    thresholds (a rule set adopted before the table): nothing is ever a breach."""

    window_months: int = 12
    signal: str | None = None
    thresholds: tuple[tuple[str, int], ...] = ()
    """Each figure's threshold, by key (:data:`FIGURES`)."""

    @property
    def active(self) -> bool:
        return bool(self.thresholds) and self.signal is not None


EARLIER_BEHAVIOUR: Mapping[str, Any] = {"window_months": 12, "signal": None}
"""``[repayment_behaviour]`` of a rule set adopted before it: no threshold, no signal."""


def parse_behaviour(raw: Any, fail: Fail) -> BehaviourRules:
    """The ``[repayment_behaviour]`` table of a rule set."""
    if raw is None:
        return BehaviourRules()
    if not isinstance(raw, dict):
        raise fail("repayment_behaviour", "须为表", "must be a table")
    unknown = sorted(set(raw) - {"window_months", "signal", *FIGURES})
    if unknown:
        raise fail(f"repayment_behaviour.{unknown[0]}", "未知的键", "unknown key")
    window = raw.get("window_months", 12)
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 120:
        raise fail("repayment_behaviour.window_months", "须为 1–120 的整数", "must be 1-120")
    thresholds: dict[str, int] = {}
    for key in FIGURES:
        value = raw.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise fail(f"repayment_behaviour.{key}", "须为正整数", "must be a positive integer")
        thresholds[key] = value
    signal = raw.get("signal")
    if thresholds and (not isinstance(signal, str) or not signal.strip()):
        raise fail("repayment_behaviour.signal", "须写明预警信号代码", "must name a signal code")
    if signal is not None and not isinstance(signal, str):
        raise fail("repayment_behaviour.signal", "须为字符串", "must be a string")
    return BehaviourRules(window, signal, tuple(thresholds.items()))


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (the month's last day where it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Behaviour:
    """A loan's repayment behaviour on a day, over the window before it (还款行为指标)."""

    on: date
    since: date
    """The window's start (exclusive)."""
    repayments: int
    on_time: int
    late_episodes: int
    most_days_late: int
    consecutive_late: int
    partial_payments: int
    breaches: tuple[str, ...]
    """The figures reaching their thresholds, each explained in Chinese."""

    def figure(self, key: str) -> int:
        value: int = getattr(self, key)
        return value

    @property
    def reason(self) -> str:
        """The signal's reason: the window and the breaches."""
        return f"{self.since.isoformat()} 至 {self.on.isoformat()} 还款行为：" + "；".join(
            self.breaches
        )


def behaviour(
    repayments: Iterable[Repayment],
    arrears: Iterable[Arrears],
    *,
    on: date,
    rules: BehaviourRules,
) -> Behaviour:
    """The indicator on ``on`` from the loan's history (what was recorded after ``on`` is
    left out), with the breaches of the rules' thresholds."""
    since = months_before(on, rules.window_months)
    paid = sorted((r for r in repayments if r.paid_on <= on), key=lambda r: r.paid_on)
    statuses = sorted((a for a in arrears if a.as_of <= on), key=lambda a: a.as_of)
    episodes = 0
    most = 0
    before = 0
    for status in statuses:
        within = status.as_of > since
        if within and status.days_overdue > 0 and before == 0:
            episodes += 1
        if within:
            most = max(most, status.days_overdue)
        before = status.days_overdue
    window = [r for r in paid if r.paid_on > since]
    run = longest = 0
    for r in window:
        run = 0 if r.on_time else run + 1
        longest = max(longest, run)
    partial = sum(1 for r in window if not r.on_time and r.amount < r.overdue_then)
    figures = {
        "late_episodes": episodes,
        "most_days_late": most,
        "consecutive_late": longest,
        "partial_payments": partial,
    }
    breaches = tuple(
        f"{FIGURES[key]} {figures[key]}（阈值 {limit}）"
        for key, limit in rules.thresholds
        if figures[key] >= limit
    )
    return Behaviour(
        on=on,
        since=since,
        repayments=len(window),
        on_time=sum(1 for r in window if r.on_time),
        breaches=breaches,
        **figures,
    )
