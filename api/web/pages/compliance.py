"""合规 — compliance: the compliance report (合规检查报告) for the whole portfolio on today,
as ``GET /api/v1/reports/compliance`` builds it: completeness, gaps by document type, overdue
work by owner, loans at or below their statutory floor, notices without a receipt, dossiers
past retention not yet appraised."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from api.routers.compliance import build
from api.web.pages.common import enter, page_router, registers_of
from api.web.render import render
from api.web.session import ViewerDep, archive_of
from domain.authorization import Action

router = page_router()
SHOWN = 20


@router.get("/compliance")
def compliance(request: Request, viewer: ViewerDep) -> Response:
    enter(request, viewer, "compliance")
    archive = archive_of(request)
    _actor, data_scope = archive.reading_scope(viewer.ctx, Action.READ_COMPLIANCE_REPORT)
    report = build(
        registers_of(request),
        archive,
        on=None,
        branch=None,
        product=None,
        as_of_position=None,
        wait=0,
        data_scope=data_scope,
    )
    return render(
        request,
        "compliance.html",
        viewer,
        area="compliance",
        report=report,
        scope=data_scope,
        shown=SHOWN,
    )
