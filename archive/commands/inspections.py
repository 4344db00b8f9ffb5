"""Inspections (贷后检查) and their corrections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID, uuid4

from archive.core import ArchiveCore, CommandContext, CommandResult
from archive.documents.ingest import Upload
from domain.authorization import Action
from domain.loan import Loan
from domain.values import Actor, DocumentRef, InspectionKind


class InspectionCommands(ArchiveCore):
    """Inspections of the borrower, recorded and corrected."""

    def record_inspection(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        kind: InspectionKind,
        inspected_on: date,
        reviewer_no: str,
        findings: str,
        uploads: Sequence[Upload] = (),
        inspection_id: UUID | None = None,
    ) -> CommandResult:
        new_id = inspection_id or uuid4()
        params = {
            "kind": kind,
            "inspected_on": inspected_on,
            "reviewer_no": reviewer_no,
            "findings": findings,
        }

        def command(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> dict[str, str]:
            loan.record_inspection(
                inspection_id=new_id,
                kind=kind,
                inspected_on=inspected_on,
                reviewer=self.party(reviewer_no),
                findings=findings,
                actor=actor,
                documents=refs,
            )
            return {"inspection_id": str(new_id)}

        return self.on_loan(ctx, Action.RECORD_INSPECTION, loan_no, params, command, uploads)

    def correct_inspection(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        inspection_id: UUID,
        findings: str,
        reason: str,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        params = {"inspection_id": inspection_id, "findings": findings, "reason": reason}
        return self.on_loan(
            ctx,
            Action.CORRECT_INSPECTION,
            loan_no,
            params,
            lambda loan, actor, refs: loan.correct_inspection(
                inspection_id=inspection_id,
                findings=findings,
                reason=reason,
                actor=actor,
                documents=refs,
            ),
            uploads,
        )
