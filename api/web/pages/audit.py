"""审计 — audit: the accountability trail (责任追溯) per person and per loan, as of any date;
responsibility determinations (不良贷款责任认定), appeals and decisions; and integrity — the
signed checkpoints that seal the log and the keys that signed them, the trusted keys
verification believes (``GET /api/v1/integrity/trusted-keys``), the verification runs and
their findings, a verification run from the page, an audit bundle (审计证据包) of a loan issued
with its purpose. Every act goes through the application calls the API uses
(``POST /api/v1/integrity/verifications``, ``POST /api/v1/loans/{loan_no}/audit-bundles``)."""

from __future__ import annotations

import re
from typing import Annotated, Any
from uuid import UUID

from fastapi import Form, Path, Request
from fastapi.responses import Response

from api.composition import Integrity
from api.routers.bundles import bundle_answer
from api.routers.checkpoints import trusted_keys_of
from api.web.forms import FIRST, Shown
from api.web.pages.common import enter, listed, page_router, registers_of
from api.web.render import render
from api.web.session import Viewer, ViewerDep, archive_of
from domain.authorization import Action
from domain.errors import InvalidInputError, NotFoundError
from domain.scope import RowScope

router = page_router()
SHOWN = 20
RUNS_SHOWN = 10
TRAIL = "accountability_trail"
LOAN_NO = re.compile(r"[A-Za-z0-9._-]{1,64}")
"""A loan number (借据号) as the API's path takes it."""


def people_of(request: Request, viewer: Viewer, scope: RowScope) -> list[dict[str, Any]]:
    """Everyone the trail knows, by name and staff number, for choosing whose actions to read."""
    rows = listed(request, viewer, TRAIL, "staff", order_by=["staff_no"], limit=1000, scope=scope)
    return [{"staff_no": r["staff_no"], "name": r["name"]} for r in rows]


def _runs(request: Request, viewer: Viewer) -> list[Any]:
    """The latest verification runs, newest first, as recorded."""
    archive = archive_of(request)
    rows = listed(
        request,
        viewer,
        TRAIL,
        "actions",
        order_by=["-position"],
        limit=RUNS_SHOWN,
        aggregate="integrity_verification",
    )
    return [
        (archive.integrity_verification(viewer.ctx, r["originator_id"]), r["actor_name"] or "")
        for r in rows
    ]


def _audit(request: Request, viewer: Viewer, shown: Shown = FIRST) -> Response:
    enter(request, viewer, "audit")
    archive = archive_of(request)
    integrity: Integrity = request.app.state.integrity
    checkpoints = keys = None
    total = 0
    if viewer.can(Action.READ_INTEGRITY):
        archive.actor(viewer.ctx, Action.READ_INTEGRITY)
        every = integrity.store.checkpoints()
        total = len(every)
        checkpoints = list(reversed(every))[:SHOWN]
        keys = integrity.store.public_keys()
    trusted = None
    if viewer.can(Action.READ_TRUSTED_KEYS):
        archive.actor(viewer.ctx, Action.READ_TRUSTED_KEYS)
        trusted = trusted_keys_of(integrity)
    trail = people = None
    if viewer.can(Action.READ_TRAIL):
        _actor, scope = archive.reading_scope(viewer.ctx, Action.READ_TRAIL)
        selection = registers_of(request).select(TRAIL)
        trail = [
            (name, listing.title_zh, listing.title_en)
            for name, listing in selection.projection.listings.items()
        ]
        people = people_of(request, viewer, scope)
    may_verify = viewer.can(Action.VERIFY_INTEGRITY)
    runs = _runs(request, viewer) if may_verify and viewer.can(Action.READ_TRAIL) else None
    return render(
        request,
        "audit.html",
        viewer,
        area="audit",
        status=shown.status,
        checkpoints=checkpoints,
        total=total,
        keys=keys,
        trusted=trusted,
        trail=trail,
        people=people,
        runs=runs,
        may_verify=may_verify,
        may_bundle=viewer.can(Action.ISSUE_AUDIT_BUNDLE),
        may_determine=viewer.can(Action.DETERMINE_RESPONSIBILITY),
        bundle=shown.entered or {"loan_no": "", "purpose": ""},
        errors=shown.errors,
    )


@router.get("/audit")
def audit(request: Request, viewer: ViewerDep) -> Response:
    return _audit(request, viewer)


@router.post("/audit/verifications")
def verify(
    request: Request,
    viewer: ViewerDep,
    documents: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Verify the whole record now (完整性校验) and record the run; the page shows what it
    found, each finding in Chinese and English."""
    enter(request, viewer, "audit")
    integrity: Integrity = request.app.state.integrity
    run = integrity.verify(archive_of(request), viewer.ctx, documents=documents == "on")
    return render(
        request,
        "verification.html",
        viewer,
        area="audit",
        status=201,
        run_id=run.run_id,
        report=run.report,
        by=viewer.display_name,
        recorded=None,
    )


@router.get("/audit/verifications/{run_id}")
def verification(
    request: Request,
    viewer: ViewerDep,
    run_id: Annotated[UUID, Path()],
) -> Response:
    """A recorded run: when, by whom, what it checked, what it found."""
    enter(request, viewer, "audit")
    archive = archive_of(request)
    recorded = archive.integrity_verification(viewer.ctx, run_id)
    return render(
        request,
        "verification.html",
        viewer,
        area="audit",
        run_id=run_id,
        report=None,
        recorded=recorded,
        by=archive.form_name(recorded.verified_by),
    )


@router.post("/audit/bundles")
def issue_bundle(
    request: Request,
    viewer: ViewerDep,
    loan_no: Annotated[str, Form(max_length=64)] = "",
    purpose: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Seal the log and hand over the loan's audit bundle (a zip of a BagIt bag that
    ``python -m dossier_verify`` checks offline); the issue is recorded with its purpose."""
    enter(request, viewer, "audit")
    entered = {"loan_no": loan_no.strip(), "purpose": purpose}
    errors: dict[str, str] = {}
    if not LOAN_NO.fullmatch(entered["loan_no"]):
        errors["loan_no"] = viewer.t("Enter the loan number (借据号) of the loan.")
    if not purpose.strip() or "\n" in purpose or "\r" in purpose:
        errors["purpose"] = viewer.t("State the purpose the bundle is issued for, on one line.")
    if errors:
        return _audit(request, viewer, Shown(422, entered=entered, errors=errors))
    integrity: Integrity = request.app.state.integrity
    try:
        return bundle_answer(
            archive_of(request), viewer.ctx, integrity, entered["loan_no"], purpose.strip()
        )
    except (NotFoundError, InvalidInputError) as refused:
        errors["loan_no"] = viewer.t.pick(refused.zh, refused.en)
        status = 404 if isinstance(refused, NotFoundError) else 422
        return _audit(request, viewer, Shown(status, entered=entered, errors=errors))
