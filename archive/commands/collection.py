"""Collection (催收): the steps of the ladder taken on a loan in arrears."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID, uuid4

from archive.core import ArchiveCore, CommandContext, CommandResult
from archive.documents.ingest import Upload
from domain.authorization import Action
from domain.loan import Loan
from domain.values import Actor, CollectionStepKind, DocumentRef


class CollectionCommands(ArchiveCore):
    """Getting the money back: notices, visits, letters, litigation."""

    def take_collection_step(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        kind: CollectionStepKind,
        taken_on: date,
        days_overdue: int,
        outcome: str,
        promised_date: date | None = None,
        uploads: Sequence[Upload] = (),
        step_id: UUID | None = None,
    ) -> CommandResult:
        new_id = step_id or uuid4()
        params = {
            "kind": kind,
            "taken_on": taken_on,
            "days_overdue": days_overdue,
            "outcome": outcome,
            "promised_date": promised_date,
        }

        def command(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> dict[str, str]:
            loan.take_collection_step(
                step_id=new_id,
                kind=kind,
                taken_on=taken_on,
                days_overdue=days_overdue,
                outcome=outcome,
                promised_date=promised_date,
                actor=actor,
                documents=refs,
            )
            return {"step_id": str(new_id)}

        return self.on_loan(ctx, Action.TAKE_COLLECTION_STEP, loan_no, params, command, uploads)
