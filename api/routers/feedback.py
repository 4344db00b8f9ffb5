"""Feedback from the operating branches (经办行反馈问题): raised, assigned, answered with the
measures taken, closed by whoever raised it or sent back, escalated when late."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import ArchiveDep, ReadCtx
from api.routers import command_route
from archive.application import DossierArchive
from archive.commands.feedback import (
    AnswerFeedback,
    AssignFeedback,
    ConcludeFeedback,
    EscalateFeedback,
    RaiseFeedback,
)
from domain.display import UNKNOWN_PERSON
from domain.errors import NotFoundError
from domain.feedback import BranchFeedback

router = APIRouter(prefix="/feedback", tags=["feedback 经办行反馈问题"])

command_route(router, "", RaiseFeedback, schema="FeedbackCreate")
command_route(router, "/{feedback_id}/assignment", AssignFeedback, schema="FeedbackAssignment")
command_route(router, "/{feedback_id}/answer", AnswerFeedback, schema="FeedbackAnswer")
command_route(router, "/{feedback_id}/conclusion", ConcludeFeedback, schema="FeedbackConclusion")
command_route(router, "/{feedback_id}/escalation", EscalateFeedback, schema="FeedbackEscalation")


class FeedbackPublic(BaseModel):
    """A branch's feedback and where it stands."""

    feedback_id: UUID
    version: int
    feedback_no: str
    branch: str
    topic: str
    topic_zh: str
    loan_no: str | None
    reference: str | None
    description: str
    raised_on: date
    raised_by: str = Field(description="姓名（工号）")
    answer_due: date
    handler: str | None = Field(description="姓名（工号）, who answers it")
    assigned_on: date | None
    answered_on: date | None
    answer: str | None
    measures: str | None
    returned: int = Field(description="times sent back (退回)")
    escalated_on: date | None
    escalated_to: str | None
    closed_on: date | None
    state: str
    state_zh: str


def _name(archive: DossierArchive, staff_id: UUID | None) -> str | None:
    if staff_id is None:
        return None
    try:
        return archive.form_name(staff_id)
    except NotFoundError:
        return UNKNOWN_PERSON


def public(archive: DossierArchive, found: BranchFeedback) -> FeedbackPublic:
    return FeedbackPublic(
        feedback_id=found.id,
        version=found.version,
        feedback_no=found.feedback_no,
        branch=found.branch,
        topic=found.topic.value,
        topic_zh=found.topic.zh,
        loan_no=found.loan_no,
        reference=found.reference,
        description=found.description,
        raised_on=found.raised_on,
        raised_by=_name(archive, found.raiser_id) or UNKNOWN_PERSON,
        answer_due=found.answer_due,
        handler=_name(archive, found.handler_id),
        assigned_on=found.assigned_on,
        answered_on=found.answered_on,
        answer=found.answer,
        measures=found.measures,
        returned=found.returned,
        escalated_on=found.escalated_on,
        escalated_to=found.escalated_to.value if found.escalated_to else None,
        closed_on=found.closed_on,
        state=found.state.value,
        state_zh=found.state.zh,
    )


@router.get(
    "/{feedback_id}", response_model=FeedbackPublic, summary="反馈问题 / a branch's feedback"
)
async def branch_feedback(feedback_id: UUID, archive: ArchiveDep, ctx: ReadCtx) -> FeedbackPublic:
    """The feedback and where it stands: to its raiser and handler, and to the business
    readers whose scope holds the raising unit."""
    found = await run_in_threadpool(archive.read_branch_feedback, ctx, feedback_id)
    return await run_in_threadpool(public, archive, found)
