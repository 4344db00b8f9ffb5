"""The core of the loan (贷款): disbursement, repayments, arrears.

Public methods are commands: they check the rules first and then trigger one
past-tense event through a private ``@event`` method, whose body is the only
place state changes (it runs again when the loan is rebuilt from its events,
so it holds no rule that configuration could change).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Self
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.authorization import Action, authorize
from domain.classification import (
    Observation,
)
from domain.dates import check_not_before
from domain.errors import (
    AlreadyExistsError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
    SegregationOfDutiesError,
)
from domain.loan.history import ArrearsRows, RepaymentRows
from domain.records import (
    CollectionStep,
    Determination,
    Guarantee,
    Inspection,
    Proposal,
    Term,
    WarningSignal,
)
from domain.repayment_behaviour import Arrears, Repayment
from domain.schedules import running_days_overdue
from domain.values import (
    Actor,
    BorrowerType,
    DocumentRef,
    Grade,
    GuaranteeType,
    LoanStatus,
    Party,
    Product,
    RepaymentMethod,
    Role,
    loan_id_for,
    money,
    require_text,
)

Docs = Sequence[DocumentRef]

APPROVER_ROLES = frozenset({Role.BRANCH_HEAD, Role.RISK_MANAGER})
"""Who may have approved a loan (审批人): the branch head or a risk manager."""


class LoanCore(Aggregate):
    """Disbursement, repayments and arrears, and the guards every command shares."""

    @staticmethod
    def create_id(loan_no: str) -> UUID:
        return loan_id_for(loan_no)

    @classmethod
    def disburse(
        cls,
        *,
        loan_no: str,
        borrower_id: str,
        borrower_name: str,
        borrower_type: BorrowerType,
        borrower_rating: str,
        product: Product,
        principal: Decimal,
        interest_rate: str,
        value_date: date,
        maturity_date: date,
        repayment_method: RepaymentMethod,
        guarantee_type: GuaranteeType,
        branch: str,
        purpose: str,
        actor: Actor,
        documents: Docs = (),
        investigator: Party | None = None,
        origination_reviewer: Party | None = None,
        approver: Party | None = None,
    ) -> Self:
        """Record a disbursement (放款); the actor becomes the account manager.

        The loan's origination parties are named for a later responsibility determination:
        who investigated it (调查, the actor unless another is named), who reviewed it (审查)
        and who approved it (审批), under the rule of 审贷分离.
        """
        authorize(actor, Action.DISBURSE)
        investigator_id = investigator.id if investigator is not None else actor.id
        cls.check_origination_parties(investigator_id, origination_reviewer, approver)
        if not loan_no.strip() or len(loan_no) > 64:
            raise InvalidInputError("借据号不能为空且不超过64字符", "loan_no must be 1-64 chars")
        cls.check_term(value_date, maturity_date)
        return cls(
            loan_no=loan_no.strip(),
            borrower_id=require_text(borrower_id, "borrower_id", max_length=64),
            borrower_name=require_text(borrower_name, "borrower_name", max_length=200),
            borrower_type=borrower_type,
            borrower_rating=borrower_rating,
            product=product,
            principal=money(principal, "principal", positive=True),
            interest_rate=interest_rate,
            value_date=value_date,
            maturity_date=maturity_date,
            repayment_method=repayment_method,
            guarantee_type=guarantee_type,
            branch=require_text(branch, "branch", max_length=100),
            purpose=require_text(purpose, "purpose", max_length=500),
            account_manager_id=actor.id,
            investigator_id=investigator_id,
            origination_reviewer_id=origination_reviewer.id if origination_reviewer else None,
            approver_id=approver.id if approver is not None else None,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
            fed=None,
        )

    @staticmethod
    def check_term(value_date: date, maturity_date: date) -> None:
        """A loan falls due after its value date (到期日晚于起息日)."""
        if maturity_date <= value_date:
            raise InvalidInputError(
                "到期日须晚于起息日",
                "maturity_date must be after value_date",
                field="maturity_date",
            )

    @staticmethod
    def check_origination_parties(
        investigator_id: UUID, reviewer: Party | None, approver: Party | None
    ) -> None:
        """审贷分离: investigation, review and approval by three different people."""
        if reviewer is not None and reviewer.id == investigator_id:
            raise SegregationOfDutiesError(
                "贷款的审查人不能是调查人本人",
                "a loan's origination reviewer must be someone other than its investigator",
            )
        if approver is None:
            return
        if approver.id == investigator_id:
            raise SegregationOfDutiesError(
                "贷款的审批人不能是调查人本人",
                "a loan's approver must be someone other than its investigator",
            )
        if reviewer is not None and approver.id == reviewer.id:
            raise SegregationOfDutiesError(
                "贷款的审批人不能是审查人本人",
                "a loan's approver must be someone other than its origination reviewer",
            )
        if not approver.roles & APPROVER_ROLES:
            raise SegregationOfDutiesError(
                "审批人须担任行长或风险经理岗位",
                "the approver must hold the branch head or risk manager role at this moment",
            )

    class Disbursed(Aggregate.Created):
        """The loan was disbursed (放款): its first event.

        Version 2 names the origination parties (调查人, 审查人, 审批人); a version-1 event,
        stored before they were recorded, reads back with its actor as the investigator and
        no reviewer or approver.
        """

        class_version = 2

        loan_no: str
        borrower_id: str
        borrower_name: str
        borrower_type: BorrowerType
        borrower_rating: str
        product: Product
        principal: Decimal
        interest_rate: str
        value_date: date
        maturity_date: date
        repayment_method: RepaymentMethod
        guarantee_type: GuaranteeType
        branch: str
        purpose: str
        account_manager_id: UUID
        investigator_id: UUID | None
        origination_reviewer_id: UUID | None
        approver_id: UUID | None
        documents: list[DocumentRef]
        actor_id: UUID
        role: Role
        fed: dict[str, Any] | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["investigator_id"] = state["actor_id"]
            state["origination_reviewer_id"] = None
            state["approver_id"] = None

    @event(Disbursed)
    def __init__(
        self,
        *,
        loan_no: str,
        borrower_id: str,
        borrower_name: str,
        borrower_type: BorrowerType,
        borrower_rating: str,
        product: Product,
        principal: Decimal,
        interest_rate: str,
        value_date: date,
        maturity_date: date,
        repayment_method: RepaymentMethod,
        guarantee_type: GuaranteeType,
        branch: str,
        purpose: str,
        account_manager_id: UUID,
        investigator_id: UUID | None,
        origination_reviewer_id: UUID | None,
        approver_id: UUID | None,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
        fed: dict[str, Any] | None = None,
    ) -> None:
        self.loan_no = loan_no
        self.borrower_id = borrower_id
        self.borrower_name = borrower_name
        self.borrower_type = borrower_type
        self.borrower_rating = borrower_rating
        self.product = product
        self.principal = principal
        self.balance = principal
        self.value_date = value_date
        self.term = Term(maturity_date, interest_rate)
        self.repayment_method = repayment_method
        self.guarantee_type = guarantee_type
        self.branch = branch
        self.branches: list[tuple[date, str]] = [(value_date, branch)]
        """The loan's unit from each date on, oldest first (机构划转)."""
        self.purpose = purpose
        self.account_manager_id = account_manager_id
        self.account_managers: list[UUID] = [account_manager_id]
        self.b_manager_id: UUID | None = None
        self.manager_spells: list[tuple[date, UUID, UUID | None]] = [
            (value_date, account_manager_id, None)
        ]
        """The loan's account managers (A岗, B岗) from each date on, oldest first (管户)."""
        self.investigator_id = investigator_id
        self.origination_reviewer_id = origination_reviewer_id
        self.approver_id = approver_id
        self.booked_by_core = fed is not None
        """Whether the core system booked the loan (its ``Disbursed`` carries ``fed``): its
        origination record (贷前资料) is then filed apart (:meth:`file_origination_record`)."""
        self.origination_filed_on: date | None = None
        self.status = LoanStatus.ACTIVE
        self.grade = Grade.NORMAL
        self.sub_grade: str | None = None
        self.ever_non_performing = False
        self.days_overdue = 0
        self.most_days_overdue = 0
        self.overdue_principal = Decimal("0.00")
        self.overdue_interest = Decimal("0.00")
        self.overdue_as_of: date | None = None
        self.normal_repayments_since_arrears = 0
        self.last_repaid_on: date | None = None
        self.inspections: dict[UUID, Inspection] = {}
        self.proposals: dict[UUID, Proposal] = {}
        self.warnings: dict[UUID, WarningSignal] = {}
        self.collection_steps: dict[UUID, CollectionStep] = {}
        self.guarantees: dict[UUID, Guarantee] = {}
        self.observation = Observation()
        self.in_asset_preservation = False
        self.written_off_on: date | None = None
        self.settled_on: date | None = None
        self.determinations: dict[UUID, Determination] = {}
        self.objections: list[UUID] = []

    # ------------------------------------------------------------ data scope
    @property
    def managers(self) -> frozenset[UUID]:
        """Who manages the loan now (管户): its A岗, and its B岗 where it has one."""
        return frozenset(m for m in (self.account_manager_id, self.b_manager_id) if m)

    def branch_on(self, day: date) -> str:
        """The unit the loan belonged to on ``day``."""
        found = self.branches[0][1]
        for since, branch in self.branches:
            if since <= day:
                found = branch
        return found

    def managers_on(self, day: date) -> tuple[UUID, UUID | None]:
        """The loan's A岗 and B岗 on ``day``."""
        _since, a, b = self.manager_spells[0]
        for since, a_id, b_id in self.manager_spells:
            if since <= day:
                a, b = a_id, b_id
        return a, b

    def move(self, *, branch: str, moved_on: date, reason: str, actor: Actor) -> None:
        """Move the loan to another unit of the bank from ``moved_on`` (贷款划转)."""
        authorize(actor, Action.MOVE_LOAN)
        self.check_not_closed("划转机构", "move to another branch")
        branch = require_text(branch, "branch", max_length=100)
        if branch == self.branch:
            raise InvalidInputError(
                f"贷款 {self.loan_no} 已属 {branch}",
                f"loan {self.loan_no} already belongs to {branch}",
                field="branch",
            )
        self.check_business_date(moved_on, "moved_on")
        check_not_before(
            moved_on, self.branches[-1][0], field="moved_on", since_field="last_moved_on"
        )
        self._branch_changed(
            from_branch=self.branch,
            branch=branch,
            moved_on=moved_on,
            reason=require_text(reason, "reason"),
            actor_id=actor.id,
            role=actor.role,
            fed=None,
        )

    @event("BranchChanged")
    def _branch_changed(
        self,
        *,
        from_branch: str,
        branch: str,
        moved_on: date,
        reason: str,
        actor_id: UUID,
        role: Role,
        fed: dict[str, Any] | None = None,
    ) -> None:
        self.branch = branch
        self.branches.append((moved_on, branch))

    def assign_account_managers(
        self,
        *,
        a_manager: Party,
        b_manager: Party | None,
        assigned_on: date,
        reason: str,
        actor: Actor,
    ) -> None:
        """Assign the loan's account managers (管户, 双人管户): the A岗 who answers for it and,
        where the loan has one, the B岗 beside them; both hold the account manager role now."""
        authorize(actor, Action.ASSIGN_ACCOUNT_MANAGERS)
        self.check_not_closed("分派管户客户经理", "assign account managers")
        for party, post in ((a_manager, "A岗"), (b_manager, "B岗")):
            if party is not None and Role.ACCOUNT_MANAGER not in party.roles:
                raise InvalidInputError(
                    f"{post}须担任客户经理",
                    f"the {post} must hold the account manager role at this moment",
                    field="a_manager_no" if post == "A岗" else "b_manager_no",
                )
        b_id = b_manager.id if b_manager is not None else None
        if b_id == a_manager.id:
            raise SegregationOfDutiesError(
                "A岗与B岗须为两人（双人管户）",
                "the A岗 and the B岗 must be two different people",
            )
        if (a_manager.id, b_id) == (self.account_manager_id, self.b_manager_id):
            raise InvalidInputError(
                f"贷款 {self.loan_no} 的管户客户经理未变",
                f"loan {self.loan_no} already has these account managers",
            )
        self.check_business_date(assigned_on, "assigned_on")
        check_not_before(
            assigned_on,
            self.manager_spells[-1][0],
            field="assigned_on",
            since_field="managers_since",
        )
        self._account_managers_assigned(
            a_manager_id=a_manager.id,
            b_manager_id=b_id,
            previous_a_id=self.account_manager_id,
            previous_b_id=self.b_manager_id,
            assigned_on=assigned_on,
            reason=require_text(reason, "reason"),
            actor_id=actor.id,
            role=actor.role,
            fed=None,
        )

    @event("AccountManagersAssigned")
    def _account_managers_assigned(
        self,
        *,
        a_manager_id: UUID,
        b_manager_id: UUID | None,
        previous_a_id: UUID,
        previous_b_id: UUID | None,
        assigned_on: date,
        reason: str,
        actor_id: UUID,
        role: Role,
        fed: dict[str, Any] | None = None,
    ) -> None:
        if a_manager_id != self.account_manager_id:
            self.account_managers.append(a_manager_id)
        self.account_manager_id = a_manager_id
        self.b_manager_id = b_manager_id
        self.manager_spells.append((assigned_on, a_manager_id, b_manager_id))

    # ------------------------------------------------------------------ guards
    @property
    def is_retail(self) -> bool:
        return self.product.is_retail or self.borrower_type is BorrowerType.INDIVIDUAL

    def check_not_closed(self, what_zh: str, what_en: str) -> None:
        if self.status is LoanStatus.SETTLED:
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} 已结清，不能{what_zh}",
                f"loan {self.loan_no} is settled: cannot {what_en}",
                status=self.status.value,
            )

    def check_on_books(self, what_zh: str, what_en: str) -> None:
        self.check_not_closed(what_zh, what_en)
        if self.status is LoanStatus.WRITTEN_OFF:
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} 已核销，不能{what_zh}",
                f"loan {self.loan_no} is written off: cannot {what_en}",
                status=self.status.value,
            )

    def days_overdue_reached(self, on: date) -> int:
        """The most days overdue the loan has been by ``on``: as recorded, or running on since."""
        running = running_days_overdue(self.days_overdue, self.overdue_as_of, on)
        return max(self.most_days_overdue, running)

    def check_business_date(self, when: date, field: str) -> None:
        """Nothing happens to a loan before its value date (起息日)."""
        check_not_before(when, self.value_date, field=field, since_field="value_date")

    def _new(self, records: dict[UUID, Any], record_id: UUID, kind: str) -> None:
        if record_id in records:
            raise AlreadyExistsError(f"{kind} {record_id} 已存在", f"{kind} {record_id} exists")

    def _get(self, records: dict[UUID, Any], record_id: UUID, zh: str, en: str) -> Any:
        try:
            return records[record_id]
        except KeyError:
            raise NotFoundError(
                f"贷款 {self.loan_no} 没有{zh} {record_id}",
                f"loan {self.loan_no} has no {en} {record_id}",
            ) from None

    # ------------------------------------------------------- repayments, arrears
    # Kept from the events, with what was overdue when each repayment came in: the history the
    # repayment-behaviour indicator reads (domain/repayment_behaviour.py). Kept compact
    # (domain/loan/history.py): a loan fed every day holds hundreds of rows.
    def _repayment_rows(self) -> RepaymentRows:
        rows: RepaymentRows | None = self.__dict__.get("_repayments")
        if rows is None:
            rows = self.__dict__["_repayments"] = RepaymentRows()
        return rows

    def _arrears_rows(self) -> ArrearsRows:
        rows: ArrearsRows | None = self.__dict__.get("_arrears")
        if rows is None:
            rows = self.__dict__["_arrears"] = ArrearsRows()
        return rows

    @property
    def repayment_history(self) -> tuple[Repayment, ...]:
        """Every repayment recorded, oldest first."""
        rows: RepaymentRows | None = self.__dict__.get("_repayments")
        return rows.all() if rows is not None else ()

    @property
    def core_references(self) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
        """The core system's repayments by its transaction reference: principal, interest and
        penalty as last recorded or corrected (a re-sent reference is the same repayment)."""
        rows: RepaymentRows | None = self.__dict__.get("_repayments")
        return rows.references() if rows is not None else {}

    def core_reference(self, reference: str) -> tuple[Decimal, Decimal, Decimal] | None:
        """One reference of :attr:`core_references`, without building them all."""
        rows: RepaymentRows | None = self.__dict__.get("_repayments")
        return rows.reference(reference) if rows is not None else None

    @property
    def arrears_history(self) -> tuple[Arrears, ...]:
        """Every overdue status recorded (逾期情况), oldest first."""
        rows: ArrearsRows | None = self.__dict__.get("_arrears")
        return rows.all() if rows is not None else ()

    def record_repayment(
        self,
        *,
        paid_on: date,
        principal: Decimal,
        interest: Decimal,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Record a repayment (还款); after write-off it is a recovery (收回)."""
        authorize(actor, Action.RECORD_REPAYMENT)
        self.check_not_closed("登记还款", "record a repayment")
        self.check_business_date(paid_on, "paid_on")
        if self.status is LoanStatus.WRITTEN_OFF:  # a recovery (收回) follows the write-off
            check_not_before(
                paid_on, self.written_off_on, field="paid_on", since_field="written_off_on"
            )
        principal = money(principal, "principal")
        interest = money(interest, "interest")
        if principal + interest == 0:
            raise InvalidInputError("还款金额须大于零", "a repayment must be more than zero")
        if principal > self.balance:
            raise InvalidInputError(
                f"还本 {principal} 超过余额 {self.balance}",
                f"principal {principal} exceeds the balance {self.balance}",
                field="principal",
            )
        self._repayment_recorded(
            paid_on=paid_on,
            principal=principal,
            interest=interest,
            on_time=self.days_overdue == 0,
            recovery=self.status is LoanStatus.WRITTEN_OFF,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
            reference=None,
            penalty=None,
            fed=None,
        )

    @event("RepaymentRecorded")
    def _repayment_recorded(
        self,
        *,
        paid_on: date,
        principal: Decimal,
        interest: Decimal,
        on_time: bool,
        recovery: bool,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
        reference: str | None = None,
        penalty: Decimal | None = None,
        fed: dict[str, Any] | None = None,
    ) -> None:
        self._on_repayment_recorded(paid_on, principal, interest, on_time, reference, penalty)

    def _on_repayment_recorded(
        self,
        paid_on: date,
        principal: Decimal,
        interest: Decimal,
        on_time: bool,
        reference: str | None,
        penalty: Decimal | None,
    ) -> None:
        """What a recorded repayment changes: the event's ``apply``, which the core's commands
        also call directly (:func:`domain.loan.fed.trigger_applied`)."""
        repayment = Repayment(
            paid_on, principal + interest, on_time, self.overdue_principal + self.overdue_interest
        )
        amounts = (principal, interest, penalty or Decimal("0.00"))
        self._repayment_rows().append(repayment, reference, amounts)
        self.balance -= principal
        self.last_repaid_on = paid_on
        if on_time:
            self.normal_repayments_since_arrears += 1
        self.observation = self.observation.on_repayment(paid_on, on_time)

    def record_overdue(
        self,
        *,
        as_of: date,
        days_overdue: int,
        overdue_principal: Decimal,
        overdue_interest: Decimal,
        actor: Actor,
    ) -> None:
        """Record the overdue status as of a date (逾期情况); zero days means cured."""
        authorize(actor, Action.RECORD_OVERDUE)
        self.check_not_closed("登记逾期", "record overdue status")
        self.check_business_date(as_of, "as_of")
        if days_overdue < 0 or days_overdue > 36500:
            raise InvalidInputError("逾期天数无效", "days_overdue is out of range")
        check_not_before(as_of, self.overdue_as_of, field="as_of", since_field="overdue_as_of")
        overdue_principal = money(overdue_principal, "overdue_principal")
        overdue_interest = money(overdue_interest, "overdue_interest")
        if overdue_principal > self.balance:
            raise InvalidInputError("逾期本金超过余额", "overdue_principal exceeds the balance")
        if days_overdue == 0 and overdue_principal + overdue_interest > 0:
            raise InvalidInputError(
                "逾期天数为零时逾期金额须为零",
                "overdue amounts must be zero when days_overdue is 0",
            )
        if days_overdue > 0 and overdue_principal + overdue_interest == 0:
            raise InvalidInputError(
                "存在逾期天数时须登记逾期金额", "days_overdue > 0 needs an overdue amount"
            )
        self._overdue_recorded(
            as_of=as_of,
            days_overdue=days_overdue,
            overdue_principal=overdue_principal,
            overdue_interest=overdue_interest,
            actor_id=actor.id,
            role=actor.role,
            fed=None,
        )

    @event("OverdueStatusRecorded")
    def _overdue_recorded(
        self,
        *,
        as_of: date,
        days_overdue: int,
        overdue_principal: Decimal,
        overdue_interest: Decimal,
        actor_id: UUID,
        role: Role,
        fed: dict[str, Any] | None = None,
    ) -> None:
        self._on_overdue_recorded(as_of, days_overdue, overdue_principal, overdue_interest)

    def _on_overdue_recorded(
        self,
        as_of: date,
        days_overdue: int,
        overdue_principal: Decimal,
        overdue_interest: Decimal,
    ) -> None:
        """What recorded arrears change: the event's ``apply``, as for a repayment."""
        self._arrears_rows().append(as_of, days_overdue, overdue_principal, overdue_interest)
        if days_overdue > 0 and self.days_overdue == 0:
            self.normal_repayments_since_arrears = 0
            self.observation = self.observation.on_missed_payment(as_of)
        self.days_overdue = days_overdue
        self.most_days_overdue = max(self.most_days_overdue, days_overdue)
        self.overdue_principal = overdue_principal
        self.overdue_interest = overdue_interest
        self.overdue_as_of = as_of
