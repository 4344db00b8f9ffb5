"""Five-level classification (五级分类): proposal (初分), determination (认定) and approval (审批)
against the floors, rejection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from pydantic import Field

from archive.commands import LoanCommand, handles
from archive.core import ArchiveCore, CommandContext, CommandResult
from archive.documents.ingest import Upload
from archive.fields import MULTILINE, ONE_LINE, Text
from archive.receipts import BorrowerIndex
from domain.authorization import Action
from domain.classification import Floor
from domain.loan import Loan
from domain.values import Actor, DocumentRef, Grade, LoanStatus


class ProposeClassification(LoanCommand):
    action = Action.PROPOSE_CLASSIFICATION
    assigned = ("proposal_id",)

    grade: Grade
    sub_grade: Annotated[str, Field(max_length=64), ONE_LINE] | None = None
    reason: Text
    as_of: date
    proposal_id: UUID = Field(default_factory=uuid4)
    # How the grade was reached (CLS-21): 系统初始定级, 风险因子调整, 人工调整.
    system_grade: Grade | None = None
    factor_grade: Grade | None = None
    risk_factors: Annotated[str, Field(max_length=2000), MULTILINE] | None = None
    adjustment_reason: Annotated[str, Field(max_length=2000), MULTILINE] | None = None

    def params(self) -> dict[str, Any]:
        """The fingerprint's fields: a proposal saying nothing of how its grade was reached
        exactly as before these were recorded (a client retrying after the upgrade is still
        recognised)."""
        return {
            name: value
            for name, value in super().params().items()
            if name not in DERIVATION or value is not None
        }


DERIVATION = frozenset({"system_grade", "factor_grade", "risk_factors", "adjustment_reason"})


class DetermineClassification(LoanCommand):
    action = Action.DETERMINE_CLASSIFICATION
    path = ("loan_no", "proposal_id")

    proposal_id: UUID
    grade: Grade
    sub_grade: Annotated[str, Field(max_length=64), ONE_LINE] | None = None
    reason: Text


class ApproveClassification(LoanCommand):
    action = Action.APPROVE_CLASSIFICATION
    path = ("loan_no", "proposal_id")

    proposal_id: UUID
    reason: Text


class RejectClassification(LoanCommand):
    action = Action.REJECT_CLASSIFICATION
    path = ("loan_no", "proposal_id")
    files_documents = False

    proposal_id: UUID
    reason: Text


class ClassificationCommands(ArchiveCore):
    """Classification changes, with the statutory floors enforced at approval."""

    @handles(ProposeClassification)
    def propose_classification(
        self, ctx: CommandContext, cmd: ProposeClassification, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Propose a grade (初分); others determine it (认定) and approve it (审批)."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.propose_classification(
                **cmd.arguments(),
                scheme=self.rule_set().sub_grades,
                actor=actor,
                documents=refs,
                determination_required=self.rule_set().determination_required,
            ),
            uploads,
        )

    @handles(DetermineClassification)
    def determine_classification(
        self, ctx: CommandContext, cmd: DetermineClassification, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Determine (认定) a proposal: confirm its grade or set another, never above the floor;
        refused to its proposer."""

        def command(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> None:
            rules = self.rule_set()
            loan.determine_classification(
                **cmd.arguments(),
                scheme=rules.sub_grades,
                policy=rules.floor_policy,
                borrower_npl_share=self.borrower_npl_share(loan),
                actor=actor,
                documents=refs,
            )

        return self.for_loan(ctx, cmd, command, uploads)

    @handles(ApproveClassification)
    def approve_classification(
        self, ctx: CommandContext, cmd: ApproveClassification, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Approve (审批); refused above the statutory floor, by the proposer or the determiner,
        and before the determination (认定) when the rules in force require one."""

        read: list[BorrowerIndex | None] = []

        def command(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> None:
            rules = self.rule_set()
            read.append(self._borrower_index(loan))
            loan.approve_classification(
                **cmd.arguments(),
                policy=rules.floor_policy,
                determination_required=rules.determination_required,
                borrower_npl_share=self.borrower_npl_share(loan, read[-1]),
                actor=actor,
                documents=refs,
            )

        def borrower_index(loan: Loan) -> list[Aggregate]:
            # The index the floor was judged on, saved at the version read: an approval of
            # another of the borrower's loans saved in between makes this save conflict.
            index = read[-1] if read else self._borrower_index(loan)
            if index is None:
                return []
            index.note_grade(loan_id=loan.id, grade=loan.grade.value)
            return [index]

        return self.for_loan(ctx, cmd, command, uploads, co_saved=borrower_index)

    @handles(RejectClassification)
    def reject_classification(
        self, ctx: CommandContext, cmd: RejectClassification
    ) -> CommandResult:
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.reject_classification(**cmd.arguments(), actor=actor),
        )

    def _borrower_index(self, loan: Loan) -> BorrowerIndex | None:
        """The index of the borrower's loans, None before any loan of theirs named it."""
        try:
            index: Aggregate = self.repository.get(BorrowerIndex.create_id(loan.borrower_id))
        except AggregateNotFoundError:
            return None
        assert isinstance(index, BorrowerIndex)
        return index

    def borrower_npl_share(self, loan: Loan, read: BorrowerIndex | None = None) -> Decimal | None:
        """Share of the borrower's outstanding claims that are non-performing."""
        index = read if read is not None else self._borrower_index(loan)
        if index is None:
            return None
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
