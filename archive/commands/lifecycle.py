"""Disbursement, repayments, arrears and settlement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from archive.core import (
    ArchiveCore,
    CommandContext,
    CommandResult,
    Work,
    start_retention_on_close,
)
from archive.documents.ingest import Upload
from archive.receipts import BorrowerIndex
from domain.authorization import Action
from domain.dossier import Dossier
from domain.errors import AlreadyExistsError, NotFoundError
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


@dataclass(frozen=True)
class Disbursement:
    """The facts of a disbursement (放款) as the account manager records them."""

    loan_no: str
    borrower_id: str
    borrower_name: str
    borrower_type: BorrowerType
    borrower_rating: str
    product: Product
    principal: Decimal
    interest_rate: str
    value_date: date
    maturity_date: date
    repayment_method: RepaymentMethod
    guarantee_type: GuaranteeType
    branch: str
    purpose: str

    def as_params(self) -> Mapping[str, Any]:
        return dict(vars(self))


class LifecycleCommands(ArchiveCore):
    """From disbursement to settlement."""

    def disburse(
        self,
        ctx: CommandContext,
        facts: Disbursement,
        uploads: Sequence[Upload] = (),
        *,
        investigator_no: str | None = None,
        origination_reviewer_no: str | None = None,
        approver_no: str | None = None,
    ) -> CommandResult:
        """Record the disbursement, open the dossier and file its documents, in one save.

        The staff numbers name who investigated (调查), reviewed (审查) and approved (审批)
        the loan; the investigator is the account manager unless another is named.
        """
        named = {
            "investigator_no": investigator_no,
            "origination_reviewer_no": origination_reviewer_no,
            "approver_no": approver_no,
        }

        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            if self._exists(Loan.create_id(facts.loan_no)):
                raise AlreadyExistsError(
                    f"借据号 {facts.loan_no} 已登记放款",
                    f"loan {facts.loan_no} was already disbursed",
                )
            loan = Loan.disburse(
                **facts.as_params(),
                actor=actor,
                documents=refs,
                investigator=self._origination_party(investigator_no, "investigator", "调查人"),
                origination_reviewer=self._origination_party(
                    origination_reviewer_no, "origination_reviewer", "审查人"
                ),
                approver=self._origination_party(approver_no, "approver", "审批人"),
            )
            dossier = Dossier.open(
                loan_id=loan.id, loan_no=loan.loan_no, borrower_name=loan.borrower_name, actor=actor
            )
            self.file_documents(dossier, loan, refs, actor)
            index_id = BorrowerIndex.create_id(facts.borrower_id)
            index = (
                self.repository.get(index_id)
                if self._exists(index_id)
                else BorrowerIndex(borrower_id=facts.borrower_id)
            )
            assert isinstance(index, BorrowerIndex)
            index.add_loan(loan_id=loan.id)
            ids = {"loan_id": str(loan.id), "dossier_id": str(dossier.id)}
            return Work(loan, [loan, dossier, index], ids, loan.loan_no)

        params = {**facts.as_params(), **{k: v for k, v in named.items() if v is not None}}
        return self._execute(ctx, Action.DISBURSE, params, body, uploads)

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

    def record_repayment(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        paid_on: date,
        principal: Decimal,
        interest: Decimal,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        params = {"paid_on": paid_on, "principal": principal, "interest": interest}
        return self.on_loan(
            ctx,
            Action.RECORD_REPAYMENT,
            loan_no,
            params,
            lambda loan, actor, refs: loan.record_repayment(
                paid_on=paid_on,
                principal=principal,
                interest=interest,
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    def record_overdue(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        as_of: date,
        days_overdue: int,
        overdue_principal: Decimal,
        overdue_interest: Decimal,
    ) -> CommandResult:
        params = {
            "as_of": as_of,
            "days_overdue": days_overdue,
            "overdue_principal": overdue_principal,
            "overdue_interest": overdue_interest,
        }
        return self.on_loan(
            ctx,
            Action.RECORD_OVERDUE,
            loan_no,
            params,
            lambda loan, actor, refs: loan.record_overdue(
                as_of=as_of,
                days_overdue=days_overdue,
                overdue_principal=overdue_principal,
                overdue_interest=overdue_interest,
                actor=actor,
            ),
        )

    def settle(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        settled_on: date,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        return self.on_loan(
            ctx,
            Action.SETTLE,
            loan_no,
            {"settled_on": settled_on},
            lambda loan, actor, refs: loan.settle(
                settled_on=settled_on, actor=actor, documents=refs
            ),
            uploads,
            on_dossier=start_retention_on_close,
        )
