"""档案室 — the archive room: what the archive office keeps — the catalogue, the circulation
and destruction registers with their sizes — and the dossiers whose retention has ended
(``dossier archive past-retention``)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from api.web.nav import AREA
from api.web.pages.common import enter, page_router, registers_of
from api.web.render import render
from api.web.session import ViewerDep, archive_of
from domain.errors import DomainError
from domain.scope import RowScope
from projections.query import AsOf

router = page_router()

KEPT = (
    ("archive_catalogue", "dossiers"),
    ("archive_catalogue", "transfers"),
    ("archive_catalogue", "holds"),
    ("circulation_register", "borrowings"),
    ("destruction_register", "batches"),
    ("destruction_register", "entries"),
)


@dataclass(frozen=True)
class Kept:
    """A listing the archive office keeps, and how many rows it holds now."""

    register: str
    listing: str
    title_zh: str
    title_en: str
    total: int | None


@router.get("/archive")
def archive_room(request: Request, viewer: ViewerDep) -> Response:
    enter(request, viewer, "archive")
    archive = archive_of(request)
    service = registers_of(request)
    kept: list[Kept] = []
    narrowest: RowScope | None = None  # a listing's rows cut by data scope, said in the page
    for name, listing in KEPT:
        selection = service.select(name, listing)
        total: int | None = None
        if viewer.can(selection.projection.read_action):
            _actor, scope = archive.reading_scope(viewer.ctx, selection.projection.read_action)
            if scope.filtered and narrowest is None:
                narrowest = scope
            total = service.page(
                selection,
                as_of=AsOf(),
                scope=scope,
                filters={},
                order_by=[],
                limit=1,
                offset=0,
            ).total
        kept.append(
            Kept(name, listing, selection.listing.title_zh, selection.listing.title_en, total)
        )
    today = archive.today()
    try:
        past = archive.dossiers_past_retention(viewer.ctx, on=today)
    except DomainError:
        past = None
    return render(
        request,
        "archive.html",
        viewer,
        area="archive",
        kept=kept,
        scope=narrowest,
        past=past,
        today=today,
        may_desk=AREA["desk"].shown_to(viewer.allowed),
    )
