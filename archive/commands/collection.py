"""Collection (催收): the steps of the ladder taken on a loan in arrears."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID, uuid4

from pydantic import Field

from archive.commands import LoanCommand, handles
from archive.core import ArchiveCore, CommandContext, CommandResult
from archive.documents.ingest import Upload
from archive.fields import DaysOverdue, Short, Text
from domain.authorization import Action
from domain.values import CollectionStepKind


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
    step_id: UUID = Field(default_factory=uuid4)


class CollectionCommands(ArchiveCore):
    """Getting the money back: notices, visits, letters, litigation."""

    @handles(TakeCollectionStep)
    def take_collection_step(
        self, ctx: CommandContext, cmd: TakeCollectionStep, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record a step of the collection ladder (催收) with its outcome."""

        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.take_collection_step(
                **cmd.arguments(),
                ladder=self.rule_set().collection_ladder,
                actor=actor,
                documents=refs,
            ),
            uploads,
        )
