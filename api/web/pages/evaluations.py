"""贷后管理履职评价 — evaluations of account managers' post-loan duties.

A branch head or a risk manager records an evaluation of an account manager's post-loan duties
— at a handover or after years in post — with its conclusion and findings; the work queue asks
for them (``duty_evaluation``). Those who read the accountability trail see every evaluation in
their data scope; anyone else sees the ones about themselves. The form goes through the typed
command the API takes (``EvaluatePostLoanDuties``), handled by the application, which decides
who may."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import Response

from api.web.forms import FIRST, Shown, submit
from api.web.pages.audit import people_of
from api.web.pages.common import listed, page_router
from api.web.render import render
from api.web.session import Viewer, ViewerDep, archive_of
from archive.commands.duties import EvaluatePostLoanDuties
from domain.authorization import Action
from domain.scope import RowScope
from domain.values import DutyConclusion, EvaluationOccasion

router = page_router()
TRAIL = "accountability_trail"


def _rows(request: Request, viewer: Viewer) -> tuple[list[dict[str, Any]], bool]:
    """The evaluations the viewer may see, newest first, and whether they see all of them in
    their scope (a trail reader) or only those about themselves."""
    newest = ["-evaluated_on", "-position"]
    if viewer.can(Action.READ_TRAIL):
        return listed(request, viewer, TRAIL, "evaluations", order_by=newest), True
    mine = listed(
        request,
        viewer,
        TRAIL,
        "evaluations",
        order_by=newest,
        scope=RowScope.everything(),
        staff_no=viewer.staff.staff_no,
    )
    return mine, False


def _page(request: Request, viewer: Viewer, shown: Shown = FIRST) -> Response:
    rows, every = _rows(request, viewer)
    may_evaluate = viewer.can(Action.EVALUATE_POST_LOAN_DUTIES)
    people: list[dict[str, Any]] = []
    if may_evaluate:
        _actor, scope = archive_of(request).reading_scope(viewer.ctx, Action.READ_TRAIL)
        people = [
            p for p in people_of(request, viewer, scope) if p["staff_no"] != viewer.staff.staff_no
        ]
    return render(
        request,
        "evaluations.html",
        viewer,
        area="audit",
        **shown.context(),
        rows=rows,
        every=every,
        people=people,
        may_evaluate=may_evaluate,
        occasions=list(EvaluationOccasion),
        conclusions=list(DutyConclusion),
    )


@router.get("/evaluations")
def evaluations(request: Request, viewer: ViewerDep) -> Response:
    return _page(request, viewer)


def _blank(value: str) -> str | None:
    return value.strip() or None


@router.post("/evaluations")
def evaluate(
    request: Request,
    viewer: ViewerDep,
    staff_no: Annotated[str, Form(max_length=32)] = "",
    occasion: Annotated[str, Form(max_length=16)] = "",
    period_from: Annotated[str, Form(max_length=10)] = "",
    period_to: Annotated[str, Form(max_length=10)] = "",
    evaluated_on: Annotated[str, Form(max_length=10)] = "",
    conclusion: Annotated[str, Form(max_length=32)] = "",
    findings: Annotated[str, Form(max_length=4000)] = "",
    loan_nos: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Record an evaluation of an account manager's post-loan duties."""
    entered = {
        "staff_no": staff_no,
        "occasion": occasion,
        "period_from": period_from,
        "period_to": period_to,
        "evaluated_on": evaluated_on,
        "conclusion": conclusion,
        "findings": findings,
        "loan_nos": loan_nos,
    }
    return submit(
        request,
        viewer,
        lambda: EvaluatePostLoanDuties.model_validate(
            {
                "staff_no": staff_no.strip(),
                "occasion": _blank(occasion),
                "period_from": _blank(period_from),
                "period_to": _blank(period_to),
                "evaluated_on": _blank(evaluated_on),
                "conclusion": _blank(conclusion),
                "findings": findings.strip(),
                "loan_nos": [
                    n
                    for n in loan_nos.replace("，", ",").replace("、", ",").split(",")
                    if n.strip()
                ],
            }
        ),
        lambda shown: _page(request, viewer, shown),
        "evaluate",
        entered,
        "/evaluations",
    )
