"""资产质量 — the portfolio's metrics (资产质量指标) on a business date, as
``GET /api/v1/portfolio/metrics`` counts them, by branch, product or account manager (by name),
of the loans the reader reaches: 不良率, 逾期率, 关注类占比, and over the period from ``since``
the 迁徙率, 收回率 and 核销. Read-only; the risk-monitoring report is issued over the API and the
CLI."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Query, Request
from fastapi.responses import Response

from api.routers.portfolio import metrics
from api.web.pages.common import enter, page_router, registers_of
from api.web.render import render
from api.web.session import ViewerDep, archive_of
from domain.authorization import Action
from domain.portfolio import GRADES, MIGRATING, GroupBy, check_period, quarter_start, shown

router = page_router()


@router.get("/portfolio")
def portfolio(
    request: Request,
    viewer: ViewerDep,
    on: Annotated[date | None, Query()] = None,
    since: Annotated[date | None, Query()] = None,
    by: Annotated[Literal["branch", "product", "manager"], Query()] = "branch",
) -> Response:
    """The metrics on ``on`` (today by default), the period from ``since``, grouped ``by``."""
    enter(request, viewer, "portfolio")
    archive = archive_of(request)
    _actor, data_scope = archive.reading_scope(viewer.ctx, Action.READ_PORTFOLIO)
    day = on or archive.today()
    start = since or quarter_start(day)
    check_period(start, day, archive.today())
    found = metrics(
        registers_of(request),
        on=day,
        since=start,
        by=GroupBy.parse(by, "by"),
        branch=None,
        data_scope=data_scope,
    )
    return render(
        request,
        "portfolio.html",
        viewer,
        area="portfolio",
        found=found,
        scope=data_scope,
        groupings=list(GroupBy),
        grades=GRADES,
        migrating=MIGRATING,
        shown=shown,
    )
