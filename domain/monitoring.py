"""Key customers and their monitoring (重点客户监测): ``[monitoring]`` of the rules.

The key customers (重点客户) are computed, never designated: on any business date, each
customer's balance is the sum of its loans on the books that day, and a customer is key when

* it ranks among the ``top_customers`` largest by balance of the whole bank (五十大贷款客户,
  000-44): inspected on site every ``top_on_site_months`` months;
* it belongs to a group (集团客户, recorded with its 管户 assignment) while
  ``group_customers`` is true, or its balance reaches ``large_balance`` 元 (3亿元(含)以上,
  000-54): inspected on site, every ``lead_on_site_months`` months, by a team led by the
  nearest unit above it of a level ``lead_levels`` names (省分行/总行牵头) — the lead unit
  recorded on the inspection.

Every key customer is monitored off site each calendar month (按月非现场监测, 004-23) by the
online monitor (专职信贷在线监测员, 004-17) designated for its unit or the nearest above it: a
:class:`MonitoringRecord` per customer and month, with the figures looked at, the findings and
a judgment (正常/关注/预警). A record judged 关注 or 预警 is a flag, filtered three times
(三层过滤, 风险经理平行监控, 003-88): raised by the monitor, verified by the customer's account
manager within ``flag_verify_days``, confirmed or dismissed by a risk manager within
``flag_decide_days`` — three different people. A confirmed flag that names a signal of the
warning catalogue raises it on the customer's loan.

A rule set adopted before ``[monitoring]`` names no key customer and asks for nothing.

Pure: the standard library, ``domain`` and ``eventsourcing.domain`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Self
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.authorization import Action, authorize
from domain.errors import InvalidInputError, InvalidTransitionError, SegregationOfDutiesError
from domain.scope import Hierarchy, Level
from domain.values import Actor, LabelledEnum, Role, require_text

Fail = Callable[[str, str, str], Exception]

MAX_FIGURES = 30
MONITOR_ROLES = frozenset({Role.POST_LOAN_OFFICER, Role.RISK_MANAGER})
"""The roles an online monitor (在线监测员) holds: outside the business line that lends."""

EARLIER_MONITORING: Mapping[str, Any] = {
    "top_customers": None,
    "large_balance": None,
    "group_customers": False,
    "lead_levels": [],
    "top_on_site_months": None,
    "lead_on_site_months": None,
    "flag_verify_days": None,
    "flag_decide_days": None,
}
"""``[monitoring]`` of a rule set adopted before it: no key customer, nothing monitored."""


class Judgment(LabelledEnum):
    """What the monitor judged of the customer that month (监测结论)."""

    NORMAL = ("normal", "正常")
    WATCH = ("watch", "关注")
    WARNING = ("warning", "预警")


class FlagState(LabelledEnum):
    """Where a record stands in the three-layer filter (三层过滤)."""

    NONE = ("none", "无疑点")
    RAISED = ("raised", "待客户经理核实")
    VERIFIED = ("verified", "待风险经理认定")
    CONFIRMED = ("confirmed", "风险经理确认")
    DISMISSED = ("dismissed", "风险经理排除")


class Basis(LabelledEnum):
    """Why a customer is key (重点客户依据)."""

    TOP = ("top", "前N大贷款客户")
    GROUP = ("group", "集团客户")
    LARGE = ("large", "大额贷款客户")


# ------------------------------------------------------------------------- the rules
@dataclass(frozen=True)
class MonitoringRules:
    """``[monitoring]``: who the key customers are and how often each is watched."""

    top_customers: int | None = None
    large_balance: Decimal | None = None
    group_customers: bool = False
    lead_levels: frozenset[Level] = frozenset()
    top_on_site_months: int | None = None
    lead_on_site_months: int | None = None
    flag_verify_days: int | None = None
    flag_decide_days: int | None = None

    @property
    def configured(self) -> bool:
        return (
            self.top_customers is not None or self.large_balance is not None or self.group_customers
        )

    def lead_unit(self, branch: str, hierarchy: Hierarchy) -> str | None:
        """The unit that leads the on-site inspection of a customer of ``branch``: the nearest
        at or above it of a lead level (None: no unit of such a level above it)."""
        for name in reversed(hierarchy.path(branch)):
            unit = hierarchy.units.get(name)
            if unit is not None and unit.level in self.lead_levels:
                return name
        return None


def _positive(raw: Any, path: str, fail: Fail, high: int) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= high:
        raise fail(path, f"须为 1–{high} 的整数，而非 {raw!r}", f"must be 1-{high}, not {raw!r}")
    return raw


def parse_monitoring(raw: Any, fail: Fail) -> MonitoringRules:
    """The ``[monitoring]`` table of a rule set."""
    if not isinstance(raw, dict):
        raise fail("monitoring", "须为表", "must be a table")
    unknown = sorted(set(raw) - set(EARLIER_MONITORING))
    if unknown:
        raise fail(f"monitoring.{unknown[0]}", "未知的键", "unknown key")
    amount: Decimal | None = None
    floor = raw.get("large_balance")
    if floor is not None:
        try:
            amount = Decimal(floor) if isinstance(floor, str) else None
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount <= 0:
            raise fail(
                "monitoring.large_balance",
                f"须为正数金额字符串（元），而非 {floor!r}",
                "must be a positive amount in 元, as a string",
            )
    group = raw.get("group_customers", False)
    if not isinstance(group, bool):
        raise fail("monitoring.group_customers", "须为 true 或 false", "must be true or false")
    levels = raw.get("lead_levels", [])
    known = {lv.value: lv for lv in Level}
    if not isinstance(levels, list) or any(lv not in known for lv in levels):
        raise fail(
            "monitoring.lead_levels",
            f"须为机构层级组成的数组：{', '.join(known)}",
            f"must list unit levels: {', '.join(known)}",
        )
    rules = MonitoringRules(
        top_customers=_positive(raw.get("top_customers"), "monitoring.top_customers", fail, 10000),
        large_balance=amount,
        group_customers=group,
        lead_levels=frozenset(known[lv] for lv in levels),
        top_on_site_months=_positive(
            raw.get("top_on_site_months"), "monitoring.top_on_site_months", fail, 24
        ),
        lead_on_site_months=_positive(
            raw.get("lead_on_site_months"), "monitoring.lead_on_site_months", fail, 24
        ),
        flag_verify_days=_positive(
            raw.get("flag_verify_days"), "monitoring.flag_verify_days", fail, 366
        ),
        flag_decide_days=_positive(
            raw.get("flag_decide_days"), "monitoring.flag_decide_days", fail, 366
        ),
    )
    if (group or amount is not None) and not rules.lead_levels:
        raise fail(
            "monitoring.lead_levels",
            "集团客户与大额客户的现场检查须由上级机构牵头：请列出牵头机构层级",
            "group and large customers are inspected under a lead unit: list its levels",
        )
    return rules


# ------------------------------------------------------------------ key customers
@dataclass(frozen=True)
class Exposure:
    """One loan's part in its customer's balance on a day."""

    borrower_id: str
    borrower_name: str
    branch: str
    balance: Decimal
    managers: tuple[UUID, ...]
    """The loan's account managers (A岗 first, then B岗)."""
    loan_no: str


