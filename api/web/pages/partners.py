"""合作机构 — the partner institutions and their figures on a business date, as
``GET /api/v1/partners`` gives them: each institution's type, contact, cooperation and status
(with the reason of a suspension), its loans the reader reaches, their balance, 合作机构不良率,
代偿率 and the recovery claim outstanding, the flags over the rules' lines and the next
communication due with a servicer; people by name. Read-only: institutions are registered,
suspended and resumed through the API."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from api.routers.partners import partners_answer
from api.web.pages.common import enter, page_router, registers_of
from api.web.render import render
from api.web.session import ViewerDep, archive_of
from domain.authorization import Action

router = page_router()


@router.get("/partners")
def partners(
    request: Request,
    viewer: ViewerDep,
    on: Annotated[date | None, Query()] = None,
) -> Response:
    """The institutions and their figures on ``on`` (today by default)."""
    enter(request, viewer, "portfolio")
    archive = archive_of(request)
    _actor, data_scope = archive.reading_scope(viewer.ctx, Action.READ_PORTFOLIO)
    found = partners_answer(
        registers_of(request),
        archive,
        on=on or archive.today(),
        position=None,
        data_scope=data_scope,
    )
    return render(request, "partners.html", viewer, area="portfolio", found=found, scope=data_scope)
