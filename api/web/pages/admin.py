"""系统管理 — administration: staff, roles and access tokens (人员、岗位、令牌) — no business
data. The staff list is ``GET /api/v1/staff``; a person's tokens and password state are read
from their own record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response

from api.web.pages.common import enter, page_router
from api.web.people import People
from api.web.render import render
from api.web.session import ViewerDep, archive_of
from domain.authorization import PERMISSIONS, Action
from domain.staff import Staff
from domain.values import Role

router = page_router()


def _staff(request: Request, viewer: ViewerDep) -> list[Staff]:
    enter(request, viewer, "admin")
    return archive_of(request).list_staff(viewer.ctx)


@router.get("/admin")
def staff(request: Request, viewer: ViewerDep) -> Response:
    people = _staff(request, viewer)
    now = archive_of(request).clock()
    return render(
        request,
        "admin_staff.html",
        viewer,
        area="admin",
        tab="staff",
        people=people,
        locked={p.id for p in people if p.locked_at(now)},
        role_order=list(Role),
    )


@router.get("/admin/roles")
def roles(request: Request, viewer: ViewerDep) -> Response:
    people = _staff(request, viewer)
    holders = {role: [p for p in people if role in p.current_roles] for role in Role}
    permitted = {
        role: sorted((a for a, allowed in PERMISSIONS.items() if role in allowed), key=_order)
        for role in Role
    }
    return render(
        request,
        "admin_roles.html",
        viewer,
        area="admin",
        tab="roles",
        roles=list(Role),
        holders=holders,
        permitted=permitted,
    )


def _order(action: Action) -> int:
    return list(Action).index(action)


@dataclass(frozen=True)
class TokenLine:
    """A live access token: whose, its id, when and by whom issued (never the token)."""

    holder: Staff
    token_id: UUID
    issued_at: datetime
    issued_by: str


@router.get("/admin/tokens")
def tokens(request: Request, viewer: ViewerDep) -> Response:
    people = _staff(request, viewer)
    archive = archive_of(request)
    names = People(archive, viewer.t)
    lines: list[TokenLine] = []
    for person in people:
        issued = {
            UUID(str(e.data["token_id"])): e
            for e in archive.events_of(person.id)
            if e.type == "TokenIssued"
        }
        for token_id in person.token_hashes:
            event = issued.get(token_id)
            if event is not None:
                lines.append(TokenLine(person, token_id, event.timestamp, names(event.actor_id)))
    return render(request, "admin_tokens.html", viewer, area="admin", tab="tokens", lines=lines)
