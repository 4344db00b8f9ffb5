"""Destruction of expired dossiers (档案销毁): the batch, its register and its duties.

A :class:`DestructionBatch` is proposed by the archive head with the destruction register
(销毁清册: reference code, title, years, retention class, pages, appraisal opinion per
dossier), approved by a different person (the branch head) and by compliance, and executed
by an archivist before at least two supervisors (监销人) — neither the proposer nor the
executor — and, for electronic records, an IT supervisor as well. Each supervisor is a
:class:`Party`, so the roles they hold at execution are checked.

:func:`check_destroyable` holds the rules on each dossier that refuse destruction: the loan
settled (a written-off loan still has recovery going on), no open hold, nothing out on loan,
retention ended on the day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.authorization import BUSINESS_ROLES, Action, authorize
from domain.dates import check_not_before
from domain.errors import (
    AlreadyDestroyedError,
    DestructionAlreadyDecidedError,
    DestructionDutyDoubledError,
    DestructionHoldOpenError,
    DestructionLoanNotSettledError,
    DestructionNotAppraisedError,
    DestructionNotApprovedError,
    DestructionOnLoanError,
    DestructionRecoveryContinuesError,
    DestructionRetentionNotEndedError,
    DestructionSupervisorsError,
    InvalidInputError,
)
from domain.values import Actor, AppraisalOpinion, LoanStatus, Party, Role, require_text

MIN_SUPERVISORS = 2
IT_ROLES = frozenset({Role.ADMINISTRATOR})
"""Who may supervise the destruction of electronic records as IT (the system administrator)."""

ENTRY_FIELDS = ("reference_code", "title", "years", "retention", "pages", "opinion")


def destroy_appraisal(dossier: Any) -> Any:
    """The dossier's latest decided appraisal, which must conclude "destroy"."""
    decided = [a for a in dossier.appraisals.values() if a.opinion is not None]
    decided.sort(key=lambda a: a.decided_on)
    if not decided or decided[-1].opinion is not AppraisalOpinion.DESTROY:
        raise DestructionNotAppraisedError(
            "该档案没有结论为“销毁”的鉴定意见",
            "the dossier has no appraisal concluding that it be destroyed",
            dossier_id=str(dossier.id),
        )
    return decided[-1]


def destroy_opinion(dossier: Any) -> str:
    """The text of the dossier's latest decided appraisal, which must conclude "destroy"."""
    return str(destroy_appraisal(dossier).text)


def check_proposed_after_appraisal(dossier: Any, proposed_on: date) -> None:
    """A batch is proposed on or after the appraisal that concluded "destroy"."""
    decided_on = destroy_appraisal(dossier).decided_on
    check_not_before(proposed_on, decided_on, field="proposed_on", since_field="decided_on")


def check_destroyable(
    dossier: Any, *, loan_status: LoanStatus, circulation_empty: bool, on: date
) -> None:
    """Refuse, each with its own error, what forbids destroying the dossier on ``on``."""
    if getattr(dossier, "destroyed_in", None) is not None:
        raise AlreadyDestroyedError(
            "该档案已销毁", "the dossier was destroyed already", dossier_id=str(dossier.id)
        )
    if loan_status is LoanStatus.WRITTEN_OFF:
        # A written-off loan keeps its claim (账销案存): recovery continues, and the record
        # of it, until an event ends recovery — there is none yet, so never destroyed.
        raise DestructionRecoveryContinuesError(
            "贷款已核销但仍在追偿（账销案存），档案不得销毁",
            "the loan was written off and recovery continues: its dossier may not be destroyed",
            status=loan_status.value,
            dossier_id=str(dossier.id),
        )
    if loan_status is not LoanStatus.SETTLED:
        raise DestructionLoanNotSettledError(
            "贷款未结清，档案不得销毁",
            "the loan is not settled: its dossier may not be destroyed",
            status=loan_status.value,
            dossier_id=str(dossier.id),
        )
    if dossier.open_holds:
        raise DestructionHoldOpenError(
            "档案处于冻结（诉讼、审计或调查）中，不得销毁",
            "a hold is open on the dossier: it may not be destroyed",
            holds=[str(h) for h in dossier.open_holds],
        )
    if not circulation_empty:
        raise DestructionOnLoanError(
            "档案尚有在借材料，不得销毁",
            "something of the dossier is out on loan: it may not be destroyed",
            dossier_id=str(dossier.id),
        )
    if not dossier.retention_ended(on):
        raise DestructionRetentionNotEndedError(
            f"保管期限至 {dossier.retention_ends_on} 方届满，尚不能销毁",
            f"retention runs until {dossier.retention_ends_on}: too early to destroy",
            retention_ends_on=str(dossier.retention_ends_on),
        )