@dataclass(frozen=True)
class KeyCustomer:
    """A key customer on a day: its balance, rank in the bank, why it is key, and the unit that
    leads its on-site inspection where one must."""

    borrower_id: str
    borrower_name: str
    branch: str
    """The unit of its largest loan."""
    loan_no: str
    """Its largest loan, on which a confirmed flag's signal is raised."""
    balance: Decimal
    rank: int
    loans: int
    group: str | None
    bases: tuple[Basis, ...]
    lead_unit: str | None
    managers: tuple[UUID, ...]

    @property
    def lead_required(self) -> bool:
        return Basis.GROUP in self.bases or Basis.LARGE in self.bases


def key_customers(
    exposures: Iterable[Exposure],
    groups: Mapping[str, str],
    rules: MonitoringRules,
    hierarchy: Hierarchy,
) -> list[KeyCustomer]:
    """The key customers, by rank (largest balance first): top-N of the whole bank, group
    customers and those of ``large_balance`` or more. Customers of no balance are none."""
    if not rules.configured:
        return []
    by_customer: dict[str, list[Exposure]] = {}
    for e in exposures:
        if e.balance > 0:
            by_customer.setdefault(e.borrower_id, []).append(e)
    ranked = sorted(
        by_customer.items(), key=lambda item: (-sum(e.balance for e in item[1]), item[0])
    )
    found: list[KeyCustomer] = []
    for n, (borrower_id, loans) in enumerate(ranked, start=1):
        balance = sum((e.balance for e in loans), Decimal("0"))
        group = groups.get(borrower_id)
        bases: list[Basis] = []
        if rules.top_customers is not None and n <= rules.top_customers:
            bases.append(Basis.TOP)
        if rules.group_customers and group:
            bases.append(Basis.GROUP)
        if rules.large_balance is not None and balance >= rules.large_balance:
            bases.append(Basis.LARGE)
        if not bases:
            continue
        largest = max(loans, key=lambda e: (e.balance, e.loan_no))
        lead = (
            rules.lead_unit(largest.branch, hierarchy)
            if Basis.GROUP in bases or Basis.LARGE in bases
            else None
        )
        managers = tuple(dict.fromkeys(m for e in loans for m in e.managers))
        found.append(
            KeyCustomer(
                borrower_id=borrower_id,
                borrower_name=largest.borrower_name,
                branch=largest.branch,
                loan_no=largest.loan_no,
                balance=balance,
                rank=n,
                loans=len(loans),
                group=group,
                bases=tuple(bases),
                lead_unit=lead,
                managers=managers,
            )
        )
    return found


