"""Staff (人员): enrolment, roles and tokens — the system administrator's work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from api.deps import ArchiveDep, CommandCtx, CommandInput, ReadCtx, command_input, command_openapi
from api.responses import StaffNo, respond
from api.schemas import (
    CommandPublic,
    PasswordReset,
    RoleGrant,
    RoleRevocation,
    StaffCreate,
    StaffCreated,
    StaffPublic,
    StaffsPublic,
    TokenIssued,
)
from archive.core import CommandContext
from domain.values import Role

router = APIRouter(prefix="/staff", tags=["staff"])


@router.post(
    "",
    status_code=201,
    response_model=StaffCreated,
    openapi_extra=command_openapi(StaffCreate, documents=False),
)
def enrol(
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[StaffCreate], Depends(command_input(StaffCreate, documents=False))],
    response: Response,
) -> StaffCreated:
    """Enrol a person with their first roles; the token is shown once."""
    b = cmd.body
    result, token = archive.enrol_staff(
        cmd.context(ctx), staff_no=b.staff_no, name=b.name, branch=b.branch, roles=b.roles
    )
    staff = archive.staff(b.staff_no)
    return StaffCreated(
        staff=StaffPublic.of(staff),
        token=token.token if token else None,
        result=respond(result, response),
    )


@router.get("", response_model=StaffsPublic)
def list_staff(archive: ArchiveDep, ctx: ReadCtx) -> StaffsPublic:
    people = [StaffPublic.of(s) for s in archive.list_staff(ctx)]
    return StaffsPublic(data=people, count=len(people))


@router.get("/me", response_model=StaffPublic)
def me(archive: ArchiveDep, ctx: ReadCtx) -> StaffPublic:
    """The caller, with the roles they hold now."""
    return StaffPublic.of(archive.staff_by_id(ctx.staff_id))


@router.post(
    "/{staff_no}/roles",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(RoleGrant, documents=False),
)
def grant(
    staff_no: StaffNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[CommandInput[RoleGrant], Depends(command_input(RoleGrant, documents=False))],
    response: Response,
) -> CommandPublic:
    result = archive.grant_role(cmd.context(ctx), staff_no=staff_no, role=cmd.body.role)
    return respond(result, response)


@router.post(
    "/{staff_no}/roles/{role}/revoke",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(RoleRevocation, documents=False),
)
def revoke(
    staff_no: StaffNo,
    role: Role,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[
        CommandInput[RoleRevocation], Depends(command_input(RoleRevocation, documents=False))
    ],
    response: Response,
) -> CommandPublic:
    result = archive.revoke_role(
        cmd.context(ctx), staff_no=staff_no, role=role, reason=cmd.body.reason
    )
    return respond(result, response)


@router.post("/{staff_no}/tokens", status_code=201, response_model=TokenIssued)
def issue_token(
    staff_no: StaffNo, archive: ArchiveDep, ctx: CommandCtx, response: Response
) -> TokenIssued:
    """Issue a new token for a person; shown once."""
    plain = CommandContext(ctx.staff_id, ctx.role)
    result, token = archive.issue_token(plain, staff_no=staff_no)
    return TokenIssued(token=token.token, token_id=token.token_id, result=respond(result, response))


@router.post(
    "/{staff_no}/password",
    status_code=201,
    response_model=CommandPublic,
    openapi_extra=command_openapi(PasswordReset, documents=False),
)
def set_password(
    staff_no: StaffNo,
    archive: ArchiveDep,
    ctx: CommandCtx,
    cmd: Annotated[
        CommandInput[PasswordReset], Depends(command_input(PasswordReset, documents=False))
    ],
    response: Response,
) -> CommandPublic:
    """Set a person's password for the web console (an administrator's): a temporary one,
    which the person changes at the first sign-in; it also lifts a lock-out."""
    result = archive.set_password(cmd.context(ctx), staff_no=staff_no, password=cmd.body.password)
    return respond(result, response)
