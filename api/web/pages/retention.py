"""保管与鉴定 — one dossier's retention in the archive room: its holds (冻结) placed and
released, its appraisals (鉴定) opened by a group of at least two and decided, its retention
extended. Each act is the typed command the API takes (``PlaceHold``, ``ReleaseHold``,
``OpenAppraisal``, ``DecideAppraisal``, ``ExtendRetention``), handled by the application."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Form, Path, Request
from fastapi.responses import Response

from api.web.forms import FIRST, Shown, submit
from api.web.pages.audit import people_of
from api.web.pages.common import enter, page_router
from api.web.render import render
from api.web.session import Viewer, ViewerDep, archive_of
from archive.commands import Command
from archive.commands.custody import (
    DecideAppraisal,
    ExtendRetention,
    OpenAppraisal,
    PlaceHold,
    ReleaseHold,
)
from domain.authorization import Action
from domain.scope import RowScope
from domain.values import AppraisalOpinion, HoldKind

router = page_router()
LoanNoPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


def _page(request: Request, viewer: Viewer, loan_no: str, shown: Shown = FIRST) -> Response:
    enter(request, viewer, "archive")
    archive = archive_of(request)
    dossier = archive.get_dossier(viewer.ctx, loan_no)
    people = (
        people_of(request, viewer, RowScope.everything())
        if viewer.can(Action.OPEN_APPRAISAL)
        else []
    )

    def named(staff_id: UUID | None) -> str:
        return archive.form_name(staff_id) if staff_id is not None else ""

    return render(
        request,
        "retention.html",
        viewer,
        area="archive",
        **shown.context(),
        loan_no=loan_no,
        dossier=dossier,
        holds=list(dossier.all_holds.values()),
        appraisals=list(dossier.appraisals.values()),
        named=named,
        people=people,
        kinds=list(HoldKind),
        opinions=list(AppraisalOpinion),
        today=archive.today(),
        may_hold=viewer.can(Action.PLACE_HOLD),
        may_release=viewer.can(Action.RELEASE_HOLD),
        may_open=viewer.can(Action.OPEN_APPRAISAL),
        may_decide=viewer.can(Action.DECIDE_APPRAISAL),
        may_extend=viewer.can(Action.EXTEND_RETENTION),
    )


@router.get("/archive/retention/{loan_no}")
def retention(request: Request, viewer: ViewerDep, loan_no: LoanNoPath) -> Response:
    """The dossier's retention, holds and appraisals, with the forms the viewer may use."""
    return _page(request, viewer, loan_no)


def _act(
    request: Request,
    viewer: Viewer,
    loan_no: str,
    form: str,
    entered: dict[str, Any],
    command: type[Command],
    fields: dict[str, Any],
) -> Response:
    """Run ``command`` of ``fields`` on the dossier; the page again on a refusal."""
    return submit(
        request,
        viewer,
        lambda: command.model_validate({"loan_no": loan_no, **fields}),
        lambda shown: _page(request, viewer, loan_no, shown),
        form,
        entered,
        f"/archive/retention/{loan_no}",
    )


def _day(text: str) -> str | None:
    return text.strip()[:10] or None


@router.post("/archive/retention/{loan_no}/holds")
def place_hold(
    request: Request,
    viewer: ViewerDep,
    loan_no: LoanNoPath,
    kind: Annotated[str, Form(max_length=32)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    reference: Annotated[str, Form(max_length=200)] = "",
    placed_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Freeze the dossier against destruction (诉讼、审计、调查冻结)."""
    entered = {"kind": kind, "reason": reason, "reference": reference, "placed_on": placed_on}
    return _act(
        request,
        viewer,
        loan_no,
        "hold",
        entered,
        PlaceHold,
        {
            "kind": kind or None,
            "reason": reason.strip(),
            "reference": reference.strip(),
            "placed_on": _day(placed_on),
        },
    )


@router.post("/archive/retention/{loan_no}/holds/{hold_id}/release")
def release_hold(
    request: Request,
    viewer: ViewerDep,
    loan_no: LoanNoPath,
    hold_id: Annotated[UUID, Path()],
    reason: Annotated[str, Form(max_length=4000)] = "",
    released_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Release a hold, with the reason."""
    entered = {"reason": reason, "released_on": released_on}
    return _act(
        request,
        viewer,
        loan_no,
        f"release-{hold_id}",
        entered,
        ReleaseHold,
        {
            "hold_id": hold_id,
            "reason": reason.strip(),
            "released_on": _day(released_on),
        },
    )


@router.post("/archive/retention/{loan_no}/appraisals")
async def open_appraisal(request: Request, viewer: ViewerDep, loan_no: LoanNoPath) -> Response:
    """Open an appraisal by a group of at least two people (鉴定小组), ticked by name."""
    data = await request.form()
    group = [str(v)[:64] for v in data.getlist("group_no")][:20]
    opened_on = str(data.get("opened_on") or "")[:10]
    entered = {"group_nos": ",".join(group), "opened_on": opened_on}
    return _act(
        request,
        viewer,
        loan_no,
        "open",
        entered,
        OpenAppraisal,
        {"group_nos": group, "opened_on": _day(opened_on)},
    )


@router.post("/archive/retention/{loan_no}/appraisals/{appraisal_id}/decision")
def decide_appraisal(
    request: Request,
    viewer: ViewerDep,
    loan_no: LoanNoPath,
    appraisal_id: Annotated[UUID, Path()],
    opinion: Annotated[str, Form(max_length=16)] = "",
    text: Annotated[str, Form(max_length=4000)] = "",
    decided_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Decide the appraisal: destroy, or keep longer (延长保管期限), with the group's opinion."""
    entered = {"opinion": opinion, "text": text, "decided_on": decided_on}
    return _act(
        request,
        viewer,
        loan_no,
        f"decide-{appraisal_id}",
        entered,
        DecideAppraisal,
        {
            "appraisal_id": appraisal_id,
            "opinion": opinion or None,
            "text": text.strip(),
            "decided_on": _day(decided_on),
        },
    )


@router.post("/archive/retention/{loan_no}/extension")
def extend(
    request: Request,
    viewer: ViewerDep,
    loan_no: LoanNoPath,
    ends_on: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    extended_on: Annotated[str, Form(max_length=10)] = "",
    appraisal_id: Annotated[str, Form(max_length=36)] = "",
) -> Response:
    """Extend the retention to a later day, citing the appraisal that decided it if any."""
    entered = {"ends_on": ends_on, "reason": reason, "extended_on": extended_on}
    return _act(
        request,
        viewer,
        loan_no,
        "extend",
        entered,
        ExtendRetention,
        {
            "ends_on": _day(ends_on),
            "reason": reason.strip(),
            "extended_on": _day(extended_on),
            "appraisal_id": appraisal_id or None,
        },
    )
