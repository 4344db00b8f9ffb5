"""重点客户监测 at the console: the key customers on a date and the month's off-site monitoring
records with their flags' outcomes.

``/monitoring`` lists the key customers on a business date (today by default) within the
viewer's data scope, ranked bank-wide, as ``GET /api/v1/monitoring/key-customers`` does — each
with why it is key, the unit leading its on-site inspection, its last on-site and led
inspections and the month's monitoring — and below, the month's records from the central
monitoring register (批量监管): the judgment, where the three-layer filter stands and who
monitored, verified and decided, every person by name. The records themselves are made through
the API and the CLI (``dossier postloan monitoring``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.routers.monitoring import listed as key_customers
from api.web.pages.common import enter, listed, page_router, registers_of
from api.web.pages.loans import masked
from api.web.render import render
from api.web.session import ViewerDep, archive_of
from domain.authorization import Action
from domain.errors import DomainError
from domain.monitoring import FlagState, Judgment, month_text
from projections.query import AsOf

router = page_router()
REGISTER = "monitoring_register"


@router.get("/monitoring")
async def monitoring_page(request: Request, viewer: ViewerDep, on: str = "") -> Response:
    """The key customers on ``on`` and the month's monitoring records."""
    enter(request, viewer, "loans")
    archive = archive_of(request)
    refused = ""
    try:
        day = date.fromisoformat(on.strip()) if on.strip() else archive.today()
    except ValueError:
        day, refused = (
            archive.today(),
            viewer.t.pick(f"日期 {on!r} 无效，须为 YYYY-MM-DD", f"date {on!r} is not YYYY-MM-DD"),
        )

    def read() -> tuple[Any, list[dict[str, Any]]]:
        _actor, scope = archive.reading_scope(viewer.ctx, Action.READ_BUSINESS)
        answer = key_customers(
            registers_of(request), archive, on=day, as_of=AsOf(), scope=scope, branch=None
        )
        rows = listed(
            request, viewer, REGISTER, "records", order_by=["borrower_id"], month=month_text(day)
        )
        return answer, rows

    answer: Any = None
    rows: list[dict[str, Any]] = []
    if not refused:
        try:
            answer, rows = await run_in_threadpool(read)
        except DomainError as exc:
            refused = viewer.t.pick(exc.zh, exc.en)
    return render(
        request,
        "monitoring.html",
        viewer,
        area="loans",
        on=day.isoformat(),
        month=month_text(day),
        answer=answer,
        rows=rows,
        refused=refused,
        judgments={j.value: j for j in Judgment},
        states={s.value: s for s in FlagState},
        masked=masked,
    )
