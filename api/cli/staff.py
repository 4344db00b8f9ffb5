"""``dossier staff …``: enrolment, roles and tokens (人员与岗位) at the server console.

These commands act as the console operator, an administrator identity recorded on every event
they cause (the same commands as api/routers/staff.py, from archive/commands/staff.py).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import CONSOLE, console, open_archive, run_at_console
from archive.commands.login import SetPassword, generate_password
from archive.commands.staff import EnrolStaff, GrantRole, IssueToken, RevokeRole
from domain.errors import DomainError
from domain.values import Role

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
def staff_token(staff_no: Annotated[str, typer.Argument(help="staff number")]) -> None:
    """Issue a new token; prints it once."""
    _result, token = run_at_console(IssueToken(staff_no=staff_no))
    typer.echo(token.token)


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
