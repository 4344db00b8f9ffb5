"""A destroyed dossier's destruction, checked from the bag's proven events (docs/integrity.md).

A bag of ``Dossier-Bundle-Version: 2`` or later holds, beside a destroyed dossier's
``Dossier.Destroyed`` event, the events of the destruction batch it names and the role grants
and revocations (``Staff.RoleGranted``, ``Staff.RoleRevoked``) of the people the batch names.
Only events whose inclusion proof holds are read, each from its stored state bytes (the event
store's JSON, which the proof covers) — never from the readable ``decoded`` copy. The rules are
those ``dossier verify`` applies to the whole log, written out again here with nothing but the
standard library; a test keeps them equal to the archive's own (``domain/disposition.py``,
``domain/authorization.py``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

MIN_SUPERVISORS: Final = 2
PERMITTED: Final = {
    "propose": frozenset({"archive_head"}),
    "approve": frozenset({"branch_head"}),
    "compliance_approve": frozenset({"compliance"}),
    "execute": frozenset({"archivist"}),
}
"""The roles that may take each step of a destruction batch."""
BUSINESS_ROLES: Final = frozenset(
    {
        "account_manager",
        "reviewer",
        "post_loan_officer",
        "risk_manager",
        "branch_head",
        "archivist",
        "archive_head",
        "compliance",
        "auditor",
    }
)
"""The roles a supervisor (监销人) must hold one of."""
IT_ROLES: Final = frozenset({"administrator"})
"""The roles an IT supervisor must hold one of."""

DESTROYED: Final = "Dossier.Destroyed"
GRANTED: Final = "Staff.RoleGranted"
REVOKED: Final = "Staff.RoleRevoked"
_BATCH: Final = "DestructionBatch."


@dataclass(frozen=True)
class Event:
    """A proven event of the bag: its position, aggregate, topic's class part and fields."""

    nid: int
    originator_id: uuid.UUID
    name: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class Unfounded:
    """A ``Destroyed`` event the bag does not show lawful, and why (English, Chinese)."""

    nid: int
    dossier_id: uuid.UUID
    detail: str
    detail_zh: str


def event_name(topic: str) -> str:
    """The class part of a topic (``Dossier.Destroyed``), whatever module it was stored under."""
    return topic.rpartition(":")[2]


def wanted(topic: str) -> bool:
    name = event_name(topic)
    return name in (DESTROYED, GRANTED, REVOKED) or name.startswith(_BATCH)


def plain(value: Any) -> Any:
    """The event store's JSON with its typed values (``{"_type_": …, "_data_": …}``) unwrapped."""
    if isinstance(value, dict):
        if set(value) == {"_type_", "_data_"}:
            return plain(value["_data_"])
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def read_state(state: bytes) -> dict[str, Any] | None:
    try:
        fields = plain(json.loads(state.decode("utf-8")))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return fields if isinstance(fields, dict) else None