def check_lead_unit(
    lead_unit: str,
    *,
    leader_branch: str,
    loan_branch: str,
    rules: MonitoringRules,
    hierarchy: Hierarchy,
) -> str:
    """A lead unit as an on-site inspection records it: a unit of a lead level at or above the
    loan's unit, and the unit of the person who led the team (牵头人)."""
    name = lead_unit.strip()
    unit = hierarchy.units.get(name)
    if unit is None or unit.level not in rules.lead_levels:
        levels = "、".join(lv.zh for lv in sorted(rules.lead_levels, key=lambda lv: lv.depth))
        raise InvalidInputError(
            f"牵头机构 {name} 不是{levels or '可牵头的'}机构",
            f"lead unit {name!r} is not a unit of a lead level ([monitoring] lead_levels)",
            field="lead_unit",
        )
    if name not in hierarchy.path(loan_branch):
        raise InvalidInputError(
            f"{name} 不是贷款所属机构 {loan_branch} 的上级机构",
            f"{name} is not a unit above the loan's, {loan_branch}",
            field="lead_unit",
        )
    if leader_branch != name:
        raise InvalidInputError(
            f"牵头人须为 {name} 人员，而其属 {leader_branch}",
            f"the team leader is of {leader_branch}, not of the lead unit {name}",
            field="led_by_no",
        )
    return name


# ----------------------------------------------------------------- monitoring records
@dataclass(frozen=True)
class Figure:
    """One figure looked at (监测指标): its name and the value read, as text."""

    name: str
    value: str


