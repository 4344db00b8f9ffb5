"""Partner institutions (合作机构): guarantee companies, third-party servicers and others.

A risk manager registers each institution the bank cooperates with (合作机构名单): its name,
its type — a guarantee company (担保机构) that guarantees loans and compensates the bank when a
borrower does not pay (代偿), a third-party servicer (第三方服务机构: the 饲料公司 of the
third-party service model, which services and chases its own customers), or another
cooperating institution —, its unified social credit code (统一社会信用代码, the key it is
known by), the contact there, the cooperation period and the cooperation limit (合作额度, 元).
The cooperation is suspended (暂停合作) and resumed with the reason; a suspended institution,
or one outside its cooperation period, takes no new loan to guarantee or service.

With a servicer the bank talks periodically to verify the customers' information (与饲料公司定期
沟通核实客户信息): each communication is recorded with the day, who talked, what was verified
and the changes found; changes of a borrower's information are maintained on the loan in the
same act (贷款信息维护). How often is the rules' ``[partners] communication_every_days``.

The partner register figures each institution on any date (批量监管合作机构风险): the loans it
guarantees or services, their balance, their NPL ratio (合作机构不良率) and, for a guarantee
company, the compensation rate (代偿率 = compensated ÷ what fell due unpaid: the compensations
paid plus the arrears still unpaid on its loans); over the rules' lines it is flagged
(docs/rules.md PTN-01 to PTN-08).

Pure: the standard library, ``domain`` and ``eventsourcing.domain`` only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Self
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.authorization import Action, authorize
from domain.dates import check_not_before
from domain.errors import InvalidInputError, InvalidTransitionError
from domain.values import NAMESPACE, Actor, PartnerKind, PartnerStatus, Role, money, require_text

Fail = Callable[[str, str, str], Exception]

ZERO = Decimal("0.00")
_CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")


def partner_id_for(credit_code: str) -> UUID:
    """The deterministic id of the institution with this unified social credit code."""
    return uuid5(NAMESPACE, f"partner:{credit_code}")


def credit_code(value: str, field: str = "credit_code") -> str:
    """An 18-character unified social credit code (统一社会信用代码), upper case."""
    found = value.strip().upper()
    if not _CREDIT_CODE.fullmatch(found):
        raise InvalidInputError(
            "统一社会信用代码须为18位（数字或大写字母，不含I、O、S、V、Z）",
            "credit_code is an 18-character unified social credit code",
            field=field,
        )
    return found


# ----------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class PartnerRules:
    """``[partners]``: the lines over which an institution is flagged, and how often a
    servicer is talked to. None: no such line (a rule set adopted before the table)."""

    npl_rate_line: Decimal | None = None
    """合作机构不良率 (%) above which the institution is flagged."""
    compensation_rate_line: Decimal | None = None
    """代偿率 (%) above which a guarantee company is flagged."""
    communication_every_days: int | None = None
    """Days between communications with a servicer to verify its customers' information."""


EARLIER_PARTNERS: Mapping[str, Any] = {
    "npl_rate_line": None,
    "compensation_rate_line": None,
    "communication_every_days": None,
}
"""``[partners]`` of a rule set adopted before it: no line, no communication due."""


def _percent_line(raw: Any, path: str, fail: Fail) -> Decimal | None:
    if raw is None:
        return None
    try:
        found = Decimal(raw) if isinstance(raw, str) else None
    except InvalidOperation:
        found = None
    if found is None or not found.is_finite() or not ZERO < found <= 100:
        raise fail(path, "须为 0–100 的百分比字符串", "must be a percentage 0-100, as a string")
    return found.quantize(Decimal("0.01"))


