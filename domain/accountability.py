"""Who leads a loan, and what is prepared before it falls due: ``[accountability]`` of the rules.

* the lead unit by grade (牵头部门, 004-11): ``lead_units`` names, for each grade of the
  five-level classification, the unit leading the loan's management and collection — performing
  loans (正常、关注) the customer department (客户部), non-performing ones the asset management
  department (资产经营部); ``preservation_unit`` is the unit that takes loans transferred to
  asset preservation (``transfer_to_asset_preservation``): a loan whose grade makes it the lead
  is to be transferred (a task), and one upgraded back out of its lead is handed back;
* 逐笔经营责任认定 (004-09): every loan on the books has its target-responsibility record
  (目标责任书) for each year, signed within ``target_record_within_days`` of the year's start
  (or of the value date, for a loan granted in the year): a task until it is signed;
* 三个不放过 (004-20): every loss — a write-off, a written-off loan settled with a balance
  unrecovered, a downgrade to 可疑 or 损失 — owes a review closed within ``loss_review_days``;
* preparing an extension or 借新还旧 (004-19): a loan of a grade ``extension_grades`` lists,
  with nothing overdue, gets a task ``extension_prepare_days`` before its maturity date to
  prepare and file the application materials (``extension_application``) in its dossier, by
  ``extension_file_days`` before it matures.

A figure left out (every one, in a rule set adopted before ``[accountability]``) asks for
nothing: no lead unit is shown and no such task falls due.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

from domain.values import Grade

Fail = Callable[[str, str, str], Exception]

EARLIER_ACCOUNTABILITY: Mapping[str, Any] = {
    "lead_units": {},
    "preservation_unit": None,
    "extension_prepare_days": None,
    "extension_file_days": None,
    "extension_grades": [],
    "target_record_within_days": None,
    "loss_review_days": None,
}
"""``[accountability]`` of a rule set adopted before it: no lead unit, no preparation task."""

EXTENSION_APPLICATION = "extension_application"
"""The document type of the extension (or 借新还旧) application materials (展期申请资料)."""


@dataclass(frozen=True)
class AccountabilityRules:
    """``[accountability]``: the lead unit by grade, and the preparation of extensions."""

    lead_units: Mapping[Grade, str] = field(default_factory=lambda: MappingProxyType({}))
    preservation_unit: str | None = None
    extension_prepare_days: int | None = None
    extension_file_days: int | None = None
    extension_grades: frozenset[Grade] = frozenset()
    target_record_within_days: int | None = None
    loss_review_days: int | None = None
    """Days after a loss within which its review (三个不放过) is to be closed."""

    def lead_unit(self, grade: Grade) -> str | None:
        """The unit leading a loan of ``grade`` (None: the rules name none)."""
        return self.lead_units.get(grade)

    def with_preservation(self, grade: Grade) -> bool | None:
        """Whether a loan of ``grade`` belongs with asset preservation (None: the rules do
        not say: no unit takes transferred loans, or none leads the grade)."""
        lead = self.lead_unit(grade)
        if self.preservation_unit is None or lead is None:
            return None
        return lead == self.preservation_unit

    def target_record_window(self, year: int, value_date: date) -> tuple[date, date] | None:
        """When the target record of ``year`` is owed for a loan of ``value_date``: from the
        year's first day (or the value date), within ``target_record_within_days``."""
        days = self.target_record_within_days
        if days is None or value_date.year > year:
            return None
        opens = max(date(year, 1, 1), value_date)
        return opens, opens + timedelta(days=days)

    def extension_window(self, maturity: date) -> tuple[date, date] | None:
        """When the preparation of a loan maturing on ``maturity`` opens and is due."""
        if self.extension_prepare_days is None:
            return None
        opens = maturity - timedelta(days=self.extension_prepare_days)
        return opens, maturity - timedelta(days=self.extension_file_days or 0)


def parse_accountability(raw: Any, fail: Fail) -> AccountabilityRules:
    """The ``[accountability]`` table of a rule set."""
    where = "accountability"
    if not isinstance(raw, dict):
        raise fail(where, "须为表", "must be a table")
    unknown = sorted(set(raw) - set(EARLIER_ACCOUNTABILITY))
    if unknown:
        raise fail(f"{where}.{unknown[0]}", "未知的键", "unknown key")
    units = raw.get("lead_units") or {}
    if not isinstance(units, dict):
        raise fail(f"{where}.lead_units", "须为表（五级分类 → 牵头部门）", "must be a table")
    leads: dict[Grade, str] = {}
    for key, unit in units.items():
        grade = next((g for g in Grade if g.value == key), None)
        if grade is None:
            raise fail(f"{where}.lead_units.{key}", "不是五级分类", "not a grade")
        leads[grade] = _unit(unit, f"{where}.lead_units.{key}", fail)
    preservation = raw.get("preservation_unit")
    if preservation is not None:
        preservation = _unit(preservation, f"{where}.preservation_unit", fail)
    days: dict[str, int | None] = {}
    for name in (
        "extension_prepare_days",
        "extension_file_days",
        "target_record_within_days",
        "loss_review_days",
    ):
        value = raw.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 366
        ):
            raise fail(f"{where}.{name}", f"须为 0–366 的整数，而非 {value!r}", "must be 0-366")
        days[name] = value
    prepare, file_by = days["extension_prepare_days"], days["extension_file_days"]
    if prepare is not None and file_by is not None and file_by > prepare:
        raise fail(
            f"{where}.extension_file_days",
            "申报截止不得早于准备开始（须不大于 extension_prepare_days）",
            "must not exceed extension_prepare_days",
        )
    grades = raw.get("extension_grades") or []
    if not isinstance(grades, list):
        raise fail(f"{where}.extension_grades", "须为五级分类数组", "must be an array of grades")
    eligible = set()
    for n, value in enumerate(grades):
        grade = next((g for g in Grade if g.value == value), None)
        if grade is None:
            raise fail(f"{where}.extension_grades[{n}]", "不是五级分类", "not a grade")
        eligible.add(grade)
    return AccountabilityRules(
        lead_units=MappingProxyType(leads),
        preservation_unit=preservation,
        extension_prepare_days=prepare,
        extension_file_days=file_by,
        extension_grades=frozenset(eligible),
        target_record_within_days=days["target_record_within_days"],
        loss_review_days=days["loss_review_days"],
    )


def _unit(value: Any, path: str, fail: Fail) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 50:
        raise fail(path, "须为部门名称（1–50 字）", "must be a unit's name (1-50 characters)")
    return value.strip()
