"""风险预警提示及停复牌 — the risk notices and the suspensions of new lending (停复牌), current
and past, from their register: every person by name, each state in words, the figures that
prompted them. A business reader sees those of the units within their data scope (a product's
suspension, bank-wide, by those who read the whole). Notices and suspensions are recorded
through the API and the CLI (``dossier postloan notice``, ``dossier postloan suspension``)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from api.web.pages.common import listed, page_router
from api.web.render import render
from api.web.session import ViewerDep
from domain.risk_control import NoticeState, RiskSubject, SuspensionBasis, SuspensionState

router = page_router()
REGISTER = "risk_control_register"


@router.get("/risk-control")
def risk_control(request: Request, viewer: ViewerDep) -> Response:
    suspensions = listed(
        request, viewer, REGISTER, "suspensions", order_by=["-suspended_on", "-suspension_no"]
    )
    notices = listed(
        request, viewer, REGISTER, "notices", order_by=["-published_on", "-notice_no", "branch"]
    )
    flagged = listed(request, viewer, REGISTER, "flagged", order_by=["-booked_on", "loan_no"])
    return render(
        request,
        "risk_control.html",
        viewer,
        area="audit",
        suspensions=suspensions,
        notices=notices,
        flagged=flagged,
        subjects={s.value: s for s in RiskSubject},
        bases={b.value: b for b in SuspensionBasis},
        suspension_states={s.value: s for s in SuspensionState},
        notice_states={s.value: s for s in NoticeState},
    )