def _business(party: Party) -> bool:
    return bool(party.roles & BUSINESS_ROLES)


def check_approver(*, proposed_by: UUID, approver: UUID) -> None:
    """The batch is approved by someone other than its proposer."""
    if approver == proposed_by:
        raise DestructionDutyDoubledError(
            "提出销毁者不得批准同一批次", "whoever proposed the batch may not approve it"
        )


def check_compliance_approver(
    *, proposed_by: UUID, approved_by: UUID | None, approver: UUID
) -> None:
    """Compliance approves through someone other than the proposer and the approver."""
    if approver in (proposed_by, approved_by):
        raise DestructionDutyDoubledError(
            "合规审批人不得是提出人或批准人",
            "compliance approval must come from someone other than the proposer and approver",
        )


def check_execution(
    *,
    proposed_by: UUID,
    approved_by: UUID | None,
    approved_on: date | None,
    compliance_by: UUID | None,
    compliance_approved_on: date | None,
    executor: UUID,
    executed_on: date,
    supervisors: Sequence[Party],
    it_supervisor: Party | None,
    electronic: bool,
) -> UUID | None:
    """The rules an execution must satisfy, given the batch's approvals and the people present
    with the roles they hold on the day; returns the IT supervisor's id (None: not needed).

    The command checks them before it executes; ``dossier verify`` checks them again on the
    events as stored, so that a destruction recorded without them is found out.
    """
    if approved_by is None or compliance_by is None:
        raise DestructionNotApprovedError(
            "销毁批次须经批准与合规审批后方可执行",
            "a destruction batch is executed only after approval and compliance approval",
        )
    if executor in (proposed_by, approved_by, compliance_by):
        raise DestructionDutyDoubledError(
            "执行人不得是提出人或审批人",
            "the executor may not be the proposer or an approver of the batch",
        )
    check_not_before(executed_on, approved_on, field="executed_on", since_field="approved_on")
    check_not_before(
        executed_on,
        compliance_approved_on,
        field="executed_on",
        since_field="compliance_approved_on",
    )
    ids = [p.id for p in supervisors]
    if len(set(ids)) < MIN_SUPERVISORS or len(set(ids)) != len(ids):
        raise DestructionSupervisorsError(
            f"销毁须有至少 {MIN_SUPERVISORS} 名不同的监销人在场",
            f"destruction needs at least {MIN_SUPERVISORS} different supervisors present",
        )
    if any(p.id in (proposed_by, executor) for p in supervisors):
        raise DestructionDutyDoubledError(
            "监销人不得是提出人或执行人",
            "a supervisor may be neither the proposer nor the executor",
        )
    if not all(_business(p) for p in supervisors):
        raise DestructionSupervisorsError(
            "监销人须为当前担任业务岗位的人员",
            "each supervisor must hold a business role now",
        )
    if not electronic:
        return None
    if it_supervisor is None or not (it_supervisor.roles & IT_ROLES):
        raise DestructionSupervisorsError(
            "销毁电子档案须有信息技术（系统管理员）监销人在场",
            "destroying electronic records needs an IT supervisor (system administrator)",
        )
    if it_supervisor.id in (*ids, executor, proposed_by):
        raise DestructionDutyDoubledError(
            "信息技术监销人不得兼任其他职责",
            "the IT supervisor may hold no other duty in the batch",
        )
    return it_supervisor.id


