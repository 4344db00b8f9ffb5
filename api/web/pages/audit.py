"""审计 — audit: the signed checkpoints that seal the log (``GET /api/v1/integrity/
checkpoints``), the keys that signed them, and the accountability trail's listings (责任追溯)
for those who read it."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from api.composition import Integrity
from api.web.pages.common import enter, page_router, registers_of
from api.web.render import render
from api.web.session import ViewerDep, archive_of
from domain.authorization import Action

router = page_router()
SHOWN = 20


@router.get("/audit")
def audit(request: Request, viewer: ViewerDep) -> Response:
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
    trail = None
    if viewer.can(Action.READ_TRAIL):
        selection = registers_of(request).select("accountability_trail")
        trail = [
            (name, listing.title_zh, listing.title_en)
            for name, listing in selection.projection.listings.items()
        ]
    return render(
        request,
        "audit.html",
        viewer,
        area="audit",
        checkpoints=checkpoints,
        total=total,
        keys=keys,
        trail=trail,
        may_verify=viewer.can(Action.VERIFY_INTEGRITY),
    )
