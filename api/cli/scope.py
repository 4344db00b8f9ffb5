"""``dossier scope …``: data scope (数据权限) at the command line — people and loans moved,
account managers assigned, who could read a dossier on a day, and what one reaches oneself.

``transfer`` acts as the console operator (an administrator identity, as ``dossier staff``);
the others need the staff member's own token (``--token`` or ``DOSSIER_TOKEN``) and are judged
by the same application methods as api/routers/scope.py. Bad usage exits 2, a refusal 1.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from api.cli.common import (
    ActAs,
    LoanNo,
    Reason,
    Token,
    console,
    day_option,
    done,
    office,
    run_at_console,
)
from archive.commands.scope import AssignAccountManagers, MoveLoan, TransferStaff

scope_app = typer.Typer(
    help="数据权限：人员调动、贷款划转、管户分派、某日可查阅人员 / Data scope.",
    no_args_is_help=True,
)
StaffNoArg = Annotated[str, typer.Argument(help="工号 / staff number", show_default=False)]
Branch = Annotated[str, typer.Option("--branch", help="调入机构 / the unit moved to")]
On = Annotated[date, day_option("--on", help="生效日期 / from this day")]


@scope_app.command("transfer")
def transfer(staff_no: StaffNoArg, branch: Branch, on: On, reason: Reason) -> None:
    """Move a person to another unit from a date (人员调动; the console, as an administrator)."""
    command = TransferStaff(staff_no=staff_no, branch=branch, moved_on=on, reason=reason)
    done("已调动", "transferred", run_at_console(command))


@scope_app.command("move")
def move(
    loan_no: LoanNo, branch: Branch, on: On, reason: Reason, token: Token = None, role: ActAs = None
) -> None:
    """Move a loan to another unit from a date (贷款划转)."""
    with office(token, role) as (archive, ctx):
        cmd = MoveLoan(loan_no=loan_no, branch=branch, moved_on=on, reason=reason)
        done("已划转", "moved", archive.execute(ctx, cmd))


@scope_app.command("managers")
def managers(
    loan_no: LoanNo,
    a: Annotated[str, typer.Option("--a", help="A岗工号 / staff number of the A岗")],
    on: On,
    reason: Reason,
    b: Annotated[str | None, typer.Option("--b", help="B岗工号 / of the B岗, if any")] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """Assign a loan's account managers, A岗 and B岗, from a date (管户分派)."""
    with office(token, role) as (archive, ctx):
        cmd = AssignAccountManagers(
            loan_no=loan_no, a_manager_no=a, b_manager_no=b, assigned_on=on, reason=reason
        )
        done("已分派管户", "account managers assigned", archive.execute(ctx, cmd))


@scope_app.command("readers")
def readers(
    loan_no: LoanNo,
    on: Annotated[date, day_option("--on", help="日期 / the business date")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """Who could read the loan's dossier on a day, and why (for auditors and compliance)."""
    with office(token, role) as (archive, ctx):
        found = archive.readers_on(ctx, loan_no, on)
    if as_json:
        rows = [
            {
                "staff_no": r.staff_no,
                "name": r.name,
                "branch": r.branch,
                "role": r.role.value,
                "reach": r.reach.value,
                "why_zh": r.why_zh,
                "why_en": r.why_en,
            }
            for r in found.readers
        ]
        answer = {
            "loan_no": found.loan_no,
            "on": found.on.isoformat(),
            "existed": found.existed,
            "branch": found.branch,
            "a_manager": found.a_manager,
            "b_manager": found.b_manager,
            "rules_version": found.rules_version,
            "data": rows,
        }
        typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    table = Table(
        title=f"{found.loan_no} {found.on.isoformat()} 可查阅人员 / who could read",
        caption=(
            f"机构 / branch {found.branch or '—'} · A岗 {found.a_manager or '—'} · "
            f"B岗 {found.b_manager or '—'} · 规则版本 / rules {found.rules_version[:12]} · "
            f"{len(found.readers)} 人 / people"
        ),
    )
    for header in ("人员 / person", "机构 / branch", "岗位 / role", "依据 / why"):
        table.add_column(header)
    for r in found.readers:
        table.add_row(escape(r.display), escape(r.branch), r.role.zh, escape(r.why_zh))
    console.print(table)


@scope_app.command("show")
def show(token: Token = None) -> None:
    """What you reach: your unit, and for each role you hold what you may act on and read."""
    with office(token) as (archive, ctx):
        staff = archive.staff_by_id(ctx.staff_id)
        scopes = archive.scopes_of(ctx)
    console.print(f"{escape(staff.name)}（{escape(staff.staff_no)}）· {escape(staff.branch)}")
    for role, act, read in scopes:
        console.print(f"{role.zh} {role.value}")
        console.print(f"  办理 / act: {escape(act)}")
        console.print(f"  查阅 / read: {escape(read)}")
