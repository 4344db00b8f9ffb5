"""``dossier staff …``: enrolment, roles and tokens (人员与岗位) at the server console.

These commands act as the console operator, an administrator identity recorded on every event
they cause (the same commands as api/routers/staff.py, from archive/commands/staff.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.table import Table

from api.cli.common import (
    CONSOLE,
    console,
    errors,
    open_archive,
    read_settings,
    refuse,
    run_at_console,
)
from archive.commands.login import SetPassword, generate_password
from archive.commands.staff import (
    TOKEN_DAYS,
    TOKEN_DAYS_MAX,
    TOKEN_STATUS_ZH,
    EnrolStaff,
    GrantRole,
    IssueToken,
    RevokeRole,
    RevokeToken,
)
from domain.errors import DomainError
from domain.values import Role
from storage.sessions import session_store_beside

staff_app = typer.Typer(help="Staff and roles (人员与岗位).", no_args_is_help=True)


def _role(value: str) -> Role:
    try:
        role: Role = Role.parse(value, "role")
    except DomainError as exc:
        raise typer.BadParameter(exc.en) from None
    return role


@staff_app.command("add")
def staff_add(
    staff_no: Annotated[str, typer.Option("--no", help="staff number (工号)")],
    name: Annotated[str, typer.Option(help="name (姓名)")],
    branch: Annotated[str, typer.Option(help="branch (机构)")],
    role: Annotated[list[str] | None, typer.Option(help="role to grant; repeatable")] = None,
) -> None:
    """Enrol a person; prints their token once."""
    roles = [_role(r) for r in role or []]
    enrolled = run_at_console(EnrolStaff(staff_no=staff_no, name=name, branch=branch, roles=roles))
    console.print(f"已登记 / enrolled {staff_no} ({', '.join(r.value for r in roles) or '-'})")
    if enrolled.token:
        console.print("令牌仅显示一次 / token (shown once):")
        typer.echo(enrolled.token.token)


@staff_app.command("grant")
def staff_grant(
    staff_no: Annotated[str, typer.Argument(help="staff number")],
    role: Annotated[str, typer.Argument(help="role")],
) -> None:
    """Grant a role."""
    run_at_console(GrantRole(staff_no=staff_no, role=_role(role)))
    console.print(f"已授予 / granted {role} to {staff_no}")


@staff_app.command("revoke")
def staff_revoke(
    staff_no: Annotated[str, typer.Argument(help="staff number")],
    role: Annotated[str, typer.Argument(help="role")],
    reason: Annotated[str, typer.Option(help="why (原因)")],
) -> None:
    """Revoke a role."""
    run_at_console(RevokeRole(staff_no=staff_no, role=_role(role), reason=reason))
    console.print(f"已撤销 / revoked {role} from {staff_no}")


@staff_app.command("token")
def staff_token(
    staff_no: Annotated[str, typer.Argument(help="staff number")],
    name: Annotated[
        str | None, typer.Option(help="what it is for (用途), e.g. 核心系统日终文件")
    ] = None,
    days: Annotated[
        int,
        typer.Option(
            min=1, max=TOKEN_DAYS_MAX, help=f"days it works (有效天数), 1 to {TOKEN_DAYS_MAX}"
        ),
    ] = TOKEN_DAYS,
) -> None:
    """Issue a new token; prints it once, and on stderr until when it works."""
    _result, token = run_at_console(IssueToken(staff_no=staff_no, name=name, valid_days=days))
    errors.print(f"有效至 / valid until {_moment(token.expires_at)}")
    typer.echo(token.token)


@staff_app.command("tokens")
def staff_tokens(staff_no: Annotated[str, typer.Argument(help="staff number")]) -> None:
    """A person's access tokens — live, expired and revoked — with their last use (never the
    tokens themselves)."""
    archive = open_archive()
    try:
        try:
            found = archive.tokens_of(CONSOLE, staff_no)
            person = archive.staff(staff_no)
        except DomainError as exc:
            raise refuse(exc) from None
        sessions = session_store_beside(archive.env, read_settings().data_dir)
        try:
            uses = sessions.token_uses(person.id)
        finally:
            sessions.close()
        now = archive.wall_clock()
        zone = ZoneInfo(archive.config.timezone)
        console.print(f"访问令牌 / access tokens — {escape(archive.actor_name(person.id))}")
        if not found:
            console.print("尚未签发令牌 / no token has been issued")
        for t in found:
            used = uses.get(t.token_id)
            status = t.status(now)
            lines = [
                ("用途 purpose", t.name or "未命名 / unnamed"),
                ("状态 status", f"{TOKEN_STATUS_ZH[status]} {status}"),
                ("签发 issued", f"{_moment(t.issued_at, zone)} {archive.actor_name(t.issued_by)}"),
                (
                    "有效至 expires",
                    _moment(t.expires_at, zone) if t.expires_at else "不过期 / none",
                ),
                (
                    "最近使用 last used",
                    f"{_moment(used.last_used_at, zone)}（{used.uses} 次 / uses）"
                    if used
                    else "从未使用 / never",
                ),
            ]
            if t.revoked_at is not None:
                lines.append(
                    (
                        "吊销 revoked",
                        f"{_moment(t.revoked_at, zone)} {archive.actor_name(t.revoked_by)}："
                        f"{t.revoke_reason or ''}",
                    )
                )
            console.print(f"\n[bold]{t.token_id}[/bold]")
            for label, value in lines:
                console.print(f"  {label}: {escape(value)}")
    finally:
        archive.close()


@staff_app.command("revoke-token")
def staff_revoke_token(
    staff_no: Annotated[str, typer.Argument(help="staff number")],
    token_id: Annotated[str, typer.Argument(help="the token's id (see `dossier staff tokens`)")],
    reason: Annotated[str, typer.Option(help="why (原因)")],
) -> None:
    """Revoke an access token: it stops working at once."""
    try:
        token = UUID(token_id)
    except ValueError:
        raise typer.BadParameter(
            f"不是令牌 id / not a token id: {token_id}", param_hint="TOKEN_ID"
        ) from None
    run_at_console(RevokeToken(staff_no=staff_no, token_id=token, reason=reason))
    console.print(f"已吊销 / revoked token {token} of {staff_no}")


def _moment(at: datetime | None, zone: ZoneInfo | None = None) -> str:
    if at is None:
        return "—"
    if zone is None:
        zone = ZoneInfo(read_settings().timezone)
    return f"{at.astimezone(zone):%Y-%m-%d %H:%M}"


@staff_app.command("list")
def staff_list() -> None:
    """Everyone enrolled and the roles they hold now."""
    archive = open_archive()
    try:
        people = archive.list_staff(CONSOLE)
    finally:
        archive.close()
    table = Table(title="人员 / staff")
    for column in ("工号", "姓名", "机构", "岗位 roles"):
        table.add_column(column)
    for person in people:
        roles = ", ".join(sorted(r.value for r in person.current_roles))
        table.add_row(person.staff_no, person.name, person.branch, roles)
    console.print(table)


@staff_app.command("password")
def staff_password(
    staff_no: Annotated[str, typer.Argument(help="staff number")],
    generate: Annotated[
        bool, typer.Option("--generate", help="make one up and print it once")
    ] = False,
) -> None:
    """Set a temporary password for the web console; the person changes it at first sign-in."""
    if generate:
        password = generate_password()
    else:
        password = typer.prompt("临时密码 / temporary password", hide_input=True)
        if typer.prompt("再次输入 / again", hide_input=True) != password:
            console.print("[red]两次输入不一致 / the two entries differ[/red]")
            raise typer.Exit(2)
    run_at_console(SetPassword(staff_no=staff_no, password=password))
    console.print(f"已设置临时密码 / temporary password set for {staff_no}")
    if generate:
        console.print("仅显示一次 / shown once:")
        typer.echo(password)
