"""The rows an event adds to the trail: its line in ``actions``, the loan its aggregate belongs
to in ``subjects``, and one line in ``parts`` per person a loan event names."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from domain.values import ResponsibilityStage
from projections.changes import Changes
from projections.registers.responsibility.summaries import (
    VERBS,
    aggregate_of,
    business_date,
    cited_hashes,
    summary,
)
from projections.registers.responsibility.tables import AggregateType, Part

# Attributes naming the other person an event concerns, in order of preference.
SUBJECT_FIELDS = ("person_id", "receiving_id", "reviewer_id", "proposer_id")


def _value(member: Any) -> Any:
    return member.value if isinstance(member, Enum) else member


def record_action(event: Any, changes: Changes, subject_id: UUID | None = None) -> None:
    """Append the event's row to ``actions`` if it has an actor (receipts and indexes
    have none: they are bookkeeping of the actions, not actions)."""
    note_subject(event, changes)
    actor_id = getattr(event, "actor_id", None)
    role = getattr(event, "role", None)
    if actor_id is None or role is None:
        return
    aggregate = aggregate_of(event)
    if subject_id is None:
        subject_id = subject_of(event, aggregate, actor_id)
    loan = changes.get("subjects", event.originator_id) or {}
    actor = changes.get("staff", actor_id) or {}
    subject = (changes.get("staff", subject_id) or {}) if subject_id is not None else {}
    hashes = cited_hashes(event)
    changes.append(
        "actions",
        {
            "position": changes.position,
            "recorded_at": changes.at,
            "actor_id": actor_id,
            "actor_staff_no": actor.get("staff_no"),
            "actor_name": actor.get("name"),
            "role": _value(role),
            "aggregate": aggregate,
            "originator_id": event.originator_id,
            "originator_version": event.originator_version,
            "event": type(event).__name__,
            "loan_id": loan.get("loan_id"),
            "loan_no": loan.get("loan_no"),
            "business_date": business_date(event),
            "summary": summary(event),
            "document_count": len(hashes),
            "documents": ",".join(hashes),
            "subject_id": subject_id,
            "subject_staff_no": subject.get("staff_no"),
            "subject_name": subject.get("name"),
        },
    )


def note_subject(event: Any, changes: Changes) -> None:
    """An aggregate created for a loan (its dossier, a collateral) belongs to that loan."""
    loan_id = getattr(event, "loan_id", None)
    loan_no = getattr(event, "loan_no", None)
    if event.originator_version == 1 and isinstance(loan_id, UUID) and loan_no:
        changes.put(
            "subjects",
            (event.originator_id,),
            {"aggregate": aggregate_of(event), "loan_id": loan_id, "loan_no": loan_no},
        )


def subject_of(event: Any, aggregate: str, actor_id: UUID) -> UUID | None:
    """The other person the event concerns, if any."""
    if aggregate == AggregateType.STAFF.value:
        subject: UUID = event.originator_id
        return subject
    for field in SUBJECT_FIELDS:
        value = getattr(event, field, None)
        if isinstance(value, UUID):
            return value
    for custodian in getattr(event, "custodian_ids", None) or ():
        if custodian != actor_id:
            other: UUID = custodian
            return other
    return None


def record_part(
    event: Any,
    changes: Changes,
    part: Part,
    person_id: UUID | None,
    *,
    stage: ResponsibilityStage | None,
    on_date: date | None = None,
    record_id: UUID | None = None,
    label: str | None = None,
    text: str | None = None,
) -> None:
    """One person named by a loan event, in one capacity."""
    if person_id is None:
        return
    loan = changes.get("subjects", event.originator_id) or {}
    person = changes.get("staff", person_id) or {}
    changes.append(
        "parts",
        {
            "loan_id": loan.get("loan_id", event.originator_id),
            "loan_no": loan.get("loan_no"),
            "position": changes.position,
            "recorded_at": changes.at,
            "event": type(event).__name__,
            "stage": stage.value if stage is not None else None,
            "part": part.value,
            "person_id": person_id,
            "staff_no": person.get("staff_no"),
            "name": person.get("name"),
            "role": _value(event.role) if person_id == event.actor_id else None,
            "on_date": on_date,
            "record_id": record_id,
            "label": label[:200] if label else label,
            "text": text,
        },
    )


def record_actor_part(
    event: Any, changes: Changes, part: Part, stage: ResponsibilityStage | None, **kw: Any
) -> None:
    """The event's row in ``actions`` and its actor's part in it."""
    record_action(event, changes)
    record_part(event, changes, part, event.actor_id, stage=stage, **kw)


@dataclass(frozen=True)
class ActorPart:
    """The part the actor of one kind of loan event plays, and where the event says the rest.

    ``on_date``, ``record_id`` and ``text`` name the event's fields holding the business day,
    the record it concerns and its text; ``label`` reads the label from the event. Each is left
    empty when not given.
    """

    part: Part
    stage: ResponsibilityStage | None
    on_date: str | None = None
    record_id: str | None = None
    label: Callable[[Any], str] | None = None
    text: str | None = None

    def record(self, event: Any, changes: Changes) -> None:
        """The event's row in ``actions`` and its actor's row in ``parts``."""
        record_actor_part(
            event,
            changes,
            self.part,
            self.stage,
            on_date=getattr(event, self.on_date) if self.on_date else None,
            record_id=getattr(event, self.record_id) if self.record_id else None,
            label=self.label(event) if self.label else None,
            text=getattr(event, self.text) if self.text else None,
        )

    def handler(self) -> Callable[[Any, Any, Changes], None]:
        """A register's handler of the event: records the part, whichever register calls it."""

        def handle(register: Any, event: Any, changes: Changes) -> None:
            self.record(event, changes)

        return handle


