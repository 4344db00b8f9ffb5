"""Domain errors: a small hierarchy, each carrying a bilingual message.

The API maps these classes to HTTP status codes in one table; nothing here
knows about HTTP.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Raised when a command breaks a business rule of the domain."""

    code = "domain_error"

    def __init__(self, zh: str, en: str, **context: Any) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en
        self.context = context

    def __str__(self) -> str:
        return f"{self.en} / {self.zh}"


class InvalidInputError(DomainError):
    """Raised when a command's values are malformed or out of range."""

    code = "invalid_input"


class NotFoundError(DomainError):
    """Raised when a loan, dossier, staff member or sub-record does not exist."""

    code = "not_found"


class ConflictError(DomainError):
    """Raised when a command conflicts with the current state of an aggregate."""

    code = "conflict"


class InvalidTransitionError(ConflictError):
    """Raised when a command is not allowed in the aggregate's current state."""

    code = "invalid_transition"


class AlreadyExistsError(ConflictError):
    """Raised when something with the same natural key was recorded before."""

    code = "already_exists"


class FedByCoreError(ConflictError):
    """Raised when a command would record by hand a fact the core-banking feed owns.

    With the feed enabled, disbursements, repayments, arrears and settlements come only from
    the core system's day-end batches; corrections only as its correction batches.
    """

    code = "fed_by_core"


class ClassificationFloorError(ConflictError):
    """Raised when an approval would put a loan above its statutory floor grade."""

    code = "classification_floor"


class ClassificationNotDeterminedError(InvalidTransitionError):
    """Raised when a proposal is approved before its determination (认定) the rules require."""

    code = "classification_not_determined"


class AuthorizationError(DomainError):
    """Raised when the actor may not perform the command at all."""

    code = "forbidden"


class RoleNotPermittedError(AuthorizationError):
    """Raised when none of the roles the actor holds is allowed to perform the command."""

    code = "role_not_permitted"


class SegregationOfDutiesError(AuthorizationError):
    """Raised when a command would let one person hold two duties that must be separate."""

    code = "segregation_of_duties"


class AdministratorBusinessActionError(SegregationOfDutiesError):
    """Raised when a system administrator tries to record or read business data (三员分立)."""

    code = "administrator_business_action"


class OutOfScopeError(AuthorizationError):
    """Raised when a loan or a branch lies outside the caller's data scope (数据权限)."""

    code = "out_of_scope"


class UnknownBranchError(InvalidInputError):
    """Raised when a command names a branch that is not a unit of the bank's hierarchy."""

    code = "unknown_branch"


# ------------------------------------------------------------------ lending (借阅)
class DossierOnLoanError(ConflictError):
    """Raised when an item asked for is already checked out on another borrowing."""

    code = "dossier_on_loan"


class CopyNotReproducibleError(ConflictError):
    """Raised when a retried electronic-copy request cannot hand over the same bytes again."""

    code = "copy_not_reproducible"


class CopyNotStampableError(ConflictError):
    """Raised when an electronic copy would have to stamp a document no watermark can be put
    on (an OFD): such a document is read, recorded, as the original instead."""

    code = "copy_not_stampable"


class DossierUnderAppraisalError(ConflictError):
    """Raised when a dossier under appraisal (鉴定中) is asked to be lent."""

    code = "dossier_under_appraisal"


class BorrowingNotApprovedError(InvalidTransitionError):
    """Raised when a borrowing is handed out before every approval it needs is given."""

    code = "borrowing_not_approved"


class PageDiscrepancyOpenError(InvalidTransitionError):
    """Raised when a borrowing returned with missing pages is closed without the archive head."""

    code = "page_discrepancy_open"


class BorrowerApprovesError(SegregationOfDutiesError):
    """Raised when the borrower tries to approve or reject their own borrowing."""

    code = "borrower_approves_own_borrowing"


class ApproverHandsOutError(SegregationOfDutiesError):
    """Raised when the person who approved a borrowing would also hand it out."""

    code = "approver_hands_out"


class BorrowerHandsOutError(SegregationOfDutiesError):
    """Raised when an archivist would hand a borrowing out to themselves."""

    code = "borrower_hands_out"


class ApprovalRoleNotRequiredError(RoleNotPermittedError):
    """Raised when an approval comes from a role this borrowing does not (or no longer) need."""

    code = "approval_role_not_required"


# ------------------------------------------------------------------ the archive office (档案室)
class LoanNotClosedError(InvalidTransitionError):
    """Raised when an archive act needs a settled or written-off loan and the loan is still live."""

    code = "loan_not_closed"


