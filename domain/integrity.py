"""The audit of the audit: each integrity verification run and each audit bundle issued.

Checking the record is itself evidence: who verified the log, up to which tree size and
against which signed root, with what result; who was handed an audit bundle (审计证据包) of
which loan, sealed by which checkpoint. Both are one-event aggregates recorded after the work
is done (a verification that found discrepancies is recorded all the same — that is the point).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.authorization import Action, authorize
from domain.errors import InvalidInputError
from domain.values import Actor, Role, require_text

MAX_RECORDED_DISCREPANCIES = 200
"""A run records at most this many discrepancies in its event (and their total count)."""

DISCREPANCY_FIELDS = ("check", "position", "document", "detail")


class IntegrityVerification(Aggregate):
    """One run of the integrity verification (完整性校验) over the whole record."""

    @classmethod
    def record(
        cls,
        *,
        started_at: datetime,
        finished_at: datetime,
        events_checked: int,
        documents_checked: int,
        checkpoints_checked: int,
        tree_size: int,
        root_hash: str,
        discrepancies: Sequence[Mapping[str, Any]],
        actor: Actor,
    ) -> IntegrityVerification:
        """Record a finished run, clean or not."""
        authorize(actor, Action.VERIFY_INTEGRITY)
        if finished_at < started_at:
            raise InvalidInputError(
                "校验结束时间早于开始时间", "a verification cannot finish before it starts"
            )
        if min(events_checked, documents_checked, checkpoints_checked, tree_size) < 0:
            raise InvalidInputError("计数不能为负", "counts cannot be negative")
        kept = [
            {k: (None if d.get(k) is None else str(d.get(k))) for k in DISCREPANCY_FIELDS}
            for d in discrepancies[:MAX_RECORDED_DISCREPANCIES]
        ]
        return cls(
            run_id=uuid4(),
            started_at=started_at,
            finished_at=finished_at,
            events_checked=events_checked,
            documents_checked=documents_checked,
            checkpoints_checked=checkpoints_checked,
            tree_size=tree_size,
            root_hash=root_hash,
            discrepancy_count=len(discrepancies),
            discrepancies=kept,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("Recorded")
    def __init__(
        self,
        *,
        run_id: UUID,
        started_at: datetime,
        finished_at: datetime,
        events_checked: int,
        documents_checked: int,
        checkpoints_checked: int,
        tree_size: int,
        root_hash: str,
        discrepancy_count: int,
        discrepancies: list[dict[str, Any]],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.run_id = run_id
        self.started_at = started_at
        self.finished_at = finished_at
        self.events_checked = events_checked
        self.documents_checked = documents_checked
        self.checkpoints_checked = checkpoints_checked
        self.tree_size = tree_size
        self.root_hash = root_hash
        self.discrepancy_count = discrepancy_count
        self.discrepancies = discrepancies
        self.verified_by = actor_id
        self.role = role

    @staticmethod
    def create_id(run_id: UUID) -> UUID:
        return run_id

    @property
    def intact(self) -> bool:
        return self.discrepancy_count == 0


class AuditBundle(Aggregate):
    """An audit bundle (审计证据包) of one loan, handed to an auditor or a third party."""

    @classmethod
    def issue(
        cls,
        *,
        bundle_id: UUID,
        loan_no: str,
        purpose: str,
        tree_size: int,
        root_hash: str,
        key_id: str,
        events: int,
        document_count: int,
        tagmanifest_sha256: str,
        actor: Actor,
    ) -> AuditBundle:
        """Record that a bundle was made: of what, sealed by which checkpoint, for what."""
        authorize(actor, Action.ISSUE_AUDIT_BUNDLE)
        require_text(purpose, "purpose")
        if tree_size <= 0 or events <= 0 or document_count < 0:
            raise InvalidInputError(
                "证据包须包含已封存的事件", "a bundle holds sealed events", field="tree_size"
            )
        return cls(
            bundle_id=bundle_id,
            loan_no=loan_no,
            purpose=purpose,
            tree_size=tree_size,
            root_hash=root_hash,
            key_id=key_id,
            events=events,
            document_count=document_count,
            tagmanifest_sha256=tagmanifest_sha256,
            actor_id=actor.id,
            role=actor.role,
        )

    class Issued(Aggregate.Created):
        """The bundle was made and handed out.

        Version 2 names the number of documents the bag holds ``document_count``: an event's
        ``documents`` is, everywhere else, the list of documents it cites, and readers of the
        log (the accountability trail) take it as such. A version-1 event, stored with that
        count under ``documents``, reads back with it under ``document_count``.
        """

        class_version = 2

        bundle_id: UUID
        loan_no: str
        purpose: str
        tree_size: int
        root_hash: str
        key_id: str
        events: int
        document_count: int
        tagmanifest_sha256: str
        actor_id: UUID
        role: Role

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["document_count"] = state.pop("documents")

    @event(Issued)
    def __init__(
        self,
        *,
        bundle_id: UUID,
        loan_no: str,
        purpose: str,
        tree_size: int,
        root_hash: str,
        key_id: str,
        events: int,
        document_count: int,
        tagmanifest_sha256: str,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.bundle_id = bundle_id
        self.loan_no = loan_no
        self.purpose = purpose
        self.tree_size = tree_size
        self.root_hash = root_hash
        self.key_id = key_id
        self.events = events
        self.document_count = document_count
        self.tagmanifest_sha256 = tagmanifest_sha256
        self.issued_by = actor_id
        self.role = role

    @staticmethod
    def create_id(bundle_id: UUID) -> UUID:
        return bundle_id
