"""The three zones of customers (三大区间): ``[[zones]]`` of the rules.

A customer is classified into one of the bank's zones — 优良, 正常 and 限制, the last split into
限制, 严格限制 and 坚决退出 — each with the months between its reviews (``review_months``) and
whether a plan (一户一策: measures, target, deadline) is required to place a customer in it
(``plan_required``). ``band`` names the one of the three zones (三大区间) it belongs to.

A rule set adopted before ``[[zones]]`` has none: no customer can be classified under it.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from domain.errors import InvalidInputError

Fail = Callable[[str, str, str], Exception]

BANDS = ("优良", "正常", "限制")
"""The three zones (三大区间) every zone of the rules belongs to."""

EARLIER_ZONES: list[Any] = []
"""``[[zones]]`` of a rule set adopted before it: no zones."""


@dataclass(frozen=True)
class Zone:
    """One zone of the rules: its code, names, band, review interval and whether a plan is
    required."""

    code: str
    zh: str
    en: str
    band: str
    review_months: int
    plan_required: bool


@dataclass(frozen=True)
class ZoneRules:
    """The zones in the rules' order (best first); empty in a rule set adopted before them."""

    zones: Mapping[str, Zone] = field(default_factory=lambda: MappingProxyType({}))

    def zone(self, code: str) -> Zone:
        """The zone ``code``; a bilingual input error naming the known ones otherwise."""
        found = self.zones.get(code)
        if found is None:
            known = "、".join(f"{z.code}（{z.zh}）" for z in self.zones.values()) or "无"
            raise InvalidInputError(
                f"未知的客户区间 {code!r}，规则定义的区间：{known}",
                f"unknown zone {code!r}; the rules define: {', '.join(self.zones) or 'none'}",
                field="zone",
            )
        return found

    def label(self, code: str | None) -> str | None:
        """The zone's Chinese name, or the code itself when the rules no longer hold it."""
        if code is None:
            return None
        found = self.zones.get(code)
        return found.zh if found else code


def parse_zones(raw: Any, fail: Fail) -> ZoneRules:
    """The ``[[zones]]`` array of a rule set."""
    if not isinstance(raw, list):
        raise fail("zones", "须为表数组", "must be an array of tables")
    zones: dict[str, Zone] = {}
    keys = {"code", "zh", "en", "band", "review_months", "plan_required"}
    for n, entry in enumerate(raw):
        where = f"zones[{n}]"
        if not isinstance(entry, dict):
            raise fail(where, "须为表", "must be a table")
        unknown = sorted(set(entry) - keys)
        if unknown:
            raise fail(f"{where}.{unknown[0]}", "未知的键", "unknown key")
        for text in ("code", "zh", "en"):
            if not isinstance(entry.get(text), str) or not entry[text].strip():
                raise fail(f"{where}.{text}", "须为非空字符串", "must be a non-empty string")
        code = entry["code"]
        if code in zones:
            raise fail(f"{where}.code", f"区间 {code} 重复", f"zone {code} is listed twice")
        band = entry.get("band")
        if band not in BANDS:
            raise fail(f"{where}.band", f"须为 {'、'.join(BANDS)} 之一", f"must be one of {BANDS}")
        months = entry.get("review_months")
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 60:
            raise fail(f"{where}.review_months", "须为 1–60 的整数", "must be 1-60")
        required = entry.get("plan_required")
        if not isinstance(required, bool):
            raise fail(f"{where}.plan_required", "须为 true 或 false", "must be true or false")
        zones[code] = Zone(code, entry["zh"], entry["en"], band, months, required)
    return ZoneRules(MappingProxyType(zones))
