"""Restructuring, extension, handover, asset preservation, write-off, settlement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.authorization import Action, authorize
from domain.classification import FloorPolicy, Observation
from domain.dates import check_not_before
from domain.errors import InvalidInputError, InvalidTransitionError, SegregationOfDutiesError
from domain.loan.collection import LoanCollection
from domain.loan.core import Docs
from domain.records import note_loss
from domain.values import (
    Actor,
    DocumentRef,
    Grade,
    LoanStatus,
    LossKind,
    Party,
    RepaymentMethod,
    Role,
    WriteOffCriterion,
    money,
    require_text,
)


class LoanWorkout(LoanCollection):
    """Changing the terms of a loan, or ending it."""

    def restructure(
        self,
        *,
        restructured_on: date,
        new_maturity_date: date,
        new_interest_rate: str,
        terms: str,
        reason: str,
        policy: FloorPolicy,
        actor: Actor,
        documents: Docs = (),
        new_repayment_method: RepaymentMethod | None = None,
    ) -> None:
        """Restructure (重组): starts, or restarts, the observation period.

        Among its risk measures (风控措施) the rate and maturity change, and the repayment
        method may (``new_repayment_method``, 变更还款方式)."""
        authorize(actor, Action.RESTRUCTURE)
        self.check_on_books("重组", "restructure")
        self.check_business_date(restructured_on, "restructured_on")
        if new_maturity_date <= restructured_on:
            raise InvalidInputError("重组后到期日须晚于重组日", "new maturity must follow it")
        self._restructured(
            restructured_on=restructured_on,
            new_maturity_date=new_maturity_date,
            new_interest_rate=new_interest_rate,
            terms=require_text(terms, "terms"),
            reason=require_text(reason, "reason"),
            grade_at_restructuring=self.grade,
            during_observation=self.observation.is_running(restructured_on),
            observation_min_periods=policy.observation_min_periods,
            observation_min_days=policy.observation_min_days,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
            new_repayment_method=new_repayment_method,
        )

    @event("Restructured")
    def _restructured(
        self,
        *,
        restructured_on: date,
        new_maturity_date: date,
        new_interest_rate: str,
        terms: str,
        reason: str,
        grade_at_restructuring: Grade,
        during_observation: bool,
        observation_min_periods: int,
        observation_min_days: int,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
        new_repayment_method: RepaymentMethod | None = None,
    ) -> None:
        if new_repayment_method is not None:
            self.repayment_method = new_repayment_method
        self.observation = Observation(
            restructured_count=self.observation.restructured_count + 1,
            grade_at_restructuring=grade_at_restructuring,
            restructured_again_during=during_observation,
            min_periods=observation_min_periods,
            min_days=observation_min_days,
        )
        self.term.history.append(("restructured", self.term.maturity_date))
        self.term.maturity_date = new_maturity_date
        self.term.interest_rate = new_interest_rate

    def extend(
        self,
        *,
        approved_on: date,
        new_maturity_date: date,
        reason: str,
        actor: Actor,
        documents: Docs = (),
        applications: Sequence[str] = (),
    ) -> None:
        """Extend the maturity (展期); approved before the loan falls due.

        ``applications`` are the hashes of the application materials (展期申请资料) filed in
        the dossier beforehand; the approval cites those no earlier extension cited."""
        authorize(actor, Action.EXTEND)
        self.check_on_books("展期", "extend")
        self.check_business_date(approved_on, "approved_on")
        if approved_on > self.term.maturity_date:
            raise InvalidTransitionError(
                f"展期须在到期日 {self.term.maturity_date} 前批准",
                f"an extension must be approved by the maturity date {self.term.maturity_date}",
            )
        if new_maturity_date <= self.term.maturity_date:
            raise InvalidInputError(
                "展期后到期日须晚于原到期日", "new_maturity_date must be after the current one"
            )
        cited = [a for a in dict.fromkeys(applications) if a not in self.cited_applications]
        self._extended(
            approved_on=approved_on,
            previous_maturity_date=self.term.maturity_date,
            new_maturity_date=new_maturity_date,
            reason=require_text(reason, "reason"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
            applications=cited or None,
            fed=None,
        )

    # Loans disbursed before extensions cited their applications have cited none: the
    # property reads the state with its default (see LoanWatch).
    @property
    def cited_applications(self) -> frozenset[str]:
        """The application materials (展期申请资料) extensions have cited, by hash."""
        found: frozenset[str] = self.__dict__.get("_cited_applications", frozenset())
        return found

    @event("Extended")
    def _extended(
        self,
        *,
        approved_on: date,
        previous_maturity_date: date,
        new_maturity_date: date,
        reason: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
        applications: list[str] | None = None,
        fed: dict[str, Any] | None = None,
    ) -> None:
        if applications:
            self.__dict__["_cited_applications"] = self.cited_applications | set(applications)
        self.term.history.append(("extended", previous_maturity_date))
        self.term.maturity_date = new_maturity_date
        self.term.extensions += 1

    def hand_over(
        self,
        *,
        handed_over_on: date,
        receiving: Party,
        reason: str,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Hand the loan to another account manager (客户经理变更), the actor supervising."""
        authorize(actor, Action.HAND_OVER)
        self.check_not_closed("移交客户经理", "hand over")
        self.check_business_date(handed_over_on, "handed_over_on")
        handing_id = self.account_manager_id
        if receiving.id == handing_id:
            raise InvalidInputError(
                "接收人与移交人相同", "the receiving party is the handing party"
            )
        if actor.id in (handing_id, receiving.id):
            raise SegregationOfDutiesError(
                "监交人不能是移交人或接收人",
                "the supervisor of a handover may be neither the handing nor the receiving party",
            )
        if Role.ACCOUNT_MANAGER not in receiving.roles:
            raise InvalidInputError(
                "接收人须担任客户经理", "the receiving party must hold the account manager role"
            )
        self._handed_over(
            handed_over_on=handed_over_on,
            handing_id=handing_id,
            receiving_id=receiving.id,
            supervisor_id=actor.id,
            reason=require_text(reason, "reason"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("AccountManagerHandedOver")
    def _handed_over(
        self,
        *,
        handed_over_on: date,
        handing_id: UUID,
        receiving_id: UUID,
        supervisor_id: UUID,
        reason: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.account_manager_id = receiving_id
        self.account_managers.append(receiving_id)
        if self.b_manager_id == receiving_id:  # the B岗 takes over as A岗: no B岗 is left
            self.b_manager_id = None
        self.manager_spells.append((handed_over_on, receiving_id, self.b_manager_id))

    def transfer_to_asset_preservation(
        self, *, transferred_on: date, reason: str, actor: Actor, documents: Docs = ()
    ) -> None:
        """Hand a non-performing loan to the asset preservation department (资产保全)."""
        authorize(actor, Action.TRANSFER_TO_PRESERVATION)
        self.check_not_closed("移交资产保全", "transfer to asset preservation")
        if self.in_asset_preservation:
            raise InvalidTransitionError("已移交资产保全", "already with asset preservation")
        if not self.grade.is_non_performing:
            raise InvalidTransitionError(
                f"仅不良贷款可移交资产保全（当前为{self.grade.zh}）",
                f"only a non-performing loan may be transferred (it is {self.grade.value})",
            )
        self._transferred_to_preservation(
            transferred_on=transferred_on,
            reason=require_text(reason, "reason"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("TransferredToAssetPreservation")
    def _transferred_to_preservation(
        self,
        *,
        transferred_on: date,
        reason: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.in_asset_preservation = True

    def return_from_asset_preservation(
        self, *, returned_on: date, reason: str, actor: Actor, documents: Docs = ()
    ) -> None:
        """Hand a loan upgraded back to performing from asset preservation to the customer
        department (退回客户部管理, 004-11)."""
        authorize(actor, Action.TRANSFER_TO_PRESERVATION)
        self.check_not_closed("退回客户部", "hand back from asset preservation")
        self.check_business_date(returned_on, "returned_on")
        if not self.in_asset_preservation:
            raise InvalidTransitionError(
                "贷款未移交资产保全，无需退回", "the loan is not with asset preservation"
            )
        if self.grade.is_non_performing:
            raise InvalidTransitionError(
                f"不良贷款由资产保全部门牵头，不能退回（当前为{self.grade.zh}）",
                f"a non-performing loan stays with asset preservation (it is {self.grade.value})",
            )
        self._returned_from_preservation(
            returned_on=returned_on,
            reason=require_text(reason, "reason"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("ReturnedFromAssetPreservation")
    def _returned_from_preservation(
        self,
        *,
        returned_on: date,
        reason: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.in_asset_preservation = False

    def write_off(
        self,
        *,
        written_off_on: date,
        criterion: WriteOffCriterion,
        reason: str,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Write the loan off (核销) on a recognised ground, with evidence; 账销案存."""
        authorize(actor, Action.WRITE_OFF)
        self.check_on_books("核销", "write off")
        self.check_business_date(written_off_on, "written_off_on")
        if not self.grade.is_non_performing:
            raise InvalidTransitionError(
                f"仅不良贷款可核销（当前为{self.grade.zh}）",
                f"only a non-performing loan may be written off (it is {self.grade.value})",
            )
        if not documents:
            raise InvalidInputError(
                "核销须附证据材料", "a write-off needs the evidence that meets its criterion"
            )
        self._written_off(
            written_off_on=written_off_on,
            criterion=criterion,
            amount=self.balance,
            reason=require_text(reason, "reason"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("WrittenOff")
    def _written_off(
        self,
        *,
        written_off_on: date,
        criterion: WriteOffCriterion,
        amount: Decimal,
        reason: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.status = LoanStatus.WRITTEN_OFF
        self.written_off_on = written_off_on
        note_loss(self.__dict__, LossKind.WRITE_OFF, written_off_on, amount)

    def settle(self, *, settled_on: date, actor: Actor, documents: Docs = ()) -> None:
        """Close the loan (结清) once nothing is owed, or recovery has ended."""
        authorize(actor, Action.SETTLE)
        self.check_not_closed("再次结清", "settle")
        self.check_business_date(settled_on, "settled_on")
        check_not_before(
            settled_on, self.last_repaid_on, field="settled_on", since_field="last_repaid_on"
        )
        check_not_before(
            settled_on, self.written_off_on, field="settled_on", since_field="written_off_on"
        )
        if self.status is LoanStatus.ACTIVE and (self.balance != 0 or self.overdue_interest != 0):
            raise InvalidTransitionError(
                f"贷款尚有余额 {self.balance}、欠息 {self.overdue_interest}，不能结清",
                f"loan still owes {self.balance} principal and {self.overdue_interest} "
                "interest: cannot settle",
                balance=str(self.balance),
            )
        self._settled(
            settled_on=settled_on,
            outstanding=money(self.balance, "balance"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
            how=None,
            fed=None,
        )

    @event("Settled")
    def _settled(
        self,
        *,
        settled_on: date,
        outstanding: Decimal,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
        how: str | None = None,
        fed: dict[str, Any] | None = None,
    ) -> None:
        if self.status is LoanStatus.WRITTEN_OFF and outstanding > 0:
            note_loss(self.__dict__, LossKind.SETTLED_WITH_LOSS, settled_on, outstanding)
        self.status = LoanStatus.SETTLED
        self.settled_on = settled_on
