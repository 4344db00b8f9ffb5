"""系统管理 — administration: staff, roles and access tokens (人员、岗位、令牌) — no business
data. The staff list is ``GET /api/v1/staff``; a person's tokens and password state are read
from their own record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import Form, Path, Request
from fastapi.responses import Response
from pydantic import ValidationError

from api.errors import status_of
from api.web.forms import FIRST, Shown, submit
from api.web.pages.common import enter, page_router
from api.web.people import People
from api.web.render import render
from api.web.session import ViewerDep, archive_of, sessions_of
from archive.commands.staff import (
    TOKEN_DAYS,
    TOKEN_DAYS_MAX,
    TOKEN_STATUS_ZH,
    IssueToken,
    RevokeToken,
    TokenRecord,
)
from domain.authorization import PERMISSIONS, Action
from domain.errors import AuthorizationError, DomainError
from domain.staff import Staff
from domain.values import Role
from storage.sessions import TokenUse

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
    """An access token on the administrator's page: whose, what for, when and by whom issued,
    until when it works, its last use, whether and why revoked (never the token)."""

    holder: Staff
    record: TokenRecord
    status: str
    issued_by: str
    revoked_by: str
    use: TokenUse | None


def _tokens(
    request: Request, viewer: ViewerDep, shown: Shown = FIRST, issued: Any = None
) -> Response:
    people = _staff(request, viewer)
    archive = archive_of(request)
    names = People(archive, viewer.t)
    sessions = sessions_of(request)
    now = archive.wall_clock()
    lines: list[TokenLine] = []
    for person in people:
        uses = sessions.token_uses(person.id)
        for record in archive.tokens_of(viewer.ctx, person.staff_no):
            lines.append(
                TokenLine(
                    person,
                    record,
                    record.status(now),
                    names(record.issued_by) if record.issued_by else "",
                    names(record.revoked_by) if record.revoked_by else "",
                    uses.get(record.token_id),
                )
            )
    # Live ones first, then the newest.
    lines.sort(key=lambda line: (line.status != "live", -line.record.issued_at.timestamp()))
    return render(
        request,
        "admin_tokens.html",
        viewer,
        area="admin",
        tab="tokens",
        lines=lines,
        people=[p for p in people if p.current_roles],
        issued=issued,
        days=TOKEN_DAYS,
        days_max=TOKEN_DAYS_MAX,
        status_zh=TOKEN_STATUS_ZH,
        **shown.context(),
    )


@router.get("/admin/tokens")
def tokens(request: Request, viewer: ViewerDep) -> Response:
    return _tokens(request, viewer)


@router.post("/admin/tokens")
def issue_token(
    request: Request,
    viewer: ViewerDep,
    staff_no: Annotated[str, Form(max_length=20)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    valid_days: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    """Issue a token from the page: it is shown once, on the page that answers."""
    entered = {"staff_no": staff_no, "name": name, "valid_days": valid_days}

    def again(status: int, errors: Mapping[str, str]) -> Response:
        return _tokens(request, viewer, Shown(status, "issue", entered, errors))

    try:
        command = IssueToken.model_validate(
            {
                "staff_no": staff_no.strip(),
                "name": name.strip() or None,
                "valid_days": valid_days.strip() or TOKEN_DAYS,
            }
        )
    except ValidationError as invalid:
        field = str(invalid.errors()[0]["loc"][0])
        return again(422, {field: viewer.t("Check this field.")})
    try:
        _result, token = archive_of(request).execute(viewer.ctx, command)
    except AuthorizationError:
        raise
    except DomainError as refused:
        return again(status_of(refused), {"form": viewer.t.pick(refused.zh, refused.en)})
    return _tokens(request, viewer, FIRST, issued={"token": token, "staff_no": staff_no})


@router.post("/admin/tokens/{staff_no}/{token_id}/revoke")
def revoke_token(
    request: Request,
    viewer: ViewerDep,
    staff_no: Annotated[str, Path(max_length=20)],
    token_id: Annotated[UUID, Path()],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Revoke a token with the reason; it stops working at once."""
    entered = {"reason": reason}
    return submit(
        request,
        viewer,
        lambda: RevokeToken.model_validate(
            {"staff_no": staff_no, "token_id": token_id, "reason": reason}
        ),
        lambda shown: _tokens(request, viewer, shown),
        f"revoke-{token_id}",
        entered,
        "/admin/tokens",
    )