def workout(on_date: str, stage: ResponsibilityStage) -> ActorPart:
    """A restructuring, extension, transfer to asset preservation or write-off: who did it."""
    return ActorPart(
        Part.WORKOUT_APPROVER,
        stage,
        on_date=on_date,
        label=lambda event: VERBS[type(event).__name__],
        text="reason",
    )


POST_LOAN = ResponsibilityStage.POST_LOAN
COLLECTION = ResponsibilityStage.COLLECTION

ACTOR_PARTS: Mapping[str, ActorPart] = {
    "InspectionCorrected": ActorPart(
        Part.CORRECTOR,
        POST_LOAN,
        record_id="inspection_id",
        label=lambda event: event.reason,
        text="findings",
    ),
    "InspectionCountersigned": ActorPart(
        Part.REVIEWER,
        POST_LOAN,
        on_date="countersigned_on",
        record_id="inspection_id",
        label=lambda event: "复核意见（逾期）" if event.late else "复核意见",
        text="opinion",
    ),
    "ClassificationProposed": ActorPart(
        Part.PROPOSER,
        POST_LOAN,
        on_date="as_of",
        record_id="proposal_id",
        label=lambda event: event.grade.zh,
        text="reason",
    ),
    "ClassificationDetermined": ActorPart(
        Part.CLASSIFICATION_DETERMINER,
        POST_LOAN,
        on_date="as_of",
        record_id="proposal_id",
        label=lambda event: event.grade.zh,
        text="reason",
    ),
    "ClassificationRejected": ActorPart(
        Part.REJECTER, POST_LOAN, record_id="proposal_id", text="reason"
    ),
    "WarningRaised": ActorPart(
        Part.RAISER,
        POST_LOAN,
        on_date="raised_on",
        record_id="signal_id",
        label=lambda event: f"{event.colour.zh} {event.code}",
        text="reason",
    ),
    "WarningHandled": ActorPart(
        Part.HANDLER, POST_LOAN, on_date="handled_on", record_id="signal_id", text="measures"
    ),
    "WarningReported": ActorPart(
        Part.WARNING_REPORTER, POST_LOAN, on_date="reported_on", record_id="signal_id"
    ),
    "WarningFeedbackGiven": ActorPart(
        Part.FEEDBACK_GIVER, POST_LOAN, on_date="feedback_on", record_id="signal_id", text="result"
    ),
    "WarningDetermined": ActorPart(
        Part.WARNING_DETERMINER,
        POST_LOAN,
        on_date="determined_on",
        record_id="signal_id",
        label=lambda event: "风险属实" if event.confirmed else "风险排除",
        text="opinion",
    ),
    "WarningCleared": ActorPart(
        Part.CLEARER, POST_LOAN, on_date="cleared_on", record_id="signal_id", text="reason"
    ),
    "CollectionStepTaken": ActorPart(
        Part.COLLECTOR,
        COLLECTION,
        on_date="taken_on",
        record_id="step_id",
        label=lambda event: event.kind.zh,
        text="outcome",
    ),
    "Restructured": workout("restructured_on", POST_LOAN),
    "Extended": workout("approved_on", POST_LOAN),
    "TransferredToAssetPreservation": workout("transferred_on", COLLECTION),
    "WrittenOff": workout("written_off_on", COLLECTION),
    "DisposalPlanSubmitted": ActorPart(
        Part.DISPOSAL_SUBMITTER,
        COLLECTION,
        on_date="submitted_on",
        record_id="plan_id",
        label=lambda event: event.method.zh,
        text="plan",
    ),
    "DisposalPlanDecided": ActorPart(
        Part.DISPOSAL_APPROVER,
        COLLECTION,
        on_date="decided_on",
        record_id="plan_id",
        label=lambda event: "批准" if event.approved else "不予批准",
        text="opinion",
    ),
    "DisposalResultRecorded": ActorPart(
        Part.DISPOSAL_EXECUTOR,
        COLLECTION,
        on_date="executed_on",
        record_id="plan_id",
        label=lambda event: f"收回 {event.recovered} 元",
        text="result",
    ),
    "ObjectionRecorded": ActorPart(
        Part.AUTHOR,
        None,
        record_id="objection_id",
        label=lambda event: event.subject,
        text="text",
    ),
}
"""Loan events whose only part is their actor's, by event name."""