class DestructionBatch(Aggregate):
    """A destruction batch (销毁批次) and its register (销毁清册)."""

    @classmethod
    def propose(
        cls,
        *,
        batch_id: UUID,
        entries: Sequence[Mapping[str, Any]],
        proposed_on: date,
        actor: Actor,
        batch_no: str | None = None,
    ) -> DestructionBatch:
        """The archive head proposes the batch with one register entry per dossier;
        ``batch_no`` is its number in the year's series (销毁〔2026〕第0001号)."""
        authorize(actor, Action.PROPOSE_DESTRUCTION)
        if not entries:
            raise InvalidInputError(
                "销毁批次须至少包含一卷档案", "a destruction batch names at least one dossier"
            )
        ids = [str(e["dossier_id"]) for e in entries]
        if len(set(ids)) != len(ids):
            raise InvalidInputError(
                "同一档案在批次中出现多次", "a dossier is named twice in the batch"
            )
        plain = [
            {"dossier_id": str(e["dossier_id"]), **{k: e[k] for k in ENTRY_FIELDS}} for e in entries
        ]
        return cls(
            batch_id=batch_id,
            entries=plain,
            proposed_on=proposed_on,
            actor_id=actor.id,
            role=actor.role,
            batch_no=batch_no,
        )

    @staticmethod
    def create_id(batch_id: UUID) -> UUID:
        return batch_id

    @event("Proposed")
    def __init__(
        self,
        *,
        batch_id: UUID,
        entries: list[dict[str, Any]],
        proposed_on: date,
        actor_id: UUID,
        role: Role,
        batch_no: str | None = None,
    ) -> None:
        # Batches proposed by releases before the numbering have no number: their id names them.
        self.batch_no = batch_no
        self.entries = [dict(e) for e in entries]
        self.proposed_on = proposed_on
        self.proposed_by = actor_id
        self.approved_by: UUID | None = None
        self.approved_on: date | None = None
        self.compliance_by: UUID | None = None
        self.compliance_approved_on: date | None = None
        self.executed_by: UUID | None = None
        self.executed_on: date | None = None
        self.supervisors: list[UUID] = []
        self.it_supervisor: UUID | None = None
        self.method = ""
        self.completed = False
        self.retained_blobs: list[str] = []

    # ------------------------------------------------------------------ reading
    @property
    def dossier_ids(self) -> list[UUID]:
        return [UUID(str(e["dossier_id"])) for e in self.entries]

    def entry_of(self, dossier_id: UUID) -> dict[str, Any]:
        return next(e for e in self.entries if UUID(str(e["dossier_id"])) == dossier_id)

    @property
    def executed(self) -> bool:
        return self.executed_by is not None

    # ---------------------------------------------------------------- approvals
    def approve(self, *, approved_on: date, actor: Actor) -> None:
        """Approval by a person other than the proposer (the branch head)."""
        authorize(actor, Action.APPROVE_DESTRUCTION)
        if self.approved_by is not None:
            raise DestructionAlreadyDecidedError("该批次已批准", "the batch was approved already")
        check_approver(proposed_by=self.proposed_by, approver=actor.id)
        check_not_before(
            approved_on, self.proposed_on, field="approved_on", since_field="proposed_on"
        )
        self._approved(approved_on=approved_on, actor_id=actor.id, role=actor.role)

    @event("Approved")
    def _approved(self, *, approved_on: date, actor_id: UUID, role: Role) -> None:
        self.approved_by = actor_id
        self.approved_on = approved_on

    def compliance_approve(self, *, approved_on: date, actor: Actor) -> None:
        """Approval by compliance, a person other than the proposer and the approver."""
        authorize(actor, Action.COMPLIANCE_APPROVE_DESTRUCTION)
        if self.compliance_by is not None:
            raise DestructionAlreadyDecidedError(
                "合规已审批该批次", "compliance approved the batch already"
            )
        check_compliance_approver(
            proposed_by=self.proposed_by, approved_by=self.approved_by, approver=actor.id
        )
        check_not_before(
            approved_on, self.proposed_on, field="approved_on", since_field="proposed_on"
        )
        self._compliance_approved(approved_on=approved_on, actor_id=actor.id, role=actor.role)

    @event("ComplianceApproved")
    def _compliance_approved(self, *, approved_on: date, actor_id: UUID, role: Role) -> None:
        self.compliance_by = actor_id
        self.compliance_approved_on = approved_on

    # ---------------------------------------------------------------- execution
    def execute(
        self,
        *,
        executed_on: date,
        supervisors: Sequence[Party],
        it_supervisor: Party | None,
        electronic: bool,
        method: str,
        actor: Actor,
    ) -> None:
        """Execution by an archivist before two supervisors (and IT for electronic records)."""
        authorize(actor, Action.EXECUTE_DESTRUCTION)
        if self.executed:
            raise DestructionAlreadyDecidedError(
                "该批次已执行销毁", "the batch was executed already"
            )
        it_id = check_execution(
            proposed_by=self.proposed_by,
            approved_by=self.approved_by,
            approved_on=self.approved_on,
            compliance_by=self.compliance_by,
            compliance_approved_on=self.compliance_approved_on,
            executor=actor.id,
            executed_on=executed_on,
            supervisors=supervisors,
            it_supervisor=it_supervisor,
            electronic=electronic,
        )
        ids = [p.id for p in supervisors]
        self._executed(
            executed_on=executed_on,
            supervisors=ids,
            it_supervisor=it_id,
            method=require_text(method, "method"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("Executed")
    def _executed(
        self,
        *,
        executed_on: date,
        supervisors: list[UUID],
        it_supervisor: UUID | None,
        method: str,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.executed_by = actor_id
        self.executed_on = executed_on
        self.supervisors = list(supervisors)
        self.it_supervisor = it_supervisor
        self.method = method

    def complete(self, *, retained_blobs: Sequence[str]) -> None:
        """Record that keys and blobs were deleted, and which blobs the store still retains."""
        if self.completed:
            return
        self._completed(retained_blobs=sorted(retained_blobs))

    @event("Completed")
    def _completed(self, *, retained_blobs: list[str]) -> None:
        self.completed = True
        self.retained_blobs = list(retained_blobs)
