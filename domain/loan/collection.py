"""Collection (催收): the steps of the ladder actually taken."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.authorization import Action, authorize
from domain.errors import InvalidInputError, InvalidTransitionError
from domain.loan.core import Docs
from domain.loan.warnings import LoanWarnings
from domain.records import CollectionStep
from domain.values import (
    Actor,
    CollectionStepKind,
    DocumentRef,
    LoanStatus,
    Role,
    require_text,
)


class LoanCollection(LoanWarnings):
    """Collection steps taken on an overdue or written-off loan."""

    def take_collection_step(
        self,
        *,
        step_id: UUID,
        kind: CollectionStepKind,
        taken_on: date,
        days_overdue: int,
        outcome: str,
        promised_date: date | None,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Record a collection step with its outcome and any promised date."""
        authorize(actor, Action.TAKE_COLLECTION_STEP)
        self.check_not_closed("催收", "take a collection step")
        self.check_business_date(taken_on, "taken_on")
        self._new(self.collection_steps, step_id, "催收/collection step")
        if self.days_overdue == 0 and self.status is not LoanStatus.WRITTEN_OFF:
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} 未逾期，不能催收",
                f"loan {self.loan_no} is not overdue: nothing to collect",
            )
        if days_overdue < 0:
            raise InvalidInputError("逾期天数无效", "days_overdue must not be negative")
        if promised_date is not None and promised_date < taken_on:
            raise InvalidInputError("承诺还款日早于催收日", "promised_date is before taken_on")
        self._collection_step_taken(
            step_id=step_id,
            kind=kind,
            taken_on=taken_on,
            days_overdue=days_overdue,
            outcome=require_text(outcome, "outcome"),
            promised_date=promised_date,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("CollectionStepTaken")
    def _collection_step_taken(
        self,
        *,
        step_id: UUID,
        kind: CollectionStepKind,
        taken_on: date,
        days_overdue: int,
        outcome: str,
        promised_date: date | None,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.collection_steps[step_id] = CollectionStep(
            step_id, kind, taken_on, days_overdue, outcome, promised_date
        )
