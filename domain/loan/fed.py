"""What the core-banking system reports about a loan (核心系统日终文件).

The core system owns a loan's money: its disbursement, repayments, day-end arrears, settlement
and master data. The archive records what the core reports, once: every method here answers
whether it recorded anything, so that a line the archive already holds (a re-sent repayment
reference, the arrears of a loan and date already recorded, a loan already booked) records
nothing the second time. Each event carries ``fed``: the batch (its business date and control
hash), file and line the fact came from.

A correction batch (``correction=true``) replaces what its lines name and records the change
as a correction, with the values it replaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Self
from uuid import UUID

from eventsourcing.domain import event

from domain.authorization import Action, authorize
from domain.errors import InvalidInputError, InvalidTransitionError
from domain.loan.core import LoanCore
from domain.loan.history import ArrearsRows
from domain.loan.losses import LoanLosses
from domain.repayment_behaviour import Repayment
from domain.values import (
    Actor,
    BorrowerType,
    DocumentRef,
    GuaranteeType,
    LoanStatus,
    Party,
    Product,
    RepaymentMethod,
    Role,
    money,
    require_text,
)

Fed = dict[str, Any]
"""Where a fact came from: ``batch`` (the control file's SHA-256), ``business_date``,
``file``, ``line`` and, in a correction batch, ``correction``."""

CORE_REPAYMENT_METHODS: dict[str, RepaymentMethod] = {
    "equal_instalment": RepaymentMethod.INSTALMENT,  # 等额本息
    "equal_principal": RepaymentMethod.INSTALMENT,  # 等额本金
    "interest_monthly_bullet": RepaymentMethod.BULLET,  # 按月付息、到期还本
    "bullet": RepaymentMethod.BULLET,  # 到期一次还本付息
}
"""The core system's repayment methods, as the archive's schedules read them."""

UNRATED = "未评级"
"""The borrower rating of a loan the core booked: rating is the credit system's, not the
core's, and is changed through the information-change procedure once known."""

MASTER_FIELDS = (
    "borrower_name",
    "borrower_type",
    "product",
    "principal",
    "interest_rate",
    "value_date",
    "maturity_date",
    "repayment_method",
    "guarantee_type",
    "purpose",
)
"""The loan's master data the core system may change (besides its unit and manager)."""


_REPAYMENT_RECORDED: Any = LoanCore.RepaymentRecorded  # type: ignore[attr-defined]
_OVERDUE_RECORDED: Any = LoanCore.OverdueStatusRecorded  # type: ignore[attr-defined]
"""The events ``_repayment_recorded`` and ``_overdue_recorded`` record (their ``@event``
classes), triggered directly by the core's commands: see :meth:`LoanFeed.report_repayment`."""


def _record(loan: LoanCore, new: Any) -> None:
    """The rest of what ``trigger_event`` does with an event built as the next of ``loan``'s
    and already applied (the library's ``mutate``: the version and the time of the change; then
    the event pending). The caller applies the change itself, through the very method the
    event's ``apply`` calls on replay (``_on_repayment_recorded``, ``_on_overdue_recorded``),
    without building the event's attributes into a dictionary and filtering them by the
    method's parameters for each of a day-end batch's thousands of lines."""
    loan.version = new.originator_version
    loan.modified_on = new.timestamp
    loan.pending_events.append(new)


def rate_text(rate: Decimal) -> str:
    """An annual rate as a decimal (``0.0435``) the way a contract writes it (``4.35%``)."""
    percent = format((rate * 100).normalize(), "f")
    return f"{percent}%"


def _same(name: str, held: str | None, reported: str) -> bool:
    """Whether a reported master-data value is the one held: a rate by its value, so that a
    contract's ``4.10%`` is the core's ``0.041`` (``4.1%``)."""
    if held == reported:
        return True
    if name != "interest_rate" or held is None:
        return False
    try:
        return Decimal(held.rstrip("%")) == Decimal(reported.rstrip("%"))
    except ArithmeticError:
        return False


def _zero(value: Decimal | None) -> Decimal:
    return value if value is not None else Decimal("0.00")


class LoanFeed(LoanLosses):
    """The facts the core system reports about a loan, each recorded once."""

    @classmethod
    def book_from_core(
        cls,
        *,
        loan_no: str,
        borrower_id: str,
        borrower_name: str,
        borrower_type: BorrowerType,
        product: Product,
        principal: Decimal,
        rate: Decimal,
        value_date: date,
        maturity_date: date,
        repayment_method: str,
        guarantee_type: GuaranteeType,
        branch: str,
        purpose: str,
        account_manager: Party,
        actor: Actor,
        fed: Fed,
    ) -> Self:
        """A loan the core system disbursed (放款): its account manager is the A岗 the core
        names, who investigated it; the integration identity recorded it."""
        authorize(actor, Action.IMPORT_FEED)
        if Role.ACCOUNT_MANAGER not in account_manager.roles:
            raise InvalidInputError(
                "核心系统报送的客户经理不担任客户经理岗位",
                "the account manager the core names does not hold the account manager role",
                field="account_manager_no",
            )
        cls.check_term(value_date, maturity_date)
        # What ``cls(...)`` does, without the metaclass's look at each call's arguments: the
        # core books thousands of loans in a batch.
        return cls._create(
            cls.Disbursed,
            id=cls.create_id(loan_no),
            loan_no=loan_no,
            borrower_id=borrower_id,
            borrower_name=borrower_name,
            borrower_type=borrower_type,
            borrower_rating=UNRATED,
            product=product,
            principal=money(principal, "principal", positive=True),
            interest_rate=rate_text(rate),
            value_date=value_date,
            maturity_date=maturity_date,
            repayment_method=CORE_REPAYMENT_METHODS[repayment_method],
            guarantee_type=guarantee_type,
            branch=branch,
            purpose=purpose,
            account_manager_id=account_manager.id,
            investigator_id=account_manager.id,
            origination_reviewer_id=None,
            approver_id=None,
            documents=[],
            actor_id=actor.id,
            role=actor.role,
            fed=fed,
        )

    # ------------------------------------------------------------ origination record
    def file_origination_record(
        self,
        *,
        filed_on: date,
        borrower_rating: str,
        origination_reviewer: Party,
        approver: Party,
        documents: Sequence[DocumentRef],
        actor: Actor,
    ) -> None:
        """The account manager files the origination record (贷前资料补录) of a loan the core
        booked: its credit file, the borrower's rating and who reviewed (审查) and approved
        (审批) it — what the credit system knows and the core does not. Once, under the rule of
        审贷分离 the disbursement by hand keeps (:meth:`check_origination_parties`)."""
        authorize(actor, Action.FILE_ORIGINATION)
        if not self.booked_by_core:
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} 为手工登记放款，贷前资料已随放款登记，无需补录",
                f"loan {self.loan_no} was disbursed by hand with its origination record: only "
                "a loan the core system booked has one filed apart",
                status=self.status.value,
            )
        if self.origination_filed_on is not None:
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} 的贷前资料已于 {self.origination_filed_on} 补录，"
                "不能重复补录",
                f"loan {self.loan_no}'s origination record was filed on "
                f"{self.origination_filed_on}: it is filed once",
                status=self.status.value,
                filed_on=self.origination_filed_on.isoformat(),
            )
        if not documents:
            raise InvalidInputError(
                "贷前资料补录须附信贷档案资料",
                "an origination record files the loan's credit file: attach its documents",
                field="documents",
            )
        rating = require_text(borrower_rating, "borrower_rating", max_length=8)
        if rating == UNRATED:
            raise InvalidInputError(
                f"补录的借款人信用等级不能为“{UNRATED}”",
                f"the borrower rating filed must be a rating, not {UNRATED} (unrated)",
                field="borrower_rating",
            )
        investigator_id = self.investigator_id or self.account_manager_id
        self.check_origination_parties(investigator_id, origination_reviewer, approver)
        self.check_business_date(filed_on, "filed_on")
        self._origination_filed(
            filed_on=filed_on,
            borrower_rating=rating,
            origination_reviewer_id=origination_reviewer.id,
            approver_id=approver.id,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("OriginationRecordFiled")
    def _origination_filed(
        self,
        *,
        filed_on: date,
        borrower_rating: str,
        origination_reviewer_id: UUID,
        approver_id: UUID,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.borrower_rating = borrower_rating
        self.origination_reviewer_id = origination_reviewer_id
        self.approver_id = approver_id
        self.origination_filed_on = filed_on

    # ---------------------------------------------------------------- master data
    def master_data(self) -> dict[str, str]:
        """The loan's master data as the core system reports it, each value as text."""
        return {
            "borrower_name": self.borrower_name,
            "borrower_type": self.borrower_type.value,
            "product": self.product.value,
            "principal": f"{self.principal:.2f}",
            "interest_rate": self.term.interest_rate,
            "value_date": self.value_date.isoformat(),
            "maturity_date": self.term.maturity_date.isoformat(),
            "repayment_method": self.repayment_method.value,
            "guarantee_type": self.guarantee_type.value,
            "purpose": self.purpose,
        }

    def report_master_data(
        self,
        *,
        borrower_id: str,
        reported: dict[str, str],
        branch: str,
        account_manager: Party,
        business_date: date,
        actor: Actor,
        fed: Fed,
    ) -> bool:
        """The core system's master data for a loan it already reported (loans.csv).

        A later maturity date is an extension (展期) the core system reports; a new unit a
        move (划转); a new A岗 a hand-over of 管户; any other change an information change
        with the values it replaces. Nothing changed records nothing.
        """
        authorize(actor, Action.IMPORT_FEED)
        if borrower_id != self.borrower_id:
            raise InvalidInputError(
                f"借据 {self.loan_no} 的证件号码与档案不符，借款人不能通过核心文件更换",
                f"loan {self.loan_no} names another borrower ID: the core feed cannot change "
                "the borrower",
                field="borrower_id_no",
            )
        before = self.master_data()
        changes = {k: [before[k], v] for k, v in reported.items() if not _same(k, before.get(k), v)}
        recorded = False
        new_maturity = changes.pop("maturity_date", None)
        if new_maturity is not None and date.fromisoformat(new_maturity[1]) > date.fromisoformat(
            new_maturity[0]
        ):
            self.check_on_books("展期", "extend")
            self._extended(
                approved_on=business_date,
                previous_maturity_date=self.term.maturity_date,
                new_maturity_date=date.fromisoformat(new_maturity[1]),
                reason="核心系统报送展期 / extension reported by the core system",
                documents=[],
                actor_id=actor.id,
                role=actor.role,
                applications=None,
                fed=fed,
            )
            recorded = True
        elif new_maturity is not None:
            changes["maturity_date"] = new_maturity
        if changes:
            self.check_not_closed("变更贷款信息", "change the loan's master data")
            self._master_data_changed(
                changed_on=business_date,
                changes=changes,
                fed=fed,
                actor_id=actor.id,
                role=actor.role,
            )
            recorded = True
        if branch != self.branch:
            self.check_not_closed("划转机构", "move to another branch")
            self._branch_changed(
                from_branch=self.branch,
                branch=branch,
                moved_on=max(business_date, self.branches[-1][0]),
                reason="核心系统报送经办机构变更 / unit changed in the core system",
                actor_id=actor.id,
                role=actor.role,
                fed=fed,
            )
            recorded = True
        if account_manager.id != self.account_manager_id:
            self.check_not_closed("分派管户客户经理", "assign account managers")
            b_id = self.b_manager_id if self.b_manager_id != account_manager.id else None
            self._account_managers_assigned(
                a_manager_id=account_manager.id,
                b_manager_id=b_id,
                previous_a_id=self.account_manager_id,
                previous_b_id=self.b_manager_id,
                assigned_on=max(business_date, self.manager_spells[-1][0]),
                reason="核心系统报送客户经理变更 / account manager changed in the core system",
                actor_id=actor.id,
                role=actor.role,
                fed=fed,
            )
            recorded = True
        return recorded

    @event("MasterDataChanged")
    def _master_data_changed(
        self,
        *,
        changed_on: date,
        changes: dict[str, list[str]],
        fed: Fed,
        actor_id: UUID,
        role: Role,
    ) -> None:
        for name, (_old, new) in changes.items():
            if name == "principal":
                amount = Decimal(new)
                self.balance += amount - self.principal
                self.principal = amount
            elif name == "interest_rate":
                self.term.interest_rate = new
            elif name == "maturity_date":
                self.term.maturity_date = date.fromisoformat(new)
            elif name == "value_date":
                self.value_date = date.fromisoformat(new)
            elif name == "borrower_type":
                self.borrower_type = BorrowerType.parse(new, name)
            elif name == "product":
                self.product = Product.parse(new, name)
            elif name == "repayment_method":
                self.repayment_method = RepaymentMethod.parse(new, name)
            elif name == "guarantee_type":
                self.guarantee_type = GuaranteeType.parse(new, name)
            else:
                setattr(self, name, new)

    # ------------------------------------------------------------------ repayments
    def report_repayment(
        self,
        *,
        reference: str,
        paid_on: date,
        principal: Decimal,
        interest: Decimal,
        penalty: Decimal,
        correction: bool,
        actor: Actor,
        fed: Fed,
    ) -> bool:
        """A repayment the core received (还款), known by its transaction reference.

        A reference already recorded with the same amounts records nothing; with other amounts
        it is refused unless the batch corrects it, when the correction is recorded.
        """
        authorize(actor, Action.IMPORT_FEED)
        amounts = (
            money(principal, "principal"),
            money(interest, "interest"),
            money(penalty, "penalty"),
        )
        known = self.core_reference(reference)
        if known is not None:
            if known == amounts:
                return False
            if not correction:
                raise InvalidInputError(
                    f"交易流水号 {reference} 已登记为其他金额，更正须通过更正批次",
                    f"reference {reference} was recorded with other amounts: send a "
                    "correction batch",
                    field="reference",
                )
            delta = amounts[0] - known[0]
            if delta > self.balance:
                raise InvalidInputError(
                    f"更正后还本超过余额 {self.balance}",
                    f"the corrected principal exceeds the balance {self.balance}",
                    field="principal",
                )
            self._repayment_corrected(
                reference=reference,
                paid_on=paid_on,
                principal=amounts[0],
                interest=amounts[1],
                penalty=amounts[2],
                previous=[str(a) for a in known],
                fed=fed,
                actor_id=actor.id,
                role=actor.role,
            )
            return True
        self.check_not_closed("登记还款", "record a repayment")
        self.check_business_date(paid_on, "paid_on")
        if sum(amounts) == 0:
            raise InvalidInputError("还款金额须大于零", "a repayment must be more than zero")
        if amounts[0] > self.balance:
            raise InvalidInputError(
                f"还本 {amounts[0]} 超过余额 {self.balance}",
                f"principal {amounts[0]} exceeds the balance {self.balance}",
                field="principal",
            )
        # The event ``_repayment_recorded`` records, triggered without the decorator's look at
        # each call's arguments and applied directly: a core's day-end batch brings thousands.
        on_time = self.days_overdue == 0
        new = _REPAYMENT_RECORDED(
            originator_id=self.id,
            originator_version=self.version + 1,
            timestamp=_REPAYMENT_RECORDED.create_timestamp(),
            paid_on=paid_on,
            principal=amounts[0],
            interest=amounts[1],
            on_time=on_time,
            recovery=self.status is LoanStatus.WRITTEN_OFF,
            documents=[],
            actor_id=actor.id,
            role=actor.role,
            reference=reference,
            penalty=amounts[2],
            fed=fed,
        )
        self._on_repayment_recorded(paid_on, amounts[0], amounts[1], on_time, reference, amounts[2])
        _record(self, new)
        return True

    @event("RepaymentCorrected")
    def _repayment_corrected(
        self,
        *,
        reference: str,
        paid_on: date,
        principal: Decimal,
        interest: Decimal,
        penalty: Decimal,
        previous: list[str],
        fed: Fed,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.balance -= principal - Decimal(previous[0])
        rows = self._repayment_rows()
        at = rows.reference_at(reference)
        rows.set_reference(reference, (principal, interest, penalty), at=None)
        if at is not None:  # the repayment-behaviour history reads the corrected amount
            was = rows[at]
            rows[at] = Repayment(paid_on, principal + interest, was.on_time, was.overdue_then)

    # ---------------------------------------------------------------------- arrears
    def report_arrears(
        self,
        *,
        as_of: date,
        days_overdue: int,
        overdue_principal: Decimal,
        overdue_interest: Decimal,
        correction: bool,
        actor: Actor,
        fed: Fed,
    ) -> bool:
        """The loan's arrears at the day's end (逾期情况); zero days means it left arrears.

        The arrears of a date already recorded record nothing again; a correction batch
        replaces them when they differ.
        """
        authorize(actor, Action.IMPORT_FEED)
        principal = money(overdue_principal, "overdue_principal")
        interest = money(overdue_interest, "overdue_interest")
        if days_overdue == 0 and principal + interest > 0:
            raise InvalidInputError(
                "逾期天数为零时逾期金额须为零",
                "overdue amounts must be zero when days_overdue is 0",
                field="days_overdue",
            )
        if days_overdue > 0 and principal + interest == 0:
            raise InvalidInputError(
                "存在逾期天数时须登记逾期金额",
                "days_overdue > 0 needs an overdue amount",
                field="overdue_principal",
            )
        if self.overdue_as_of is not None and as_of <= self.overdue_as_of:
            recorded = self.arrears_on(as_of)
            if recorded is None or not correction:
                return False  # the arrears of that day are already on record
            if recorded == (days_overdue, principal, interest):
                return False
            self._arrears_corrected(
                as_of=as_of,
                days_overdue=days_overdue,
                overdue_principal=principal,
                overdue_interest=interest,
                previous=[str(recorded[0]), str(recorded[1]), str(recorded[2])],
                fed=fed,
                actor_id=actor.id,
                role=actor.role,
            )
            return True
        self.check_not_closed("登记逾期", "record overdue status")
        self.check_business_date(as_of, "as_of")
        if principal > self.balance:
            raise InvalidInputError(
                "逾期本金超过余额",
                "overdue_principal exceeds the balance",
                field="overdue_principal",
            )
        new = _OVERDUE_RECORDED(  # ``_overdue_recorded``'s event, as above for a repayment
            originator_id=self.id,
            originator_version=self.version + 1,
            timestamp=_OVERDUE_RECORDED.create_timestamp(),
            as_of=as_of,
            days_overdue=days_overdue,
            overdue_principal=principal,
            overdue_interest=interest,
            actor_id=actor.id,
            role=actor.role,
            fed=fed,
        )
        self._on_overdue_recorded(as_of, days_overdue, principal, interest)
        _record(self, new)
        return True

    def has_arrears_on(self, as_of: date) -> bool:
        """Whether arrears are recorded for ``as_of`` (the reconciliation counts them)."""
        rows: ArrearsRows | None = self.__dict__.get("_arrears")
        return rows is not None and rows.has(as_of)

    def arrears_on(self, as_of: date) -> tuple[int, Decimal, Decimal] | None:
        """The days overdue and overdue principal and interest last recorded for ``as_of``."""
        rows: ArrearsRows | None = self.__dict__.get("_arrears")
        return rows.on(as_of) if rows is not None else None

    @event("ArrearsCorrected")
    def _arrears_corrected(
        self,
        *,
        as_of: date,
        days_overdue: int,
        overdue_principal: Decimal,
        overdue_interest: Decimal,
        previous: list[str],
        fed: Fed,
        actor_id: UUID,
        role: Role,
    ) -> None:
        rows = self._arrears_rows()
        rows.correct(as_of, days_overdue, overdue_principal, overdue_interest)
        if as_of == self.overdue_as_of:
            self.days_overdue = days_overdue
            self.overdue_principal = overdue_principal
            self.overdue_interest = overdue_interest
        self.most_days_overdue = rows.most_days()

    # ------------------------------------------------------------------ settlement
    def report_settlement(
        self, *, settled_on: date, how: str, correction: bool, actor: Actor, fed: Fed
    ) -> bool:
        """The loan settled in the core system (结清): repaid, recovered after write-off, or
        transferred out. A loan already settled that day records nothing; a correction batch
        may move the settlement date."""
        authorize(actor, Action.IMPORT_FEED)
        if self.status is LoanStatus.SETTLED:
            if self.settled_on == settled_on:
                return False
            if not correction:
                raise InvalidTransitionError(
                    f"贷款 {self.loan_no} 已于 {self.settled_on} 结清，更正须通过更正批次",
                    f"loan {self.loan_no} was settled on {self.settled_on}: send a correction "
                    "batch",
                    status=self.status.value,
                )
            self._settlement_corrected(
                settled_on=settled_on,
                previous=self.settled_on.isoformat() if self.settled_on else "",
                fed=fed,
                actor_id=actor.id,
                role=actor.role,
            )
            return True
        self.check_business_date(settled_on, "settled_on")
        if how == "repaid" and (self.balance != 0 or self.overdue_interest != 0):
            raise InvalidTransitionError(
                f"贷款尚有余额 {self.balance}、欠息 {self.overdue_interest}，核心系统却报送结清",
                f"the core reports the loan repaid but the archive holds {self.balance} "
                f"principal and {self.overdue_interest} interest owed",
                balance=str(self.balance),
            )
        self._settled(
            settled_on=settled_on,
            outstanding=money(self.balance, "balance"),
            documents=[],
            actor_id=actor.id,
            role=actor.role,
            how=how,
            fed=fed,
        )
        return True

    @event("SettlementCorrected")
    def _settlement_corrected(
        self, *, settled_on: date, previous: str, fed: Fed, actor_id: UUID, role: Role
    ) -> None:
        self.settled_on = settled_on