class TransferAlreadyReceivedError(InvalidTransitionError):
    """Raised when a transfer list that was already received is received again."""

    code = "transfer_already_received"


class ReceiptMismatchError(InvalidInputError):
    """Raised when a receipt does not check every listed item of the transfer exactly once."""

    code = "receipt_mismatch"


class DefectAlreadyClearedError(InvalidTransitionError):
    """Raised when a transfer defect that was cleared before is cleared again."""

    code = "defect_already_cleared"


class NothingReceivedError(InvalidTransitionError):
    """Raised when a dossier is catalogued before the archive office has received any transfer."""

    code = "nothing_received"


class AlreadyCataloguedError(InvalidTransitionError):
    """Raised when a dossier that already has its reference code (档号) is catalogued again."""

    code = "already_catalogued"


class NotCataloguedError(InvalidTransitionError):
    """Raised when an act needs the dossier's catalogue entry (档号, retention) and there is none."""

    code = "not_catalogued"


class ReferenceSeriesFullError(ConflictError):
    """Raised when a reference-code series has used every 4-digit item number."""

    code = "reference_series_full"


class HoldAlreadyReleasedError(InvalidTransitionError):
    """Raised when a hold that was released before is released again."""

    code = "hold_already_released"


class RetentionNotStartedError(InvalidTransitionError):
    """Raised when an act needs the retention period to have started (loan settled or written off)."""

    code = "retention_not_started"


class RetentionNotExpiredError(ConflictError):
    """Raised when an appraisal is opened before the dossier's retention has ended."""

    code = "retention_not_expired"


class PermanentRetentionError(InvalidTransitionError):
    """Raised when a permanent (Y) dossier is appraised or its retention extended."""

    code = "permanent_retention"


class AppraisalOpenError(InvalidTransitionError):
    """Raised when an appraisal is opened while another is still open on the dossier."""

    code = "appraisal_open"


class AppraisalDecidedError(InvalidTransitionError):
    """Raised when an appraisal that was decided before is decided again."""

    code = "appraisal_decided"


class AppraisalGroupError(SegregationOfDutiesError):
    """Raised when an appraisal group (鉴定小组) has fewer than two different people."""

    code = "appraisal_group_too_small"


# ------------------------------------------------------------------ destruction (销毁)
class DestructionNotAppraisedError(ConflictError):
    """Raised when a dossier proposed for destruction has no appraisal concluding "destroy"."""

    code = "destruction_not_appraised"


class DestructionLoanNotSettledError(ConflictError):
    """Raised when the loan is still live (存续): neither settled nor written off."""

    code = "destruction_loan_not_settled"


class DestructionRecoveryContinuesError(ConflictError):
    """Raised when the loan was written off and recovery continues (账销案存)."""

    code = "destruction_recovery_continues"


class DestructionHoldOpenError(ConflictError):
    """Raised when a dossier to be destroyed is under a litigation, audit or investigation hold."""

    code = "destruction_hold_open"


class DestructionOnLoanError(ConflictError):
    """Raised when anything of a dossier to be destroyed is out on loan (在借)."""

    code = "destruction_on_loan"


class DestructionRetentionNotEndedError(ConflictError):
    """Raised when a dossier's retention has not ended on the day of proposal or execution."""

    code = "destruction_retention_not_ended"


class DestructionNotApprovedError(InvalidTransitionError):
    """Raised when a batch is executed before both the branch head and compliance approved it."""

    code = "destruction_not_approved"


class DestructionAlreadyDecidedError(InvalidTransitionError):
    """Raised when an approval of a destruction batch is given twice."""

    code = "destruction_already_decided"


class AlreadyDestroyedError(InvalidTransitionError):
    """Raised when a dossier already destroyed is proposed or destroyed again."""

    code = "already_destroyed"


class DestructionDutyDoubledError(SegregationOfDutiesError):
    """Raised when one person would hold two duties of a destruction batch."""

    code = "destruction_duty_doubled"


class DestructionSupervisorsError(SegregationOfDutiesError):
    """Raised when execution lacks two supervisors (监销人) or, for electronic records, IT."""

    code = "destruction_supervisors"


class DocumentDestroyedError(DomainError):
    """Raised when a document of a destroyed dossier is asked for: it is gone (410 Gone)."""

    code = "document_destroyed"


# ------------------------------------------------------------------ business dates (业务日期)
class DateInFutureError(InvalidInputError):
    """Raised when the date of something that happened lies after the bank's today."""

    code = "date_in_future"


class DateOutOfOrderError(InvalidInputError):
    """Raised when a step of a workflow is dated before the step it follows."""

    code = "date_out_of_order"