def month_text(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


class MonitoringRecord(Aggregate):
    """One customer's off-site monitoring of one month (非现场监测记录), and its flag's filter."""

    @staticmethod
    def create_id(borrower_id: str, month: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"dossier:monitoring:{borrower_id}:{month}")

    @classmethod
    def record(
        cls,
        *,
        borrower_id: str,
        borrower_name: str,
        branch: str,
        loan_no: str,
        monitored_on: date,
        figures: Sequence[Figure],
        findings: str,
        judgment: Judgment,
        signal_code: str | None,
        designated: bool,
        actor: Actor,
    ) -> Self:
        """The monitor's record of the month of ``monitored_on``: only a designated online
        monitor records; a signal is named only on a record judged 关注 or 预警."""
        authorize(actor, Action.RECORD_MONITORING)
        if not designated:
            raise SegregationOfDutiesError(
                f"{monitored_on.isoformat()} 未被指定为信贷在线监测员，不能登记非现场监测",
                f"not designated online monitor (在线监测员) on {monitored_on.isoformat()}: "
                "only the designated monitor records off-site monitoring",
            )
        if not figures:
            raise InvalidInputError(
                "须列明所查看的监测指标", "list the figures looked at", field="figures"
            )
        if len(figures) > MAX_FIGURES:
            raise InvalidInputError(
                f"监测指标至多 {MAX_FIGURES} 项", f"at most {MAX_FIGURES} figures", field="figures"
            )
        names = [require_text(f.name, "figures.name", max_length=100) for f in figures]
        if len(set(names)) != len(names):
            raise InvalidInputError("监测指标重复", "a figure is listed twice", field="figures")
        if signal_code is not None and judgment is Judgment.NORMAL:
            raise InvalidInputError(
                "判断为正常的监测不能提出预警信号",
                "a record judged normal raises no signal",
                field="signal_code",
            )
        month = month_text(monitored_on)
        return cls(
            borrower_id=borrower_id,
            borrower_name=borrower_name,
            branch=branch,
            loan_no=loan_no,
            month=month,
            monitored_on=monitored_on,
            figures=[
                {"name": n, "value": require_text(f.value, "figures.value", max_length=200)}
                for n, f in zip(names, figures, strict=True)
            ],
            findings=require_text(findings, "findings"),
            judgment=judgment.value,
            signal_code=signal_code,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("Recorded")
    def __init__(
        self,
        *,
        borrower_id: str,
        borrower_name: str,
        branch: str,
        loan_no: str,
        month: str,
        monitored_on: date,
        figures: list[dict[str, str]],
        findings: str,
        judgment: str,
        signal_code: str | None,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.borrower_id = borrower_id
        self.borrower_name = borrower_name
        self.branch = branch
        self.loan_no = loan_no
        self.month = month
        self.monitored_on = monitored_on
        self.figures = [Figure(f["name"], f["value"]) for f in figures]
        self.findings = findings
        self.judgment: Judgment = Judgment.parse(judgment, "judgment")
        self.signal_code = signal_code
        self.monitor_id = actor_id
        self.verifier_id: UUID | None = None
        self.verified_on: date | None = None
        self.substantiated: bool | None = None
        self.verification: str | None = None
        self.decider_id: UUID | None = None
        self.decided_on: date | None = None
        self.confirmed: bool | None = None
        self.decision: str | None = None
        self.signal_id: UUID | None = None

    @property
    def flagged(self) -> bool:
        """关注 or 预警: a flag for the three-layer filter."""
        return self.judgment is not Judgment.NORMAL

    @property
    def state(self) -> FlagState:
        if not self.flagged:
            return FlagState.NONE
        if self.confirmed is not None:
            return FlagState.CONFIRMED if self.confirmed else FlagState.DISMISSED
        return FlagState.VERIFIED if self.verified_on is not None else FlagState.RAISED

    def verify(
        self,
        *,
        verified_on: date,
        substantiated: bool,
        opinion: str,
        managers: Iterable[UUID],
        actor: Actor,
    ) -> None:
        """The second layer: the customer's account manager verifies the flag on the ground
        (核实), saying whether it is borne out; never the monitor who raised it."""
        authorize(actor, Action.VERIFY_MONITORING_FLAG)
        if self.state is not FlagState.RAISED:
            raise InvalidTransitionError(
                f"{self.borrower_name} {self.month} 的监测记录{self.state.zh}，无需核实",
                f"the {self.month} record of {self.borrower_name} is {self.state.value}: "
                "nothing to verify",
            )
        if actor.id == self.monitor_id:
            raise SegregationOfDutiesError(
                "监测员不能核实本人提出的疑点", "the monitor cannot verify their own flag"
            )
        if actor.id not in set(managers):
            raise SegregationOfDutiesError(
                f"只有 {self.borrower_name} 的管户客户经理能核实",
                f"only the account manager of {self.borrower_name} verifies its flag",
            )
        if verified_on < self.monitored_on:
            raise InvalidInputError(
                "核实日早于监测日", "verified_on is before the monitoring", field="verified_on"
            )
        self._verified(
            verified_on=verified_on,
            substantiated=substantiated,
            opinion=require_text(opinion, "opinion"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("Verified")
    def _verified(
        self, *, verified_on: date, substantiated: bool, opinion: str, actor_id: UUID, role: Role
    ) -> None:
        self.verifier_id = actor_id
        self.verified_on = verified_on
        self.substantiated = substantiated
        self.verification = opinion

    def decide(
        self,
        *,
        decided_on: date,
        confirmed: bool,
        reason: str,
        signal_id: UUID | None,
        actor: Actor,
    ) -> None:
        """The third layer: a risk manager confirms the flag or dismisses it (认定), never the
        monitor or the verifier; ``signal_id`` is the signal a confirmation raised, if any."""
        authorize(actor, Action.DECIDE_MONITORING_FLAG)
        if self.state is not FlagState.VERIFIED:
            raise InvalidTransitionError(
                f"{self.borrower_name} {self.month} 的监测记录{self.state.zh}，不能认定",
                f"the {self.month} record of {self.borrower_name} is {self.state.value}: "
                "it is decided once verified",
            )
        if actor.id in (self.monitor_id, self.verifier_id):
            raise SegregationOfDutiesError(
                "认定人须为监测员、核实人以外的风险经理",
                "the risk manager deciding is neither the monitor nor the verifier",
            )
        if self.verified_on is not None and decided_on < self.verified_on:
            raise InvalidInputError(
                "认定日早于核实日", "decided_on is before the verification", field="decided_on"
            )
        if signal_id is not None and not confirmed:
            raise InvalidInputError(
                "排除的疑点不提出预警信号", "a dismissed flag raises no signal", field="confirmed"
            )
        self._decided(
            decided_on=decided_on,
            confirmed=confirmed,
            reason=require_text(reason, "reason"),
            signal_id=signal_id,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("Decided")
    def _decided(
        self,
        *,
        decided_on: date,
        confirmed: bool,
        reason: str,
        signal_id: UUID | None,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.decider_id = actor_id
        self.decided_on = decided_on
        self.confirmed = confirmed
        self.decision = reason
        self.signal_id = signal_id
