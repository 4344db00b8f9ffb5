"""Part of check e of ``dossier verify``: each recorded destruction founded on a lawful batch.

A dossier's ``Destroyed`` event excuses its missing data key and blobs only when the log holds,
*before* it, the destruction batch it names (``DestructionBatch``): proposed with a register
that lists the dossier, approved, approved by compliance and executed — each step by a person
holding, at that point of the log, a role that may take it — with the duties kept apart and
the supervisors (监销人) present that the rules require, checked by the very functions the
commands check them with (``domain.disposition.check_approver``, ``check_compliance_approver``,
``check_execution``; ``domain.authorization.choose_role``). The ``Destroyed`` event must then
agree with the batch's ``Executed`` event: the same executor, supervisors, IT supervisor and
day.

Everything is read from the events as stored, in log order: roles from the staff's
``RoleGranted`` and ``RoleRevoked`` events (a role is held from the event granting it until
the event revoking it), never from a register or projection. A ``Destroyed`` event that fails
is a ``destruction_unfounded`` discrepancy naming the dossier, its position and what failed;
its dossier is then checked as any other — each missing blob, the data key gone, is damage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final
from uuid import UUID

from eventsourcing.persistence import Mapper, Notification
from eventsourcing.utils import get_topic

from archive.verification.report import Finding, Findings
from domain.authorization import Action, choose_role
from domain.disposition import (
    DestructionBatch,
    check_approver,
    check_compliance_approver,
    check_execution,
)
from domain.dossier import Dossier
from domain.errors import DomainError
from domain.staff import Staff
from domain.topics import stored_topics
from domain.values import Party, Role


def _topics(cls_event: Any) -> tuple[str, ...]:
    return stored_topics(get_topic(cls_event))


DESTROYED: Final = _topics(Dossier.Destroyed)  # type: ignore[attr-defined]
PROPOSED: Final = _topics(DestructionBatch.Proposed)  # type: ignore[attr-defined]
APPROVED: Final = _topics(DestructionBatch.Approved)  # type: ignore[attr-defined]
COMPLIANCE: Final = _topics(DestructionBatch.ComplianceApproved)  # type: ignore[attr-defined]
EXECUTED: Final = _topics(DestructionBatch.Executed)  # type: ignore[attr-defined]
COMPLETED: Final = _topics(DestructionBatch.Completed)  # type: ignore[attr-defined]
GRANTED: Final = _topics(Staff.RoleGranted)  # type: ignore[attr-defined]
REVOKED: Final = _topics(Staff.RoleRevoked)  # type: ignore[attr-defined]
TOPICS: Final = [
    *DESTROYED,
    *PROPOSED,
    *APPROVED,
    *COMPLIANCE,
    *EXECUTED,
    *COMPLETED,
    *GRANTED,
    *REVOKED,
]
"""The events the destruction check reads, in one pass over the log before the walk."""


def _role(value: Any) -> Role:
    """A role as the event holds it (the transcoder gives the member back)."""
    return value if isinstance(value, Role) else Role(value)  # type: ignore[call-arg]


class Unfounded(Exception):
    """Why a ``Destroyed`` event is not founded on a lawful batch (English, Chinese)."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh


@dataclass
class _Step:
    """One step of a batch as recorded: who took it, in which role, and the rule it broke."""

    by: UUID
    on: date | None
    broke: Unfounded | None


@dataclass
class _Batch:
    proposed: _Step
    dossiers: set[UUID]
    approved: _Step | None = None
    compliance: _Step | None = None
    executed: _Step | None = None
    supervisors: list[Party] = field(default_factory=list)
    it_supervisor: Party | None = None
    it_supervisor_id: UUID | None = None


