"""``dossier disposition …`` (also ``dossier archive destruction …``): destruction batches (销毁).

Propose a batch of dossiers past retention, the two approvals, the execution that really
destroys (events, then data keys, then blobs), the batch and its destruction register (销毁清册).
The same commands as the HTTP routes (api/routers/disposition.py), defined once in
archive/commands/disposition.py.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

import typer
from rich.markup import escape
from rich.table import Table

from api.cli.common import ActAs, OutFile, Token, console, day_option, office, parse_id, run
from archive.commands.disposition import (
    ApproveDestruction,
    ComplianceApproveDestruction,
    ExecuteDestruction,
    ProposeDestruction,
)

destruction_app = typer.Typer(help="销毁 / Destruction batches.", no_args_is_help=True)

Batch = Annotated[UUID, typer.Argument(parser=parse_id, metavar="BATCH_ID", show_default=False)]


@destruction_app.command("propose")
def propose_destruction(
    loan_nos: Annotated[
        list[str], typer.Argument(help="借据号 / loan numbers", metavar="LOAN_NO…")
    ],
    on: Annotated[date, day_option("--on", "--proposed-on", help="提出日 / day proposed")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """提出销毁批次 / Propose a batch with its destruction register (销毁清册)."""
    command = ProposeDestruction(loan_nos=loan_nos, proposed_on=on)
    run(token, role, command, ("已提出销毁", "destruction proposed"))


@destruction_app.command("approve")
def approve_destruction(
    batch_id: Batch,
    on: Annotated[date, day_option("--on", "--approved-on", help="审批日 / day approved")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """审批销毁 / The branch head approves (someone other than the proposer)."""
    command = ApproveDestruction(batch_id=batch_id, approved_on=on)
    run(token, role, command, ("已审批销毁", "destruction approved"))


@destruction_app.command("compliance-approve")
def compliance_approve_destruction(
    batch_id: Batch,
    on: Annotated[date, day_option("--on", "--approved-on", help="审批日 / day approved")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """合规审批 / Compliance approves the batch."""
    command = ComplianceApproveDestruction(batch_id=batch_id, approved_on=on)
    run(token, role, command, ("合规已审批", "compliance approved"))


@destruction_app.command("execute")
def execute_destruction(
    batch_id: Batch,
    supervisor: Annotated[
        list[str], typer.Option(help="监销人工号，至少两人 / supervisor present; repeatable")
    ],
    method: Annotated[str, typer.Option(help="销毁方式 / how the records are destroyed")],
    it_supervisor: Annotated[
        str | None, typer.Option(help="信息技术监销人 / IT supervisor, for electronic records")
    ] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """执行销毁 / Execute: events, then data keys, then blobs; re-run to finish a crashed run."""
    command = ExecuteDestruction(
        batch_id=batch_id, supervisor_nos=supervisor, it_supervisor_no=it_supervisor, method=method
    )
    run(token, role, command, ("已执行销毁", "destruction executed"))


@destruction_app.command("show")
def show_destruction(batch_id: Batch, token: Token = None, role: ActAs = None) -> None:
    """销毁批次 / The batch: approvals, execution, register entries."""
    with office(token, role) as (archive, ctx):
        batch = archive.get_destruction_batch(ctx, batch_id)
        by = {
            step: archive.staff_by_id(staff_id).staff_no if staff_id else "-"
            for step, staff_id in (
                ("proposed_by", batch.proposed_by),
                ("approved_by", batch.approved_by),
                ("compliance_by", batch.compliance_by),
                ("executed_by", batch.executed_by),
            )
        }
    typer.echo(f"batch: {batch.id} version {batch.version} completed {batch.completed}")
    typer.echo(" ".join(f"{step}: {no}" for step, no in by.items()))
    typer.echo(f"proposed_on: {batch.proposed_on} executed_on: {batch.executed_on or '-'}")
    table = Table(title="销毁清册 / destruction register")
    for column in ("档号 reference", "题名 title", "年度 years", "期限", "页数 pages", "意见"):
        table.add_column(column, overflow="fold")
    for e in batch.entries:
        table.add_row(
            *(escape(str(e[k])) for k in ("reference_code", "title", "years")),
            str(e["retention"]),
            str(e["pages"]),
            escape(str(e["opinion"])),
        )
    console.print(table)


@destruction_app.command("register")
def destruction_register(
    batch_id: Batch, out: OutFile, token: Token = None, role: ActAs = None
) -> None:
    """销毁清册 PDF / Write the destruction register with its signature lines to --out."""
    with office(token, role) as (archive, ctx):
        content = archive.destruction_register_pdf(ctx, batch_id)
    with out.open("xb") as file:
        file.write(content)
    console.print(f"已写入销毁清册 / destruction register written: {out} ({len(content)} bytes)")
