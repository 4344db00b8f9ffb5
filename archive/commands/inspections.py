"""Inspections (贷后检查) and their corrections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID, uuid4

from pydantic import Field

from archive.commands import LoanCommand, handles
from archive.core import ArchiveCore, CommandContext, CommandResult
from archive.documents.ingest import Upload
from archive.fields import Short, Text
from domain.authorization import Action
from domain.loan import Loan
from domain.values import InspectionKind


class RecordInspection(LoanCommand):
    """An inspection of the borrower (贷后检查) by the caller, with the reviewer who countersigns."""

    action = Action.RECORD_INSPECTION
    assigned = ("inspection_id",)

    kind: InspectionKind
    inspected_on: date
    reviewer_no: Short = Field(description="staff number of the reviewer (复核人)")
    findings: Text
    inspection_id: UUID = Field(default_factory=uuid4)


class CorrectInspection(LoanCommand):
    """New findings for a recorded inspection, and why."""

    action = Action.CORRECT_INSPECTION
    path = ("loan_no", "inspection_id")

    inspection_id: UUID
    findings: Text
    reason: Text


class InspectionCommands(ArchiveCore):
    """Inspections of the borrower, recorded and corrected."""

    @handles(RecordInspection)
    def record_inspection(
        self, ctx: CommandContext, cmd: RecordInspection, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record an inspection by the caller, countersigned by a different reviewer."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.record_inspection(
                **cmd.arguments("reviewer_no"),
                reviewer=self.party(cmd.reviewer_no),
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    @handles(CorrectInspection)
    def correct_inspection(
        self, ctx: CommandContext, cmd: CorrectInspection, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Correct an inspection by a new event that points at it."""
        return self.record_on_loan(ctx, cmd, Loan.correct_inspection, uploads)
