"""销毁 — destruction batches in the archive room, from proposal to execution.

The archive head proposes a batch of appraised dossiers past retention; the branch head approves
it and compliance approves it (合规审批), each on the batch's page; an archivist executes it there
before at least two supervisors (监销人) — and an IT supervisor for electronic records — each of
whom confirms being present by typing their own staff number and password on the same screen.
A supervisor's password is checked as at sign-in (a wrong one is recorded against that person
and counts towards their lock-out) but signs nobody in. Every step is the typed command the API
takes, handled by the application, which refuses what the rules do not allow; the refusal is
shown on the form and nothing is recorded. The destruction register (销毁清册) of a batch is
handed out as the PDF ``GET /api/v1/destruction-batches/{id}/register.pdf`` serves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from uuid import UUID

from fastapi import Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from api.web.forms import FIRST, Shown, run_form, submit
from api.web.pages.common import enter, listed, page_router
from api.web.render import render
from api.web.session import Viewer, ViewerDep, archive_of
from archive.commands import Command
from archive.commands.disposition import (
    ApproveDestruction,
    ComplianceApproveDestruction,
    ExecuteDestruction,
    ProposeDestruction,
)
from archive.errors import AuthenticationError
from domain.authorization import Action
from projections.registers.disposition import DestructionStatus

router = page_router()
REGISTER = "destruction_register"
SUPERVISORS = 2
"""Supervisor rows on the execution form; the domain requires at least two different people."""


def _batches(request: Request, viewer: Viewer, shown: Shown = FIRST) -> Response:
    enter(request, viewer, "archive")
    archive = archive_of(request)
    may_propose = viewer.can(Action.PROPOSE_DESTRUCTION)
    past = archive.dossiers_past_retention(viewer.ctx, on=archive.today()) if may_propose else []
    return render(
        request,
        "destruction.html",
        viewer,
        area="archive",
        **shown.context(),
        batches=listed(request, viewer, REGISTER, "batches", order_by=["-proposed_on"], limit=500),
        status_zh={s.value: s.zh for s in DestructionStatus},
        past=past,
        may_propose=may_propose,
        today=archive.today(),
    )


@router.get("/archive/destruction")
def batches(request: Request, viewer: ViewerDep) -> Response:
    """Every destruction batch with where it stands, and the proposal form."""
    return _batches(request, viewer)


def _batch(request: Request, viewer: Viewer, batch_id: UUID, shown: Shown = FIRST) -> Response:
    enter(request, viewer, "archive")
    archive = archive_of(request)
    batch = archive.get_destruction_batch(viewer.ctx, batch_id)

    def named(staff_id: UUID | None) -> str:
        return archive.form_name(staff_id) if staff_id is not None else ""

    # Read from the batch itself, not the register: the step just taken shows at once.
    row = {
        "proposed_on": batch.proposed_on,
        "proposed_by": named(batch.proposed_by),
        "approved_on": batch.approved_on,
        "approved_by": named(batch.approved_by),
        "compliance_approved_on": batch.compliance_approved_on,
        "compliance_approved_by": named(batch.compliance_by),
        "executed_on": batch.executed_on,
        "executed_by": named(batch.executed_by),
        "supervisors": "、".join(named(s) for s in batch.supervisors),
        "it_supervisor": named(batch.it_supervisor),
    }
    return render(
        request,
        "destruction_batch.html",
        viewer,
        area="archive",
        **shown.context(),
        batch=batch,
        row=row,
        entries=batch.entries,
        today=archive.today(),
        may_approve=viewer.can(Action.APPROVE_DESTRUCTION),
        may_compliance=viewer.can(Action.COMPLIANCE_APPROVE_DESTRUCTION),
        may_execute=viewer.can(Action.EXECUTE_DESTRUCTION),
        supervisors=range(SUPERVISORS),
    )


@router.get("/archive/destruction/{batch_id}")
def batch(request: Request, viewer: ViewerDep, batch_id: Annotated[UUID, Path()]) -> Response:
    """One batch: its register entries, each step's day and person, the next step's form."""
    return _batch(request, viewer, batch_id)


@router.get("/archive/destruction/{batch_id}/register.pdf")
def register_pdf(
    request: Request, viewer: ViewerDep, batch_id: Annotated[UUID, Path()]
) -> Response:
    """The batch's destruction register (销毁清册) as PDF, with every step's date."""
    body = archive_of(request).destruction_register_pdf(viewer.ctx, batch_id)
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="destruction-{batch_id}.pdf"'},
    )


@router.post("/archive/destruction")
async def propose(request: Request, viewer: ViewerDep) -> Response:
    """Propose a batch of the dossiers ticked (the archive head)."""
    form = await request.form()
    loan_nos = [str(v) for v in form.getlist("loan_no")][:500]
    proposed_on = str(form.get("proposed_on") or "")[:10]
    entered = {"loan_no": ",".join(loan_nos), "proposed_on": proposed_on}
    if not loan_nos:
        message = viewer.t("Tick at least one dossier.")
        return _batches(request, viewer, Shown(422, entered=entered, errors={"loan_no": message}))
    batch_id = UUID(int=0)

    def build() -> Command:
        nonlocal batch_id
        command = ProposeDestruction.model_validate(
            {"loan_nos": loan_nos, "proposed_on": proposed_on or None}
        )
        batch_id = command.batch_id
        return command

    refused = run_form(
        request,
        viewer,
        build,
        lambda status, errors: _batches(request, viewer, Shown(status, "", entered, errors)),
        entered,
    )
    return refused or RedirectResponse(f"/archive/destruction/{batch_id}", status_code=303)


@router.post("/archive/destruction/{batch_id}/approval")
def approve(
    request: Request,
    viewer: ViewerDep,
    batch_id: Annotated[UUID, Path()],
    approved_on: Annotated[str, Form(max_length=10)] = "",
    step: Annotated[str, Form(max_length=16)] = "branch",
) -> Response:
    """The branch head's approval (``step=branch``) or compliance's (``step=compliance``)."""
    command = ComplianceApproveDestruction if step == "compliance" else ApproveDestruction
    entered = {"approved_on": approved_on}
    return submit(
        request,
        viewer,
        lambda: command.model_validate({"batch_id": batch_id, "approved_on": approved_on or None}),
        lambda shown: _batch(request, viewer, batch_id, shown),
        step,
        entered,
        f"/archive/destruction/{batch_id}",
    )


@router.post("/archive/destruction/{batch_id}/execution")
async def execute(
    request: Request, viewer: ViewerDep, batch_id: Annotated[UUID, Path()]
) -> Response:
    """Execute the batch before the supervisors, each confirming with their own password."""
    form = await request.form()
    numbers = [str(v).strip()[:64] for v in form.getlist("supervisor_no")]
    passwords = [str(v)[:256] for v in form.getlist("supervisor_password")]
    it_no = str(form.get("it_supervisor_no") or "").strip()[:64]
    it_password = str(form.get("it_supervisor_password") or "")[:256]
    method = str(form.get("method") or "")[:500]
    entered: dict[str, Any] = {
        "supervisor_no": numbers,
        "it_supervisor_no": it_no,
        "method": method,
    }

    def again(status: int, errors: Mapping[str, str]) -> Response:
        return _batch(request, viewer, batch_id, Shown(status, "execute", entered, errors))

    archive = archive_of(request)
    errors: dict[str, str] = {}
    pairs = zip(numbers, passwords + [""] * len(numbers), strict=False)
    present = [(n, p, f"supervisor-{i}") for i, (n, p) in enumerate(pairs) if n]
    if it_no:
        present.append((it_no, it_password, "it_supervisor"))
    if len([n for n, _p, _k in present if _k != "it_supervisor"]) < SUPERVISORS:
        errors["supervisor-0"] = viewer.t(
            "Two supervisors must be present, each with their password."
        )
    source = f"console:{request.client.host if request.client else ''}"
    for number, password, key in present:
        if number == viewer.staff.staff_no:
            errors[key] = viewer.t("The executing archivist cannot also supervise.")
            continue
        try:
            archive.check_credentials(number, password, source=source)
        except AuthenticationError as refused:
            errors[key] = viewer.t.pick(refused.zh, refused.en)
    if errors:
        return again(422, errors)
    stopped = run_form(
        request,
        viewer,
        lambda: ExecuteDestruction.model_validate(
            {
                "batch_id": batch_id,
                "supervisor_nos": [n for n, _p, k in present if k != "it_supervisor"],
                "it_supervisor_no": it_no or None,
                "method": method.strip(),
            }
        ),
        again,
        {"method": method},
    )
    return stopped or RedirectResponse(f"/archive/destruction/{batch_id}", status_code=303)
