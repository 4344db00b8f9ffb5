"""Inspections (贷后检查), their corrections and the reviewer's countersign (复核意见)."""

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
from domain.values import Actor, DocumentRef, InspectionKind


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


class CountersignInspection(LoanCommand):
    """The named reviewer's countersign of an inspection (复核意见), with the measures proposed."""

    action = Action.COUNTERSIGN_INSPECTION
    path = ("loan_no", "inspection_id")

    inspection_id: UUID
    opinion: Text = Field(description="the reviewer's opinion (复核意见)")
    countersigned_on: date
    measures: Text | None = Field(
        default=None, description="measures the reviewer proposes (建议措施), if any"
    )


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

    @handles(CountersignInspection)
    def countersign_inspection(
        self, ctx: CommandContext, cmd: CountersignInspection, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Countersign an inspection as its named reviewer; the deadline is the rules' in force."""
        rules = self.rule_set()

        def countersign(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> None:
            inspection = loan.inspections.get(cmd.inspection_id)
            due = rules.countersign_due(inspection.inspected_on) if inspection else None
            loan.countersign_inspection(**cmd.arguments(), due_on=due, actor=actor, documents=refs)

        return self.for_loan(ctx, cmd, countersign, uploads)
