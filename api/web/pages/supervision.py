"""贷后管理检查 — supervision checks of post-loan work: the list and one check.

Those who read the accountability trail see every check in their data scope, by the unit
checked; anyone else sees the checks of their own work. A check shows its sheet item by item,
its score against the pass mark, its rectification notice (限期整改通知书, the PDF as issued),
the rectification reported and accepted, and the penalties — every person by name. The checks
themselves are recorded through the API and the CLI (``dossier postloan supervise``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response

from api.routers.supervision import public
from api.web.pages.common import listed, page_router
from api.web.render import render
from api.web.session import ViewerDep, archive_of
from domain.authorization import Action
from domain.display import person
from domain.scope import RowScope
from domain.supervision import CheckState

router = page_router()
REGISTER = "supervision_register"


@router.get("/supervision")
def supervision_checks(request: Request, viewer: ViewerDep) -> Response:
    newest = ["-checked_on", "-check_no"]
    rows: list[dict[str, Any]]
    if viewer.can(Action.READ_TRAIL):
        rows, every = listed(request, viewer, REGISTER, "checks", order_by=newest), True
    else:
        rows = [
            r
            for r in listed(
                request, viewer, REGISTER, "checks", order_by=newest, scope=RowScope.everything()
            )
            if r.get("staff_id") == person(viewer.staff.name, viewer.staff.staff_no)
            or (r.get("subject") == "branch" and r.get("branch") == viewer.staff.branch)
        ]
        every = False
    return render(
        request,
        "supervision.html",
        viewer,
        area="audit",
        rows=rows,
        every=every,
        states={s.value: s for s in CheckState},
    )


@router.get("/supervision/{check_id}")
def supervision_check(check_id: UUID, request: Request, viewer: ViewerDep) -> Response:
    archive = archive_of(request)
    check = archive.read_supervision_check(viewer.ctx, check_id)
    return render(
        request,
        "supervision_check.html",
        viewer,
        area="audit",
        check=public(archive, check),
    )


@router.get("/supervision/{check_id}/notice.pdf")
def notice_pdf(check_id: UUID, request: Request, viewer: ViewerDep) -> Response:
    _notice_no, pdf = archive_of(request).rectification_notice_pdf(viewer.ctx, check_id)
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="rectification-notice.pdf"'},
    )