def _id(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class _Broken(Exception):
    def __init__(self, detail: str, detail_zh: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.detail_zh = detail_zh


@dataclass
class _Step:
    by: uuid.UUID | None
    on: str | None
    broke: _Broken | None


@dataclass
class _Batch:
    proposed: _Step
    dossiers: set[uuid.UUID]
    approved: _Step | None = None
    compliance: _Step | None = None
    executed: _Step | None = None
    supervisors: list[tuple[uuid.UUID | None, frozenset[str]]] = field(default_factory=list)
    it_supervisor: tuple[uuid.UUID | None, frozenset[str]] | None = None


class Destructions:
    """Read the proven events in log order; judge each ``Destroyed`` against what came before."""

    def __init__(self) -> None:
        self.founded: set[uuid.UUID] = set()
        self.unfounded: list[Unfounded] = []
        self._roles: dict[uuid.UUID, set[str]] = {}
        self._batches: dict[uuid.UUID, _Batch] = {}

    def read(self, events: Iterable[Event]) -> None:
        for event in sorted(events, key=lambda e: e.nid):
            self._take(event)

    def _take(self, event: Event) -> None:
        f = event.fields
        who = event.originator_id
        if event.name == GRANTED:
            self._roles.setdefault(who, set()).add(str(f.get("granted_role")))
        elif event.name == REVOKED:
            self._roles.setdefault(who, set()).discard(str(f.get("revoked_role")))
        elif event.name == DESTROYED:
            try:
                self._judge(event)
            except _Broken as why:
                self.unfounded.append(Unfounded(event.nid, who, why.detail, why.detail_zh))
            else:
                self.founded.add(who)
        elif event.name == _BATCH + "Proposed":
            entries = _list(f.get("entries"))
            dossiers = {_id(e.get("dossier_id")) for e in entries if isinstance(e, dict)}
            step = self._step(f, "propose", f.get("proposed_on"))
            self._batches[who] = _Batch(step, {d for d in dossiers if d is not None})
        elif (batch := self._batches.get(who)) is not None:
            self._batch_step(batch, event)

    def _held(self, who: uuid.UUID | None) -> frozenset[str]:
        return frozenset(self._roles.get(who, ())) if who is not None else frozenset()

    def _step(self, f: dict[str, Any], action: str, on: Any, *apart: uuid.UUID | None) -> _Step:
        actor = _id(f.get("actor_id"))
        role = str(f.get("role"))
        broke = None
        if role not in self._held(actor):
            broke = _Broken(
                f"the actor did not hold the role {role} at that point of the log",
                f"其办理人当时并未担任岗位 {role}",
            )
        elif role not in PERMITTED[action]:
            broke = _Broken(
                f"the role {role} may not take this step", f"岗位 {role} 无权办理此步骤"
            )
        elif actor in apart:
            broke = _Broken(
                "it was taken by someone who already held another duty in the batch",
                "其办理人已在该批次中承担其他职责",
            )
        return _Step(actor, None if on is None else str(on), broke)

    def _batch_step(self, batch: _Batch, event: Event) -> None:
        f = event.fields
        proposer = batch.proposed.by
        if event.name == _BATCH + "Approved" and batch.approved is None:
            batch.approved = self._step(f, "approve", f.get("approved_on"), proposer)
        elif event.name == _BATCH + "ComplianceApproved" and batch.compliance is None:
            approver = None if batch.approved is None else batch.approved.by
            batch.compliance = self._step(
                f, "compliance_approve", f.get("approved_on"), proposer, approver
            )
        elif event.name == _BATCH + "Executed" and batch.executed is None:
            batch.executed = self._step(f, "execute", f.get("executed_on"))
            supervisors = _list(f.get("supervisors"))
            batch.supervisors = [(_id(s), self._held(_id(s))) for s in supervisors]
            it = _id(f.get("it_supervisor")) if f.get("it_supervisor") is not None else None
            batch.it_supervisor = None if it is None else (it, self._held(it))

    def _judge(self, event: Event) -> None:
        f = event.fields
        batch_id = _id(f.get("batch_id"))
        batch = None if batch_id is None else self._batches.get(batch_id)
        if batch is None:
            raise _Broken(
                f"the bag holds no proposal of destruction batch {batch_id} before it",
                f"审计包中此前没有销毁批次 {batch_id} 的提出事件",
            )
        if event.originator_id not in batch.dossiers:
            raise _Broken(
                f"destruction batch {batch_id} does not list this dossier in its register",
                f"销毁批次 {batch_id} 的销毁清册未列入该档案",
            )
        executed = batch.executed
        if batch.approved is None or batch.compliance is None:
            raise _Broken(
                f"destruction batch {batch_id} lacks its approval or compliance approval",
                f"销毁批次 {batch_id} 缺少批准或合规审批",
            )
        if executed is None:
            raise _Broken(
                f"destruction batch {batch_id} is not executed before it",
                f"销毁批次 {batch_id} 此前未执行",
            )
        for what, what_zh, step in (
            ("its proposal", "其提出", batch.proposed),
            ("its approval", "其批准", batch.approved),
            ("its compliance approval", "其合规审批", batch.compliance),
            ("its execution", "其执行", executed),
        ):
            if step.broke is not None:
                raise _Broken(
                    f"{what} in destruction batch {batch_id} broke a rule: {step.broke.detail}",
                    f"销毁批次 {batch_id} {what_zh}违反规定：{step.broke.detail_zh}",
                )
        self._check_execution(
            batch, batch_id, bool(f.get("documents")), executed, batch.approved, batch.compliance
        )
        recorded = (
            _id(f.get("actor_id")),
            [_id(s) for s in _list(f.get("supervisors"))],
            _id(f.get("it_supervisor")) if f.get("it_supervisor") is not None else None,
            None if f.get("destroyed_on") is None else str(f.get("destroyed_on")),
        )
        it = None if batch.it_supervisor is None else batch.it_supervisor[0]
        if recorded != (executed.by, [s for s, _ in batch.supervisors], it, executed.on):
            raise _Broken(
                "its executor, supervisors or date differ from those of the execution of "
                f"destruction batch {batch_id}",
                f"其执行人、监销人或日期与销毁批次 {batch_id} 的执行记录不符",
            )

    def _check_execution(
        self,
        batch: _Batch,
        batch_id: uuid.UUID | None,
        documents: bool,
        executed: _Step,
        approved: _Step,
        compliance: _Step,
    ) -> None:
        proposer, executor = batch.proposed.by, executed.by

        def broke(detail: str, detail_zh: str) -> _Broken:
            return _Broken(
                f"the execution of destruction batch {batch_id} broke a rule: {detail}",
                f"销毁批次 {batch_id} 的执行违反规定：{detail_zh}",
            )

        if executor in (proposer, approved.by, compliance.by):
            raise broke(
                "the executor may not be the proposer or an approver of the batch",
                "执行人不得是提出人或审批人",
            )
        for since in (approved.on, compliance.on):
            if executed.on is not None and since is not None and executed.on < since:
                raise broke(
                    f"executed on {executed.on}, before its approval of {since}",
                    f"执行日期 {executed.on} 早于审批日期 {since}",
                )
        ids = [s for s, _ in batch.supervisors]
        if len(set(ids)) < MIN_SUPERVISORS or len(set(ids)) != len(ids):
            raise broke(
                f"destruction needs at least {MIN_SUPERVISORS} different supervisors present",
                f"销毁须有至少 {MIN_SUPERVISORS} 名不同的监销人在场",
            )
        if any(s in (proposer, executor) for s in ids):
            raise broke(
                "a supervisor may be neither the proposer nor the executor",
                "监销人不得是提出人或执行人",
            )
        if not all(roles & BUSINESS_ROLES for _, roles in batch.supervisors):
            raise broke("each supervisor must hold a business role", "监销人须为担任业务岗位的人员")
        if not documents and batch.it_supervisor is None:
            return
        if batch.it_supervisor is None or not batch.it_supervisor[1] & IT_ROLES:
            raise broke(
                "destroying electronic records needs an IT supervisor (system administrator)",
                "销毁电子档案须有信息技术（系统管理员）监销人在场",
            )
        if batch.it_supervisor[0] in (*ids, executor, proposer):
            raise broke(
                "the IT supervisor may hold no other duty in the batch",
                "信息技术监销人不得兼任其他职责",
            )
