"""三个不放过: a loss's cause, persons responsible and measures recorded, then closed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID, uuid4

from pydantic import Field

from archive.commands import LoanCommand, handles
from archive.core import ArchiveCore, CommandContext, CommandResult
from archive.documents.ingest import Upload
from archive.fields import StaffNumber, Text
from domain.authorization import Action
from domain.loan import Loan
from domain.values import LossKind


class LossFindings(LoanCommand):
    """What a loss review finds: each part optional until the review is closed."""

    analysed_on: date
    cause: Text | None = Field(default=None, description="the cause of the loss found (原因)")
    responsible: list[StaffNumber] | None = Field(
        default=None, max_length=20, description="staff numbers of the persons responsible"
    )
    measures: Text | None = Field(
        default=None,
        description="the remedial and collection-preservation measures (整改、清收保全措施)",
    )
    measures_owner: StaffNumber | None = Field(
        default=None, description="staff number of the person who owns the measures"
    )


class RecordLossReview(LossFindings):
    action = Action.RECORD_LOSS_REVIEW
    assigned = ("review_id",)

    loss: LossKind
    loss_on: date = Field(description="the day of the loss (核销日, 结清日, 分类基准日)")
    review_id: UUID = Field(default_factory=uuid4)


class AmendLossReview(LossFindings):
    action = Action.RECORD_LOSS_REVIEW
    path = ("loan_no", "review_id")

    review_id: UUID


class CloseLossReview(LoanCommand):
    action = Action.CLOSE_LOSS_REVIEW
    path = ("loan_no", "review_id")

    review_id: UUID
    closed_on: date
    opinion: Text


class LossCommands(ArchiveCore):
    """The reviews of a loan's losses (三个不放过)."""

    def _findings(self, cmd: LossFindings) -> dict[str, object]:
        return {
            "analysed_on": cmd.analysed_on,
            "cause": cmd.cause,
            "responsible": [self.party(no) for no in cmd.responsible or ()],
            "measures": cmd.measures,
            "measures_owner": self.party(cmd.measures_owner) if cmd.measures_owner else None,
        }

    @handles(RecordLossReview)
    def record_loss_review(
        self, ctx: CommandContext, cmd: RecordLossReview, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Open the review of a loss with what is found so far."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.record_loss_review(
                review_id=cmd.review_id,
                loss=cmd.loss,
                loss_on=cmd.loss_on,
                **self._findings(cmd),  # type: ignore[arg-type]
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    @handles(AmendLossReview)
    def amend_loss_review(
        self, ctx: CommandContext, cmd: AmendLossReview, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Add to, or correct, an open loss review."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.amend_loss_review(
                review_id=cmd.review_id,
                **self._findings(cmd),  # type: ignore[arg-type]
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    @handles(CloseLossReview)
    def close_loss_review(
        self, ctx: CommandContext, cmd: CloseLossReview, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Close a loss review once all three are recorded (办结)."""
        return self.record_on_loan(ctx, cmd, Loan.close_loss_review, uploads)
