"""经办行反馈问题 — the operating branches' feedback: the list and one feedback.

Every business reader sees the feedback of the units in their data scope, newest first, its
raiser and handler by name, its deadline, state and whose turn it is; one feedback shows the
problem, the answer and the measures taken. Feedback is raised and handled through the API and
the CLI (``dossier postloan feedback``); the work queue asks each step of whose turn it is."""

from __future__ import annotations

from uuid import UUID

from fastapi import Request
from fastapi.responses import Response

from api.routers.feedback import public
from api.web.pages.common import listed, page_router
from api.web.render import render
from api.web.session import ViewerDep, archive_of
from domain.feedback import FeedbackState
from domain.values import FeedbackTopic

router = page_router()
REGISTER = "feedback_register"


@router.get("/feedback")
def feedback_list(request: Request, viewer: ViewerDep) -> Response:
    rows = listed(request, viewer, REGISTER, "feedback", order_by=["-raised_on", "-feedback_no"])
    return render(
        request,
        "feedback.html",
        viewer,
        area="audit",
        rows=rows,
        states={s.value: s for s in FeedbackState},
        topics={t.value: t for t in FeedbackTopic},
    )


@router.get("/feedback/{feedback_id}")
def feedback_one(feedback_id: UUID, request: Request, viewer: ViewerDep) -> Response:
    archive = archive_of(request)
    found = archive.read_branch_feedback(viewer.ctx, feedback_id)
    return render(
        request, "feedback_one.html", viewer, area="audit", feedback=public(archive, found)
    )
