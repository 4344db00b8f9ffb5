"""The rules of the portfolio's figures: ``[portfolio]`` of the rules.

* ``amount_bands``: the upper bounds (元, ascending) of the bands loans are grouped into by
  their amount (额度维度, ``by=amount``): a loan of principal up to the first bound is in the
  first band, and so on; above the last bound, the last band (PFM-10);
* ``npl_ceiling``: the NPL ratio (不良率, percent) each branch is to stay within (资产质量
  控制指标), by branch name, ``"*"`` for a branch not named and for the whole (PFM-11);
* ``provision_rates``: the provision (拨备) set aside for each five-level grade, percent of the
  balance (PFM-12);
* ``npl_alert`` (不良警戒线) and ``overdue_target`` (逾期率考核线): the NPL ratio and the overdue
  ratio, percent, at which a unit or a product line is flagged and may be suspended (停牌), by
  branch name or product code, ``"*"`` for the rest and the whole (SUS-03).

A rule set adopted before ``[portfolio]`` has no bands, no ceilings and no rates: the figures
are grouped as before, no target is shown and no provision is counted.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from domain.values import Grade

Fail = Callable[[str, str, str], Exception]

EARLIER_PORTFOLIO: dict[str, Any] = {
    "amount_bands": [],
    "npl_ceiling": {},
    "provision_rates": {},
    "npl_alert": {},
    "overdue_target": {},
}
"""``[portfolio]`` of a rule set adopted before it: no bands, ceilings, rates or lines."""

EVERY_BRANCH = "*"


def _yuan(amount: Decimal) -> str:
    return f"{amount.normalize():,f}"


@dataclass(frozen=True)
class PortfolioRules:
    """Amount bands, NPL ceilings by branch and provision rates by grade."""

    amount_bands: tuple[Decimal, ...] = ()
    npl_ceiling: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}))
    provision_rates: Mapping[Grade, Decimal] = field(default_factory=lambda: MappingProxyType({}))
    npl_alert: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}))
    overdue_target: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}))

    def band(self, principal: Decimal) -> str:
        """The amount band ``principal`` lies in, named by its bounds (元)."""
        lower: Decimal | None = None
        for upper in self.amount_bands:
            if principal <= upper:
                if lower is None:
                    return f"{_yuan(upper)}元及以下"
                return f"{_yuan(lower)}元以上至{_yuan(upper)}元"
            lower = upper
        if lower is None:
            return "全部金额"
        return f"{_yuan(lower)}元以上"

    def band_order(self, name: str) -> int:
        """Where the band ``name`` stands, smallest first (for sorting the lines)."""
        names = [self.band(b) for b in self.amount_bands]
        if self.amount_bands:
            names.append(self.band(self.amount_bands[-1] + 1))
        return names.index(name) if name in names else len(names)

    def ceiling(self, branch: str) -> Decimal | None:
        """The NPL ratio ``branch`` is to stay within, percent, or None (no target)."""
        return self.npl_ceiling.get(branch, self.npl_ceiling.get(EVERY_BRANCH))

    def lines(self, key: str | None) -> tuple[Decimal | None, Decimal | None]:
        """The 不良警戒线 and the 逾期率考核线 of a branch or a product (its code), percent;
        ``None`` (or a key with no line of its own): the lines of ``"*"``."""
        found = []
        for table in (self.npl_alert, self.overdue_target):
            line = table.get(key) if key is not None else None
            found.append(line if line is not None else table.get(EVERY_BRANCH))
        return found[0], found[1]


def _percent(value: Any, path: str, fail: Fail) -> Decimal:
    try:
        found = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise fail(path, "须为百分数（0–100）", "must be a percentage (0-100)") from None
    if isinstance(value, bool) or not found.is_finite() or not 0 <= found <= 100:
        raise fail(path, "须为百分数（0–100）", "must be a percentage (0-100)")
    return found


def parse_portfolio(raw: Any, fail: Fail) -> PortfolioRules:
    """The ``[portfolio]`` table of a rule set."""
    if not isinstance(raw, dict):
        raise fail("portfolio", "须为表", "must be a table")
    unknown = sorted(set(raw) - set(EARLIER_PORTFOLIO))
    if unknown:
        raise fail(f"portfolio.{unknown[0]}", "未知的键", "unknown key")
    bands_raw = raw.get("amount_bands", [])
    if not isinstance(bands_raw, list):
        raise fail("portfolio.amount_bands", "须为金额数组", "must be an array of amounts")
    bands: list[Decimal] = []
    for n, value in enumerate(bands_raw):
        try:
            amount = Decimal(str(value))
        except (InvalidOperation, ValueError):
            amount = Decimal(-1)
        if isinstance(value, bool) or not amount.is_finite() or amount <= 0:
            raise fail(
                f"portfolio.amount_bands[{n}]", "须为正的金额（元）", "must be a positive amount"
            )
        bands.append(amount)
    if bands != sorted(set(bands)):
        raise fail("portfolio.amount_bands", "须严格升序", "must strictly ascend")
    ceilings_raw = raw.get("npl_ceiling", {})
    if not isinstance(ceilings_raw, dict):
        raise fail("portfolio.npl_ceiling", "须为表（机构 = 百分数）", "must be a table")
    ceilings = {
        str(branch): _percent(value, f"portfolio.npl_ceiling.{branch}", fail)
        for branch, value in ceilings_raw.items()
    }
    rates_raw = raw.get("provision_rates", {})
    if not isinstance(rates_raw, dict):
        raise fail("portfolio.provision_rates", "须为表（分类 = 百分数）", "must be a table")
    rates: dict[Grade, Decimal] = {}
    for code, value in rates_raw.items():
        grade = next((g for g in Grade if g.value == code), None)
        if grade is None:
            raise fail(f"portfolio.provision_rates.{code}", "未知的五级分类", "unknown grade")
        rates[grade] = _percent(value, f"portfolio.provision_rates.{code}", fail)
    lines: list[Mapping[str, Decimal]] = []
    for name in ("npl_alert", "overdue_target"):
        table = raw.get(name, {})
        if not isinstance(table, dict):
            raise fail(f"portfolio.{name}", "须为表（机构或产品 = 百分数）", "must be a table")
        lines.append(
            MappingProxyType(
                {str(k): _percent(v, f"portfolio.{name}.{k}", fail) for k, v in table.items()}
            )
        )
    return PortfolioRules(
        tuple(bands),
        MappingProxyType(ceilings),
        MappingProxyType(rates),
        npl_alert=lines[0],
        overdue_target=lines[1],
    )
