"""管户 (customer assignment to account managers): ``[guanhu]`` of the rules.

* at most ``max_corporate_customers`` corporate customers (法人客户) per manager, a group's
  members (集团客户) counted as one (002-78): one more is refused;
* ``customers_per_manager`` = [low, high]: the number of customers a manager should hold
  (按10-12户/人, 003-50); outside it the 管户台账 flags the manager, nothing is refused;
* ``tiers``: the customer's amount (借款金额) puts it in a tier (大户/中户/小户, 000-25) and the
  tier names the roles that may manage it (行级干部管大户、客户部门管中户、营业单位管小户,
  004-10); a manager holding none of them is refused.

A rule set adopted before ``[guanhu]`` sets no cap, no range and no tier.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.authorization import BUSINESS_ROLES
from domain.values import Role

Fail = Callable[[str, str, str], Exception]

EARLIER_GUANHU: Mapping[str, Any] = {
    "max_corporate_customers": None,
    "customers_per_manager": None,
    "tiers": [],
}
"""``[guanhu]`` of a rule set adopted before it: no cap, no range, no tier."""


@dataclass(frozen=True)
class CustomerTier:
    """One amount band (管户分层): from ``min_amount`` 元, managed by one of ``roles``."""

    tier: str
    zh: str
    min_amount: Decimal
    roles: frozenset[Role]


@dataclass(frozen=True)
class GuanhuRules:
    """``[guanhu]``: the cap on a manager's corporate customers, the range of customers a
    manager should hold, and the amount tiers with the roles that manage each."""

    max_corporate_customers: int | None = None
    customers_per_manager: tuple[int, int] | None = None
    tiers: tuple[CustomerTier, ...] = ()

    def tier_of(self, amount: Decimal) -> CustomerTier | None:
        """The highest tier whose floor ``amount`` reaches (None: no tiers)."""
        found = [t for t in self.tiers if amount >= t.min_amount]
        return max(found, key=lambda t: t.min_amount) if found else None

    def in_range(self, customers: int) -> bool | None:
        """Whether a manager with ``customers`` holds as many as the rules ask (None: no range)."""
        if self.customers_per_manager is None:
            return None
        low, high = self.customers_per_manager
        return low <= customers <= high


def _count(raw: Any, path: str, fail: Fail) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 10000:
        raise fail(path, f"须为 1–10000 的整数，而非 {raw!r}", f"must be 1-10000, not {raw!r}")
    return raw


def parse_guanhu(raw: Any, fail: Fail) -> GuanhuRules:
    """The ``[guanhu]`` table of a rule set."""
    if not isinstance(raw, dict):
        raise fail("guanhu", "须为表", "must be a table")
    unknown = sorted(set(raw) - set(EARLIER_GUANHU))
    if unknown:
        raise fail(f"guanhu.{unknown[0]}", "未知的键", "unknown key")
    cap = raw.get("max_corporate_customers")
    limit = None if cap is None else _count(cap, "guanhu.max_corporate_customers", fail)
    span = raw.get("customers_per_manager")
    wanted: tuple[int, int] | None = None
    if span is not None:
        path = "guanhu.customers_per_manager"
        if not isinstance(span, list) or len(span) != 2:
            raise fail(path, "须为 [下限, 上限]", "must be [low, high]")
        low, high = (_count(v, path, fail) for v in span)
        if low > high:
            raise fail(path, "下限不得大于上限", "low must not exceed high")
        wanted = (low, high)
    entries = raw.get("tiers", [])
    if not isinstance(entries, list):
        raise fail("guanhu.tiers", "须为数组", "must be an array")
    tiers = []
    for n, entry in enumerate(entries):
        path = f"guanhu.tiers[{n}]"
        if not isinstance(entry, dict) or set(entry) != {"tier", "zh", "min_amount", "roles"}:
            raise fail(
                path,
                "须为 { tier, zh, min_amount, roles }",
                "must be { tier, zh, min_amount, roles }",
            )
        try:
            floor = Decimal(entry["min_amount"]) if isinstance(entry["min_amount"], str) else None
        except InvalidOperation:
            floor = None
        if floor is None or not floor.is_finite() or floor < 0:
            raise fail(f"{path}.min_amount", "须为金额字符串（元）", "must be an amount in 元")
        roles = entry["roles"]
        # Customers are managed in a business role: never by the administrator or the
        # integration identity (三员分立).
        known = {r.value for r in BUSINESS_ROLES}
        if not isinstance(roles, list) or not roles or any(r not in known for r in roles):
            raise fail(
                f"{path}.roles", "须为业务岗位代码组成的非空数组", "must list business roles"
            )
        if not all(isinstance(entry[k], str) and entry[k].strip() for k in ("tier", "zh")):
            raise fail(path, "tier 与 zh 须为非空文字", "tier and zh must be non-empty text")
        tiers.append(
            CustomerTier(
                entry["tier"],
                entry["zh"],
                floor,
                frozenset(r for r in Role if r.value in roles),
            )
        )
    if len({t.tier for t in tiers}) != len(tiers) or len({t.min_amount for t in tiers}) != len(
        tiers
    ):
        raise fail("guanhu.tiers", "层级与起点金额须各不相同", "tiers and floors must differ")
    return GuanhuRules(limit, wanted, tuple(tiers))