def parse_partners(raw: Any, fail: Fail) -> PartnerRules:
    """The ``[partners]`` table of a rule set (absent: no line, no communication due)."""
    if raw is None:
        return PartnerRules()
    if not isinstance(raw, dict):
        raise fail("partners", "须为表", "must be a table")
    unknown = sorted(set(raw) - set(EARLIER_PARTNERS))
    if unknown:
        raise fail(f"partners.{unknown[0]}", "未知的键", "unknown key")
    days = raw.get("communication_every_days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
        raise fail("partners.communication_every_days", "须为正整数", "must be a positive integer")
    return PartnerRules(
        npl_rate_line=_percent_line(raw.get("npl_rate_line"), "partners.npl_rate_line", fail),
        compensation_rate_line=_percent_line(
            raw.get("compensation_rate_line"), "partners.compensation_rate_line", fail
        ),
        communication_every_days=days,
    )


# ------------------------------------------------------------------------- records
@dataclass(frozen=True)
class StatusChange:
    """A suspension or resumption of the cooperation, with the reason."""

    status: PartnerStatus
    on: date
    reason: str
    actor_id: UUID


@dataclass(frozen=True)
class Communication:
    """A communication with a servicer verifying its customers' information (定期沟通核实)."""

    communication_id: UUID
    communicated_on: date
    loan_no: str | None
    verified: str
    changes_found: str | None
    actor_id: UUID


class Partner(Aggregate):
    """A partner institution (合作机构) and its cooperation with the bank."""

    @staticmethod
    def create_id(credit_code: str) -> UUID:
        return partner_id_for(credit_code)

    @classmethod
    def register(
        cls,
        *,
        name: str,
        kind: PartnerKind,
        code: str,
        contact: str,
        contact_phone: str | None,
        cooperation_from: date,
        cooperation_to: date | None,
        limit: Decimal | None,
        branch: str,
        registered_on: date,
        actor: Actor,
    ) -> Self:
        """Register an institution the bank cooperates with (合作机构准入登记)."""
        authorize(actor, Action.MANAGE_PARTNERS)
        if cooperation_to is not None and cooperation_to <= cooperation_from:
            raise InvalidInputError(
                "合作到期日须晚于合作起始日",
                "cooperation_to must be after cooperation_from",
                field="cooperation_to",
            )
        phone = contact_phone.strip() if contact_phone else None
        return cls(
            name=require_text(name, "name", max_length=200),
            kind=kind,
            credit_code=credit_code(code),
            contact=require_text(contact, "contact", max_length=100),
            contact_phone=phone or None,
            cooperation_from=cooperation_from,
            cooperation_to=cooperation_to,
            limit=money(limit, "limit", positive=True) if limit is not None else None,
            branch=require_text(branch, "branch", max_length=100),
            registered_on=registered_on,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("PartnerRegistered")
    def __init__(
        self,
        *,
        name: str,
        kind: PartnerKind,
        credit_code: str,
        contact: str,
        contact_phone: str | None,
        cooperation_from: date,
        cooperation_to: date | None,
        limit: Decimal | None,
        branch: str,
        registered_on: date,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.name = name
        self.kind = kind
        self.credit_code = credit_code
        self.contact = contact
        self.contact_phone = contact_phone
        self.cooperation_from = cooperation_from
        self.cooperation_to = cooperation_to
        self.limit = limit
        self.branch = branch
        self.registered_on = registered_on
        self.registered_by = actor_id
        self.status = PartnerStatus.ACTIVE
        self.status_changes: list[StatusChange] = []
        self.communications: list[Communication] = []

    # ------------------------------------------------------------------ status
    @property
    def status_since(self) -> date:
        return self.status_changes[-1].on if self.status_changes else self.registered_on

    def check_open(self, on: date, what_zh: str, what_en: str) -> None:
        """Refuse new business while suspended or outside the cooperation period."""
        if self.status is PartnerStatus.SUSPENDED:
            reason = self.status_changes[-1].reason
            raise InvalidTransitionError(
                f"合作机构 {self.name} 已暂停合作（{reason}），不能{what_zh}",
                f"the cooperation with {self.name} is suspended ({reason}): cannot {what_en}",
                status=self.status.value,
            )
        if on < self.cooperation_from or (
            self.cooperation_to is not None and on > self.cooperation_to
        ):
            until = self.cooperation_to.isoformat() if self.cooperation_to else "—"
            raise InvalidTransitionError(
                f"{on.isoformat()} 不在与 {self.name} 的合作期限内"
                f"（{self.cooperation_from.isoformat()} 至 {until}），不能{what_zh}",
                f"{on.isoformat()} lies outside the cooperation with {self.name} "
                f"({self.cooperation_from.isoformat()} to {until}): cannot {what_en}",
            )

    def check_kind(self, kind: PartnerKind, field: str) -> None:
        if self.kind is not kind:
            raise InvalidInputError(
                f"{self.name} 登记为{self.kind.zh}，不是{kind.zh}",
                f"{self.name} is registered as {self.kind.value}, not {kind.value}",
                field=field,
            )

    def suspend(self, *, suspended_on: date, reason: str, actor: Actor) -> None:
        """Suspend the cooperation (暂停合作), with the reason."""
        authorize(actor, Action.MANAGE_PARTNERS)
        if self.status is PartnerStatus.SUSPENDED:
            raise InvalidTransitionError(
                f"与 {self.name} 的合作已暂停", f"the cooperation with {self.name} is suspended"
            )
        check_not_before(
            suspended_on, self.status_since, field="suspended_on", since_field="status_since"
        )
        self._suspended(
            suspended_on=suspended_on,
            reason=require_text(reason, "reason"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("PartnerSuspended")
    def _suspended(self, *, suspended_on: date, reason: str, actor_id: UUID, role: Role) -> None:
        self.status = PartnerStatus.SUSPENDED
        self.status_changes.append(
            StatusChange(PartnerStatus.SUSPENDED, suspended_on, reason, actor_id)
        )

    def resume(self, *, resumed_on: date, reason: str, actor: Actor) -> None:
        """Resume a suspended cooperation (恢复合作), with the reason."""
        authorize(actor, Action.MANAGE_PARTNERS)
        if self.status is not PartnerStatus.SUSPENDED:
            raise InvalidTransitionError(
                f"与 {self.name} 的合作未暂停", f"the cooperation with {self.name} is not suspended"
            )
        check_not_before(
            resumed_on, self.status_since, field="resumed_on", since_field="status_since"
        )
        self._resumed(
            resumed_on=resumed_on,
            reason=require_text(reason, "reason"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("PartnerResumed")
    def _resumed(self, *, resumed_on: date, reason: str, actor_id: UUID, role: Role) -> None:
        self.status = PartnerStatus.ACTIVE
        self.status_changes.append(StatusChange(PartnerStatus.ACTIVE, resumed_on, reason, actor_id))

    # ----------------------------------------------------------- communications
    @property
    def last_communicated_on(self) -> date | None:
        return max((c.communicated_on for c in self.communications), default=None)

    def record_communication(
        self,
        *,
        communication_id: UUID,
        communicated_on: date,
        loan_no: str | None,
        verified: str,
        changes_found: str | None,
        information_changed: bool,
        actor: Actor,
    ) -> None:
        """Record a communication with the servicer verifying a customer's information
        (与第三方服务机构定期沟通核实客户信息): what was verified, the changes found, and
        whether the borrower's information was changed on the loan in the same act."""
        authorize(actor, Action.RECORD_SERVICER_COMMUNICATION)
        self.check_kind(PartnerKind.SERVICER, "partner")
        check_not_before(
            communicated_on,
            self.registered_on,
            field="communicated_on",
            since_field="registered_on",
        )
        if any(c.communication_id == communication_id for c in self.communications):
            raise InvalidTransitionError(
                f"沟通记录 {communication_id} 已存在", f"communication {communication_id} exists"
            )
        found = changes_found.strip() if changes_found else None
        if information_changed and not found:
            raise InvalidInputError(
                "变更借款人信息时须写明核实中发现的变化（changes_found）",
                "changing the borrower's information states the changes found",
                field="changes_found",
            )
        self._communicated(
            communication_id=communication_id,
            communicated_on=communicated_on,
            loan_no=loan_no,
            verified=require_text(verified, "verified"),
            changes_found=require_text(found, "changes_found") if found else None,
            information_changed=information_changed,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("ServicerCommunicationRecorded")
    def _communicated(
        self,
        *,
        communication_id: UUID,
        communicated_on: date,
        loan_no: str | None,
        verified: str,
        changes_found: str | None,
        information_changed: bool,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.communications.append(
            Communication(
                communication_id, communicated_on, loan_no, verified, changes_found, actor_id
            )
        )


# -------------------------------------------------------------------------- figures
def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole``, to a hundredth; None when ``whole`` is nothing."""
    if whole <= 0:
        return None
    return (part * 100 / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PartnerLoan:
    """A loan the institution guarantees or services, as the ledger held it on the day."""

    loan_no: str
    balance: Decimal
    npl: bool
    overdue: Decimal
    """Principal and interest overdue on the day (到期未还)."""


@dataclass(frozen=True)
class PartnerFigures:
    """One institution's figures on a day (合作机构风险指标)."""

    loans: int
    balance: Decimal
    npl_balance: Decimal
    npl_rate: Decimal | None
    overdue: Decimal
    compensated: Decimal
    compensation_rate: Decimal | None
    recovered: Decimal
    claim: Decimal
    """What the guarantor still claims from the borrowers (追偿余额)."""
    limit_used: Decimal | None
    flags: tuple[str, ...]
    """Why the institution is flagged, in Chinese; empty: not flagged."""


def partner_figures(
    *,
    kind: PartnerKind,
    limit: Decimal | None,
    loans: Iterable[PartnerLoan],
    compensated: Decimal,
    recovered: Decimal,
    rules: PartnerRules,
) -> PartnerFigures:
    """The figures of one institution from its loans on the day and its compensations by then.

    合作机构不良率 = the balance graded 次级/可疑/损失 ÷ the balance of its loans on the books;
    代偿率 = compensated ÷ (compensated + the arrears still unpaid on its loans): of what the
    borrowers failed to pay when due, the share the guarantor paid instead. Flagged: a rate
    above its line, the balance above the cooperation limit.
    """
    found = list(loans)
    balance = sum((p.balance for p in found), ZERO)
    npl_balance = sum((p.balance for p in found if p.npl), ZERO)
    overdue = sum((p.overdue for p in found), ZERO)
    npl_rate = percent(npl_balance, balance)
    guarantor = kind is PartnerKind.GUARANTEE_COMPANY
    compensation_rate = percent(compensated, compensated + overdue) if guarantor else None
    flags: list[str] = []
    if npl_rate is not None and rules.npl_rate_line is not None and npl_rate > rules.npl_rate_line:
        flags.append(f"合作机构不良率 {npl_rate}% 超过 {rules.npl_rate_line}%")
    if (
        compensation_rate is not None
        and rules.compensation_rate_line is not None
        and compensation_rate > rules.compensation_rate_line
    ):
        flags.append(f"代偿率 {compensation_rate}% 超过 {rules.compensation_rate_line}%")
    if limit is not None and balance > limit:
        flags.append(f"合作贷款余额 {balance} 元超过合作额度 {limit} 元")
    return PartnerFigures(
        loans=len(found),
        balance=balance,
        npl_balance=npl_balance,
        npl_rate=npl_rate,
        overdue=overdue,
        compensated=compensated,
        compensation_rate=compensation_rate,
        recovered=recovered,
        claim=compensated - recovered,
        limit_used=percent(balance, limit) if limit is not None else None,
        flags=tuple(flags),
    )