class DestructionChecks:
    """Read the destruction batches and the staff's roles in log order; judge each
    ``Destroyed`` event against what came before it."""

    def __init__(self, mapper: Mapper[UUID], findings: Findings) -> None:
        self.mapper = mapper
        self.findings = findings
        self.founded: set[UUID] = set()
        """Dossiers destroyed by a lawful batch: their documents are expected gone."""
        self.retained: set[str] = set()
        """Blob keys the batches' ``Completed`` events record as kept under object lock."""
        self.unfounded = 0
        self._batches: dict[UUID, _Batch] = {}
        self._roles: dict[UUID, set[Role]] = {}

    def read(self, notes: Iterable[Notification]) -> None:
        for note in notes:
            try:
                event = self.mapper.to_domain_event(note)
            except Exception:
                if note.topic in DESTROYED:
                    self._unfounded(
                        note,
                        None,
                        Unfounded("the event cannot be read", "该事件无法解析"),
                    )
                continue
            self._take(note, event)

    # ------------------------------------------------------------------ the events
    def _take(self, note: Notification, event: Any) -> None:
        topic = note.topic
        who = UUID(str(note.originator_id))
        if topic in GRANTED:
            self._roles.setdefault(who, set()).add(_role(event.granted_role))
        elif topic in REVOKED:
            self._roles.setdefault(who, set()).discard(_role(event.revoked_role))
        elif topic in PROPOSED:
            step = self._step(event, Action.PROPOSE_DESTRUCTION, event.proposed_on)
            dossiers = {UUID(str(e["dossier_id"])) for e in event.entries}
            self._batches[who] = _Batch(step, dossiers)
        elif topic in COMPLETED:
            self.retained.update(str(key) for key in event.retained_blobs)
        elif topic in DESTROYED:
            self._destroyed(note, event)
        else:
            batch = self._batches.get(who)
            if batch is not None:
                self._batch_step(batch, topic, event)

    def _held(self, who: UUID) -> frozenset[Role]:
        return frozenset(self._roles.get(who, ()))

    def _step(
        self,
        event: Any,
        action: Action,
        on: date | None,
        rule: Callable[[UUID], None] | None = None,
    ) -> _Step:
        """The step ``event`` records, with the first rule it broke: the role it was taken in
        must be held at this point of the log and may take ``action``; then ``rule(actor)``."""
        actor = UUID(str(event.actor_id))
        broke: Unfounded | None = None
        try:
            choose_role(self._held(actor), action, _role(event.role))
            if rule is not None:
                rule(actor)
        except DomainError as error:
            broke = Unfounded(error.en, error.zh)
        return _Step(actor, on, broke)

    def _batch_step(self, batch: _Batch, topic: str, event: Any) -> None:
        proposer = batch.proposed.by
        if topic in APPROVED and batch.approved is None:
            batch.approved = self._step(
                event,
                Action.APPROVE_DESTRUCTION,
                event.approved_on,
                lambda actor: check_approver(proposed_by=proposer, approver=actor),
            )
        elif topic in COMPLIANCE and batch.compliance is None:
            approver = None if batch.approved is None else batch.approved.by
            batch.compliance = self._step(
                event,
                Action.COMPLIANCE_APPROVE_DESTRUCTION,
                event.approved_on,
                lambda actor: check_compliance_approver(
                    proposed_by=proposer, approved_by=approver, approver=actor
                ),
            )
        elif topic in EXECUTED and batch.executed is None:
            batch.executed = self._step(event, Action.EXECUTE_DESTRUCTION, event.executed_on)
            # The people present, with the roles they hold at this point of the log.
            batch.supervisors = [
                Party(UUID(str(s)), self._held(UUID(str(s)))) for s in event.supervisors
            ]
            it_id = event.it_supervisor
            batch.it_supervisor_id = None if it_id is None else UUID(str(it_id))
            batch.it_supervisor = (
                None
                if batch.it_supervisor_id is None
                else Party(batch.it_supervisor_id, self._held(batch.it_supervisor_id))
            )

    # ------------------------------------------------------------------ the judgement
    def _destroyed(self, note: Notification, event: Any) -> None:
        dossier_id = UUID(str(note.originator_id))
        batch_id = UUID(str(event.batch_id))
        try:
            self._judge(dossier_id, batch_id, event)
        except Unfounded as why:
            self._unfounded(note, batch_id, why)
            return
        self.founded.add(dossier_id)

    def _judge(self, dossier_id: UUID, batch_id: UUID, event: Any) -> None:
        batch = self._batches.get(batch_id)
        if batch is None:
            raise Unfounded(
                f"no destruction batch {batch_id} is proposed before it",
                f"此前没有提出销毁批次 {batch_id}",
            )
        if dossier_id not in batch.dossiers:
            raise Unfounded(
                f"destruction batch {batch_id} does not list this dossier in its register",
                f"销毁批次 {batch_id} 的销毁清册未列入该档案",
            )
        executed = batch.executed
        if executed is None:
            raise Unfounded(
                f"destruction batch {batch_id} is not executed before it",
                f"销毁批次 {batch_id} 此前未执行",
            )
        for what, what_zh, step in (
            ("its proposal", "其提出", batch.proposed),
            ("its approval", "其批准", batch.approved),
            ("its compliance approval", "其合规审批", batch.compliance),
            ("its execution", "其执行", executed),
        ):
            if step is not None and step.broke is not None:
                raise Unfounded(
                    f"{what} in destruction batch {batch_id} broke a rule: {step.broke.en}",
                    f"销毁批次 {batch_id} {what_zh}违反规定：{step.broke.zh}",
                )
        electronic = bool(event.documents) or batch.it_supervisor_id is not None
        try:
            check_execution(
                proposed_by=batch.proposed.by,
                approved_by=None if batch.approved is None else batch.approved.by,
                approved_on=None if batch.approved is None else batch.approved.on,
                compliance_by=None if batch.compliance is None else batch.compliance.by,
                compliance_approved_on=None if batch.compliance is None else batch.compliance.on,
                executor=executed.by,
                executed_on=executed.on or event.destroyed_on,
                supervisors=batch.supervisors,
                it_supervisor=batch.it_supervisor,
                electronic=electronic,
            )
        except DomainError as error:
            raise Unfounded(
                f"the execution of destruction batch {batch_id} broke a rule: {error.en}",
                f"销毁批次 {batch_id} 的执行违反规定：{error.zh}",
            ) from None
        recorded = (
            UUID(str(event.actor_id)),
            [UUID(str(s)) for s in event.supervisors],
            None if event.it_supervisor is None else UUID(str(event.it_supervisor)),
            event.destroyed_on,
        )
        executed_as = (
            executed.by,
            [p.id for p in batch.supervisors],
            batch.it_supervisor_id,
            executed.on,
        )
        if recorded != executed_as:
            raise Unfounded(
                f"its executor, supervisors or date differ from those of the execution of "
                f"destruction batch {batch_id}",
                f"其执行人、监销人或日期与销毁批次 {batch_id} 的执行记录不符",
            )

    def _unfounded(self, note: Notification, batch_id: UUID | None, why: Unfounded) -> None:
        self.unfounded += 1
        dossier_id = UUID(str(note.originator_id))
        batch = "" if batch_id is None else f" in batch {batch_id}"
        self.findings.add(
            Finding(
                "destruction_unfounded",
                f"dossier {dossier_id} is recorded destroyed{batch} at position {note.id}, but "
                f"{why.en}: the destruction is not founded on a lawfully executed batch, so its "
                "missing documents and data key are damage",
                f"档案 {dossier_id} 在位置 {note.id} 记录为已销毁，但{why.zh}：该销毁没有合法执行"
                "的销毁批次为依据，其缺失的文档与数据密钥按损坏论处",
                position=note.id,
                dossier_id=dossier_id,
            )
        )
