"""Staff (人员): enrolment, roles and tokens — the system administrator's work."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import ArchiveDep, ReadCtx
from api.responses import respond
from api.routers import command_route
from api.schemas import StaffCreated, StaffPublic, StaffsPublic, TokenIssued
from archive.commands.login import SetPassword
from archive.commands.staff import (
    Enrolment,
    EnrolStaff,
    GrantRole,
    IssuedToken,
    IssueToken,
    RevokeRole,
)
from archive.core import CommandResult

router = APIRouter(prefix="/staff", tags=["staff"])


def _enrolled(enrolment: Enrolment, response: Response) -> StaffCreated:
    token = enrolment.token
    return StaffCreated(
        staff=StaffPublic.of(enrolment.staff),
        token=token.token if token else None,
        result=respond(enrolment.result, response),
    )


command_route(
    router,
    "",
    EnrolStaff,
    schema="StaffCreate",
    name="enrol",
    answer=_enrolled,
    response_model=StaffCreated,
)


@router.get("", response_model=StaffsPublic)
def list_staff(archive: ArchiveDep, ctx: ReadCtx) -> StaffsPublic:
    people = [StaffPublic.of(s) for s in archive.list_staff(ctx)]
    return StaffsPublic(data=people, count=len(people))


@router.get("/me", response_model=StaffPublic)
def me(archive: ArchiveDep, ctx: ReadCtx) -> StaffPublic:
    """The caller, with the roles they hold now."""
    return StaffPublic.of(archive.staff_by_id(ctx.staff_id))


command_route(router, "/{staff_no}/roles", GrantRole, schema="RoleGrant", name="grant")
command_route(
    router, "/{staff_no}/roles/{role}/revoke", RevokeRole, schema="RoleRevocation", name="revoke"
)


def _issued(issued: tuple[CommandResult, IssuedToken], response: Response) -> TokenIssued:
    result, token = issued
    return TokenIssued(token=token.token, token_id=token.token_id, result=respond(result, response))


command_route(router, "/{staff_no}/tokens", IssueToken, answer=_issued, response_model=TokenIssued)
command_route(
    router, "/{staff_no}/password", SetPassword, schema="PasswordReset", name="set_password"
)
