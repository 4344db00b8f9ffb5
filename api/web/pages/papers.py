"""贷后管理文书 — post-loan management papers: the list, and on a loan's page the measures the
meetings decided for it (逐户研究措施).

The list shows the papers within the reader's data scope by the writing unit (and those sent up
to the reader's unit), each with its kind, period, author, due date, the step of its chain
awaited, to whom it was submitted and who read it there — every person by name. The papers
themselves are drafted and reviewed through the API and the CLI (``dossier postloan paper``);
the document of each opens from the list.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response

from api.web.pages.common import listed, page_router
from api.web.render import render
from api.web.session import Viewer, ViewerDep, archive_of
from domain.papers import PaperState
from domain.values import Role

router = page_router()
REGISTER = "paper_register"


@router.get("/papers")
def papers(request: Request, viewer: ViewerDep) -> Response:
    rows = listed(request, viewer, REGISTER, "papers", order_by=["-drafted_on", "-paper_no"])
    return render(
        request,
        "papers.html",
        viewer,
        area="audit",
        rows=rows,
        states={s.value: s for s in PaperState},
        roles={r.value: r for r in Role},
    )


@router.get("/papers/{paper_id}/document.pdf")
def paper_document(paper_id: UUID, request: Request, viewer: ViewerDep) -> Response:
    _paper, ref, data = archive_of(request).paper_document(viewer.ctx, paper_id)
    return Response(
        content=data,
        media_type=ref.media_type,
        headers={"Content-Disposition": 'inline; filename="paper.pdf"'},
    )


def measures_of(request: Request, viewer: Viewer, loan_no: str) -> list[dict[str, Any]]:
    """The minutes that discussed the loan, with the measures each decided (逐户研究措施)."""
    return listed(
        request, viewer, REGISTER, "paper_loans", order_by=["-met_on", "-paper_no"], loan_no=loan_no
    )
