"""Disbursement, repayments, arrears and settlement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import Field

from archive.commands import Command, LoanCommand, handles
from archive.core import (
    ArchiveCore,
    CommandContext,
    CommandResult,
    Work,
    start_retention_on_close,
)
from archive.documents.ingest import Upload
from archive.fields import (
    ONE_LINE,
    DaysOverdue,
    Money,
    Number,
    PositiveMoney,
    Rate,
    Sentence,
    Short,
)
from archive.receipts import BorrowerIndex
from domain.authorization import Action
from domain.dossier import Dossier
from domain.errors import AlreadyExistsError, FedByCoreError, InvalidInputError, NotFoundError
from domain.industry import Industry
from domain.loan import Loan
from domain.values import (
    Actor,
    BorrowerType,
    DocumentRef,
    GuaranteeType,
    Party,
    Product,
    RepaymentMethod,
)


# A disbursement (放款): the loan's facts, and who investigated, reviewed and approved it. (A
# comment, not a docstring: the OpenAPI's DisbursementCreate has never had a description.)
class Disburse(Command):
    action = Action.DISBURSE
    # The people are named in a request as ``investigator``, ``origination_reviewer`` and
    # ``approver``; the fingerprint has always called them by their ``_no`` names, and left out
    # those not named.
    parties: ClassVar[tuple[str, ...]] = (
        "investigator_no",
        "origination_reviewer_no",
        "approver_no",
    )

    loan_no: Number
    borrower_id: Short
    borrower_name: Short
    borrower_type: BorrowerType
    borrower_rating: Annotated[str, Field(min_length=1, max_length=8), ONE_LINE]
    product: Product
    principal: PositiveMoney
    interest_rate: Rate
    value_date: date
    maturity_date: date
    repayment_method: RepaymentMethod
    guarantee_type: GuaranteeType
    branch: Short
    purpose: Sentence
    investigator_no: Short | None = Field(
        default=None,
        alias="investigator",
        description="staff number of who investigated the loan (调查人); you, if not given",
    )
    origination_reviewer_no: Short | None = Field(
        default=None,
        alias="origination_reviewer",
        description="staff number of who reviewed the loan (审查人)",
    )
    approver_no: Short | None = Field(
        default=None,
        alias="approver",
        description="staff number of who approved the loan (审批人): a branch head or risk manager",
    )
    industry: Industry | None = Field(
        default=None,
        description="the borrower's industry, the GB/T 4754 section letter (所属行业门类, A-T)",
    )

    def facts(self) -> dict[str, Any]:
        """The loan's own facts: every field but the version, the people and the industry."""
        return {
            k: v for k, v in super().params().items() if k not in self.parties and k != "industry"
        }

    def params(self) -> dict[str, Any]:
        named = {k: getattr(self, k) for k in self.parties if getattr(self, k) is not None}
        # The industry came later: a booking without it keeps the fingerprint it always had.
        industry = {"industry": self.industry.value} if self.industry is not None else {}
        return {**self.facts(), **named, **industry}


class FileOriginationRecord(LoanCommand):
    """贷前资料补录: the origination record of a loan the core system booked — its credit file
    (the documents), the borrower's rating and who reviewed (审查人) and approved (审批人) it."""

    action = Action.FILE_ORIGINATION

    filed_on: date
    borrower_rating: Annotated[str, Field(min_length=1, max_length=8), ONE_LINE]
    origination_reviewer_no: Short = Field(
        alias="origination_reviewer",
        description="staff number of who reviewed the loan (审查人)",
    )
    approver_no: Short = Field(
        alias="approver",
        description="staff number of who approved the loan (审批人): a branch head or risk manager",
    )


ORIGINATION_STAGE = "disbursement"
"""The stage of the documents an origination record files: the disbursement's credit file."""


class RecordRepayment(LoanCommand):
    action = Action.RECORD_REPAYMENT

    paid_on: date
    principal: Money
    interest: Money


class RecordOverdue(LoanCommand):
    action = Action.RECORD_OVERDUE
    files_documents = False

    as_of: date
    days_overdue: DaysOverdue
    overdue_principal: Money
    overdue_interest: Money


class Settle(LoanCommand):
    action = Action.SETTLE

    settled_on: date


FED_BY_CORE: dict[str, tuple[str, str]] = {
    "disbursement": (
        "放款由核心系统日终文件（loans.csv）报送，不能手工登记",
        "disbursements come from the core system's day-end feed (loans.csv); they cannot be "
        "recorded by hand",
    ),
    "repayment": (
        "还款由核心系统日终文件（repayments.csv）报送，不能手工登记",
        "repayments come from the core system's day-end feed (repayments.csv); they cannot be "
        "recorded by hand",
    ),
    "overdue": (
        "逾期状态由核心系统日终文件（overdue.csv）报送，不能手工登记",
        "overdue status comes from the core system's day-end feed (overdue.csv); it cannot be "
        "recorded by hand",
    ),
    "settlement": (
        "结清由核心系统日终文件（settlements.csv）报送，不能手工登记",
        "settlement comes from the core system's day-end feed (settlements.csv); it cannot be "
        "recorded by hand",
    ),
}
"""What the core system owns once its feed is enabled, and the refusal of each by hand.

Corrections come as the core system's correction batches. An extension (展期) stays a command:
the archive's credit process approves it, and the core's later report of the same maturity date
records nothing; a write-off (核销) stays a board decision recorded by hand."""


