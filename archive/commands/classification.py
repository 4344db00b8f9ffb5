"""Five-level classification (五级分类): proposal, approval against the floors, rejection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from archive.core import ArchiveCore, CommandContext, CommandResult
from archive.documents.ingest import Upload
from archive.receipts import BorrowerIndex
from domain.authorization import Action
from domain.classification import Floor
from domain.loan import Loan
from domain.values import Actor, DocumentRef, Grade, LoanStatus


class ClassificationCommands(ArchiveCore):
    """Classification changes, with the statutory floors enforced at approval."""

    def propose_classification(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        grade: Grade,
        sub_grade: str | None,
        reason: str,
        as_of: date,
        uploads: Sequence[Upload] = (),
        proposal_id: UUID | None = None,
    ) -> CommandResult:
        new_id = proposal_id or uuid4()
        params = {"grade": grade, "sub_grade": sub_grade, "reason": reason, "as_of": as_of}

        def command(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> dict[str, str]:
            loan.propose_classification(
                proposal_id=new_id,
                grade=grade,
                sub_grade=sub_grade,
                reason=reason,
                as_of=as_of,
                scheme=self.rule_set().sub_grades,
                actor=actor,
                documents=refs,
            )
            return {"proposal_id": str(new_id)}

        return self.on_loan(ctx, Action.PROPOSE_CLASSIFICATION, loan_no, params, command, uploads)

    def approve_classification(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        proposal_id: UUID,
        reason: str,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        def command(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> None:
            loan.approve_classification(
                proposal_id=proposal_id,
                reason=reason,
                policy=self.rule_set().floor_policy,
                borrower_npl_share=self.borrower_npl_share(loan),
                actor=actor,
                documents=refs,
            )

        def borrower_index(loan: Loan) -> list[Aggregate]:
            try:
                index: Aggregate = self.repository.get(BorrowerIndex.create_id(loan.borrower_id))
            except AggregateNotFoundError:
                return []
            assert isinstance(index, BorrowerIndex)
            index.note_grade(loan_id=loan.id, grade=loan.grade.value)
            return [index]

        params = {"proposal_id": proposal_id, "reason": reason}
        return self.on_loan(
            ctx,
            Action.APPROVE_CLASSIFICATION,
            loan_no,
            params,
            command,
            uploads,
            co_saved=borrower_index,
        )

    def reject_classification(
        self, ctx: CommandContext, loan_no: str, *, proposal_id: UUID, reason: str
    ) -> CommandResult:
        params = {"proposal_id": proposal_id, "reason": reason}
        return self.on_loan(
            ctx,
            Action.REJECT_CLASSIFICATION,
            loan_no,
            params,
            lambda loan, actor, refs: loan.reject_classification(
                proposal_id=proposal_id, reason=reason, actor=actor
            ),
        )

    def borrower_npl_share(self, loan: Loan) -> Decimal | None:
        """Share of the borrower's outstanding claims that are non-performing."""
        try:
            index: Aggregate = self.repository.get(BorrowerIndex.create_id(loan.borrower_id))
        except AggregateNotFoundError:
            return None
        assert isinstance(index, BorrowerIndex)
        total = npl = Decimal(0)
        for loan_id in index.loan_ids:
            other = loan if loan_id == loan.id else self.repository.get(loan_id)
            assert isinstance(other, Loan)
            if other.status is not LoanStatus.ACTIVE:
                continue
            total += other.balance
            if other.grade.is_non_performing:
                npl += other.balance
        return (npl / total) if total else None

    def floor_of(self, ctx: CommandContext, loan_no: str, as_of: date) -> tuple[Grade, Floor]:
        """The loan's current grade and its statutory floor as of a date."""
        self.authorize_read(ctx)
        loan = self.loan(loan_no)
        floor = loan.floor(as_of, self.rule_set().floor_policy, self.borrower_npl_share(loan))
        assert isinstance(floor, Floor)
        return loan.grade, floor
