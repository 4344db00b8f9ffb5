"""不良贷款责任认定 — responsibility determinations, their appeals (复议) and decisions.

An auditor records who bears what responsibility for a loan in serious arrears, and decides the
appeals; the person concerned appeals a finding about themselves, once. Those who read the trail
see every determination in their data scope; anyone else sees the ones about themselves. Every
act goes through the same typed command the API takes (``DetermineResponsibility``,
``AppealResponsibility``, ``DecideAppeal``), handled by the application, which decides who may."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import Form, Path, Request
from fastapi.responses import Response

from api.web.forms import FIRST, Shown, submit
from api.web.pages.audit import people_of
from api.web.pages.common import listed, page_router
from api.web.render import render
from api.web.session import Viewer, ViewerDep, archive_of
from archive.commands import Command
from archive.commands.responsibility import (
    AppealResponsibility,
    DecideAppeal,
    DetermineResponsibility,
)
from domain.authorization import Action
from domain.scope import RowScope
from domain.values import AppealOutcome, ResponsibilityFinding, ResponsibilityStage

router = page_router()
TRAIL = "accountability_trail"


def _rows(request: Request, viewer: Viewer) -> tuple[list[dict[str, Any]], bool]:
    """The determinations the viewer may see, newest first, and whether they see all of them
    (a trail reader, within their scope) or only those about themselves."""
    newest = ["-determined_position"]
    if viewer.can(Action.READ_TRAIL):
        return listed(request, viewer, TRAIL, "determinations", order_by=newest), True
    mine = listed(
        request,
        viewer,
        TRAIL,
        "determinations",
        order_by=newest,
        scope=RowScope.everything(),
        person_staff_no=viewer.staff.staff_no,
    )
    return mine, False


def _page(request: Request, viewer: Viewer, shown: Shown = FIRST) -> Response:
    rows, every = _rows(request, viewer)
    people: list[dict[str, Any]] = []
    if viewer.can(Action.DETERMINE_RESPONSIBILITY):
        _actor, scope = archive_of(request).reading_scope(viewer.ctx, Action.READ_TRAIL)
        people = people_of(request, viewer, scope)
    return render(
        request,
        "responsibility.html",
        viewer,
        area="audit",
        **shown.context(),
        rows=rows,
        every=every,
        me=viewer.staff.staff_no,
        me_id=viewer.staff.id,
        people=people,
        may_determine=viewer.can(Action.DETERMINE_RESPONSIBILITY),
        may_decide=viewer.can(Action.DECIDE_APPEAL),
        may_appeal=viewer.can(Action.APPEAL_RESPONSIBILITY),
        stages=list(ResponsibilityStage),
        findings=list(ResponsibilityFinding),
        outcomes=list(AppealOutcome),
    )


@router.get("/responsibility")
def determinations(request: Request, viewer: ViewerDep) -> Response:
    return _page(request, viewer)


def _act(
    request: Request,
    viewer: Viewer,
    form: str,
    entered: dict[str, str],
    build: Callable[[], Command],
) -> Response:
    """Build the command from the form and run it; a refusal re-renders the form with the
    message next to its field (or above the form), the status the API would answer, and
    nothing recorded."""
    return submit(
        request,
        viewer,
        build,
        lambda shown: _page(request, viewer, shown),
        form,
        entered,
        "/responsibility",
    )


def _blank(value: str) -> str | None:
    return value.strip() or None


@router.post("/responsibility/determinations")
def determine(
    request: Request,
    viewer: ViewerDep,
    loan_no: Annotated[str, Form(max_length=64)] = "",
    person_no: Annotated[str, Form(max_length=64)] = "",
    stage: Annotated[str, Form(max_length=32)] = "",
    finding: Annotated[str, Form(max_length=32)] = "",
    sanction: Annotated[str, Form(max_length=500)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Record a finding for one person and one stage of a loan."""
    entered = {
        "loan_no": loan_no,
        "person_no": person_no,
        "stage": stage,
        "finding": finding,
        "sanction": sanction,
        "reason": reason,
    }
    return _act(
        request,
        viewer,
        "determine",
        entered,
        lambda: DetermineResponsibility.model_validate(
            {
                "loan_no": loan_no.strip(),
                "person_no": person_no.strip(),
                "stage": _blank(stage),
                "finding": _blank(finding),
                "sanction": sanction.strip(),
                "reason": reason.strip(),
            }
        ),
    )


@router.post("/responsibility/{determination_id}/appeal")
def appeal(
    request: Request,
    viewer: ViewerDep,
    determination_id: Annotated[UUID, Path()],
    loan_no: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Appeal (复议) a finding about oneself."""
    return _act(
        request,
        viewer,
        f"appeal-{determination_id}",
        {"reason": reason},
        lambda: AppealResponsibility.model_validate(
            {"loan_no": loan_no, "determination_id": determination_id, "reason": reason.strip()}
        ),
    )


@router.post("/responsibility/{determination_id}/decision")
def decide(
    request: Request,
    viewer: ViewerDep,
    determination_id: Annotated[UUID, Path()],
    loan_no: Annotated[str, Form(max_length=64)] = "",
    outcome: Annotated[str, Form(max_length=16)] = "",
    finding: Annotated[str, Form(max_length=32)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Record the decision on an appeal: upheld, or amended to another finding."""
    return _act(
        request,
        viewer,
        f"decide-{determination_id}",
        {"outcome": outcome, "finding": finding, "reason": reason},
        lambda: DecideAppeal.model_validate(
            {
                "loan_no": loan_no,
                "determination_id": determination_id,
                "outcome": _blank(outcome),
                "finding": _blank(finding),
                "reason": reason.strip(),
            }
        ),
    )