class LifecycleCommands(ArchiveCore):
    """From disbursement to settlement."""

    def _refuse_fed_by_core(self, fact: str) -> None:
        """With the core-banking feed enabled, refuse to record ``fact`` by hand — before
        anything is staged, stored or recorded."""
        if self.config.fed_by_core:
            zh, en = FED_BY_CORE[fact]
            raise FedByCoreError(zh, en, owner="core_banking")

    @handles(Disburse)
    def disburse(
        self, ctx: CommandContext, cmd: Disburse, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record a disbursement (放款) with its documents; opens the dossier.

        The loan, its dossier with the documents filed and the borrower's index are saved
        together. The investigator is the account manager unless another is named. With the
        core-banking feed enabled a loan is booked only from its batches (409 fed_by_core).
        """
        self._refuse_fed_by_core("disbursement")

        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            if self._exists(Loan.create_id(cmd.loan_no)):
                raise AlreadyExistsError(
                    f"借据号 {cmd.loan_no} 已登记放款",
                    f"loan {cmd.loan_no} was already disbursed",
                )
            loan = Loan.disburse(
                **cmd.facts(),
                actor=actor,
                documents=refs,
                investigator=self._origination_party(cmd.investigator_no, "investigator", "调查人"),
                origination_reviewer=self._origination_party(
                    cmd.origination_reviewer_no, "origination_reviewer", "审查人"
                ),
                approver=self._origination_party(cmd.approver_no, "approver", "审批人"),
            )
            if cmd.industry is not None:
                loan.record_industry(industry=cmd.industry, actor=actor)
            flagged = self.booking_flags(loan, actor)
            dossier = Dossier.open(
                loan_id=loan.id,
                loan_no=loan.loan_no,
                borrower_name=loan.borrower_name,
                actor=actor,
                opened_on=loan.value_date,
            )
            self.file_documents(dossier, loan, refs, actor)
            index_id = BorrowerIndex.create_id(cmd.borrower_id)
            index = (
                self.repository.get(index_id)
                if self._exists(index_id)
                else BorrowerIndex(borrower_id=cmd.borrower_id)
            )
            assert isinstance(index, BorrowerIndex)
            index.add_loan(loan_id=loan.id)
            ids = {"loan_id": str(loan.id), "dossier_id": str(dossier.id)}
            if flagged:
                # Booked while its unit, product, manager or customer is suspended (停牌): the
                # credit system granted it; the archive records it and flags it (SUS-10).
                ids["suspended"] = "、".join(s.suspension_no for s in flagged)
            return Work(loan, [loan, dossier, index, *flagged], ids, loan.loan_no)

        return self.run(ctx, cmd, body, uploads)

    def _origination_party(self, staff_no: str | None, field: str, zh: str) -> Party | None:
        """The staff member a disbursement names for one origination duty, if any."""
        if staff_no is None:
            return None
        try:
            return self.party(staff_no)
        except NotFoundError:
            raise NotFoundError(
                f"{zh}工号 {staff_no} 不存在",
                f"{field}: staff member {staff_no} does not exist",
                field=field,
            ) from None

    def _exists(self, aggregate_id: Any) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    @handles(FileOriginationRecord)
    def file_origination_record(
        self, ctx: CommandContext, cmd: FileOriginationRecord, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """The account manager files the origination record of a loan the core booked, with
        its credit file: documents of the disbursement's stage only, through the same ingest
        as a disbursement by hand's; the people under the same 审贷分离."""

        def record(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> None:
            stages = self.stages_of(refs)
            for ref in refs:
                if stages[ref.doc_type] != ORIGINATION_STAGE:
                    raise InvalidInputError(
                        f"{ref.filename}（{ref.doc_type}）不属于放款资料，不能随贷前资料补录归档",
                        f"{ref.filename} ({ref.doc_type}) is not a document of the "
                        "disbursement's credit file",
                        field="documents",
                        doc_type=ref.doc_type,
                    )
            reviewer = self._origination_party(
                cmd.origination_reviewer_no, "origination_reviewer", "审查人"
            )
            approver = self._origination_party(cmd.approver_no, "approver", "审批人")
            assert reviewer is not None  # named: the command requires both
            assert approver is not None
            loan.file_origination_record(
                **cmd.arguments("origination_reviewer_no", "approver_no"),
                origination_reviewer=reviewer,
                approver=approver,
                documents=refs,
                actor=actor,
            )

        return self.for_loan(ctx, cmd, lambda loan, actor, refs: record(loan, actor, refs), uploads)

    @handles(RecordRepayment)
    def record_repayment(
        self, ctx: CommandContext, cmd: RecordRepayment, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        self._refuse_fed_by_core("repayment")
        return self.record_on_loan(ctx, cmd, Loan.record_repayment, uploads)

    @handles(RecordOverdue)
    def record_overdue(self, ctx: CommandContext, cmd: RecordOverdue) -> CommandResult:
        self._refuse_fed_by_core("overdue")
        return self.for_loan(
            ctx, cmd, lambda loan, actor, refs: loan.record_overdue(**cmd.arguments(), actor=actor)
        )

    @handles(Settle)
    def settle(
        self, ctx: CommandContext, cmd: Settle, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        self._refuse_fed_by_core("settlement")
        return self.record_on_loan(
            ctx, cmd, Loan.settle, uploads, on_dossier=start_retention_on_close
        )
