"""工作台 — the workbench: the person's own tasks, overdue first, from the work queue.

The same read as ``GET /api/v1/tasks/mine``: the work queue judged on the archive's today,
owner = the signed-in person.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from api.routers.tasks import judge
from api.web.pages.common import listed, page_router, registers_of
from api.web.render import render
from api.web.session import Viewer, ViewerDep, archive_of
from domain.authorization import Action
from domain.scope import RowScope
from domain.tasks import TaskKind
from projections.query import AsOf

router = page_router()


@router.get("/")
def workbench(request: Request, viewer: ViewerDep) -> Response:
    archive = archive_of(request)
    tasks = None
    scope: RowScope | None = None
    if viewer.can(Action.READ_BUSINESS):
        actor, scope = archive.reading_scope(viewer.ctx, Action.READ_BUSINESS)
        tasks = judge(
            registers_of(request),
            archive,
            on=None,
            as_of=AsOf(),
            owner_id=actor.id,
            scope=scope,
        )
    evaluations_due = None
    if viewer.can(Action.EVALUATE_POST_LOAN_DUTIES) and viewer.can(Action.READ_ALL_TASKS):
        # 履职评价: tasks about account managers, owned by a role rather than a person.
        _actor, all_scope = archive.reading_scope(viewer.ctx, Action.READ_ALL_TASKS)
        evaluations_due = judge(
            registers_of(request),
            archive,
            on=None,
            as_of=AsOf(),
            scope=all_scope,
            kind=TaskKind.DUTY_EVALUATION.value,
        ).data
    about_me = _determinations_about(request, viewer) if tasks else 0
    overdue = [t for t in tasks.data if t.overdue] if tasks else []
    due = [t for t in tasks.data if not t.overdue] if tasks else []
    return render(
        request,
        "workbench.html",
        viewer,
        area="workbench",
        tasks=tasks,
        scope=scope,
        overdue=overdue,
        due=due,
        subjects=any(t.subject for t in tasks.data) if tasks else False,
        today=archive.today(),
        about_me=about_me,
        evaluations_due=evaluations_due,
        # The integration identity (系统对接岗) imports the core feed and reads no business.
        imports_feed=viewer.can(Action.IMPORT_FEED),
    )


def _determinations_about(request: Request, viewer: Viewer) -> int:
    """How many responsibility determinations name the person and are not yet appealed."""
    rows = listed(
        request,
        viewer,
        "accountability_trail",
        "determinations",
        limit=100,
        scope=RowScope.everything(),
        person_staff_no=viewer.staff.staff_no,
    )
    return sum(1 for row in rows if not row["appeal_reason"])
