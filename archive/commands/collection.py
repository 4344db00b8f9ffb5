"""Collection (催收): the steps of the ladder taken on a loan in arrears."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from pydantic import Field, field_validator

from archive.commands import LoanCommand, handles
from archive.core import ArchiveCore, CommandContext, CommandResult
from archive.documents.ingest import Upload
from archive.documents.paperwork import (
    GUARANTOR_NOTICE_TYPE,
    arrears_notice_upload,
    guarantor_notice_upload,
)
from archive.fields import DaysOverdue, Short, StaffNumber, Text
from domain.authorization import Action
from domain.errors import DomainError
from domain.loan.collection import rung_of
from domain.values import CollectionPlan, CollectionStepKind


class TakeCollectionStep(LoanCommand):
    action = Action.TAKE_COLLECTION_STEP
    assigned = ("step_id",)

    kind: CollectionStepKind
    taken_on: date
    days_overdue: DaysOverdue
    outcome: Text
    promised_date: date | None = None
    legal_adviser: Short | None = Field(
        default=None, description="the legal adviser informed of the arrears (法律顾问)"
    )
    participants: list[StaffNumber] | None = Field(
        default=None,
        max_length=10,
        description="staff numbers of the others taking part (参与人员：贷后人员、主管级以上领导)",
    )
    cause: Text | None = Field(
        default=None, description="the cause of the arrears found and verified (逾期原因)"
    )
    plan: CollectionPlan | None = Field(
        default=None,
        description="the plan a revised plan settles on (催收方案); recall = 提前收回贷款",
    )
    step_id: UUID = Field(default_factory=uuid4)

    @field_validator("participants", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        """Staff numbers typed on one line (a form's text field), separated by commas or 、."""
        if isinstance(value, str):
            parts = value.replace("，", ",").replace("、", ",").split(",")
            return [p.strip() for p in parts if p.strip()] or None
        return value

    def params(self) -> dict[str, Any]:
        """The fingerprint's fields: a step naming no legal adviser, participant, cause or plan
        exactly as before these were recorded (a client retrying after the upgrade is still
        recognised)."""
        return {
            name: value
            for name, value in super().params().items()
            if name not in OPTIONAL or value is not None
        }


OPTIONAL = frozenset({"legal_adviser", "participants", "cause", "plan"})
"""Fields added to the step after its first release."""


class CollectionCommands(ArchiveCore):
    """Getting the money back: notices, visits, letters, litigation."""

    @handles(TakeCollectionStep)
    def take_collection_step(
        self, ctx: CommandContext, cmd: TakeCollectionStep, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record a step of the collection ladder (催收) with its outcome.

        A step notifying the guarantors (通知保证人) with no notice uploaded files the notice
        generated from the guarantees registered on the loan (保证人履行担保责任通知书).
        """
        notice = self._guarantor_notice(cmd, uploads)
        generated = [notice] if notice is not None else []
        generated += self._arrears_notices(cmd, uploads)
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.take_collection_step(
                **cmd.arguments("participants"),
                participants=[self.party(no) for no in cmd.participants or ()],
                decision_levels=self.rule_set().collection_decision_levels,
                ladder=self.rule_set().collection_ladder,
                actor=actor,
                documents=refs,
            ),
            [*uploads, *generated],
        )

    def _arrears_notices(self, cmd: TakeCollectionStep, uploads: Sequence[Upload]) -> list[Upload]:
        """The notices the rung the step answers names (``notices``: 付息通知书, 逾期缴款通知书)
        that the step does not upload, generated from the loan's arrears."""
        rung = rung_of(self.rule_set().collection_ladder, cmd.kind, cmd.days_overdue)
        if rung is None or not rung.notices:
            return []
        try:
            loan = self.loan(cmd.loan_no)
        except DomainError:
            return []  # the command path refuses it, in its order
        uploaded = {u.doc_type for u in uploads}
        notices = (
            arrears_notice_upload(
                loan, doc_type, served_on=cmd.taken_on, days_overdue=cmd.days_overdue
            )
            for doc_type in rung.notices
            if doc_type not in uploaded
        )
        return [n for n in notices if n is not None]

    def _guarantor_notice(
        self, cmd: TakeCollectionStep, uploads: Sequence[Upload]
    ) -> Upload | None:
        if cmd.kind is not CollectionStepKind.GUARANTOR_NOTIFIED:
            return None
        if any(u.doc_type == GUARANTOR_NOTICE_TYPE for u in uploads):
            return None
        try:
            loan = self.loan(cmd.loan_no)
        except DomainError:
            return None  # the command path refuses it, in its order
        return guarantor_notice_upload(
            loan, notified_on=cmd.taken_on, days_overdue=cmd.days_overdue
        )
