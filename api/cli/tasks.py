"""``dossier tasks``: the work queue (工作任务) at the command line — one's own, or everyone's.

The registers are brought up to the head of the log first (one catch-up; safe beside a running
follower, whose batches lock the same positions), then the work queue is judged on ``--on``
(default: the archive's today, which follows DOSSIER_CLOCK) exactly as the API judges it.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.cli.common import TokenOption, day_option, with_registers
from api.routers.tasks import TasksPublic, judge
from domain.authorization import Action
from domain.values import staff_id_for
from projections.query import AsOf


def tasks(
    overdue: Annotated[bool, typer.Option("--overdue", help="only tasks past due")] = False,
    everyone: Annotated[
        bool, typer.Option("--all", help="everyone's tasks (branch head, risk, audit…)")
    ] = False,
    owner: Annotated[
        str | None, typer.Option("--owner", help="one owner's tasks, by staff number (工号)")
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="one kind, e.g. routine_inspection")
    ] = None,
    on: Annotated[
        date | None, day_option("--on", help="judge on this date (default: today)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    token: TokenOption = None,
) -> None:
    """List your tasks (or, with --all / --owner, everyone's) with their due dates and rules."""
    with with_registers(token) as (archive, ctx, registers):
        if everyone or owner:
            _actor, scope = archive.reading_scope(ctx, Action.READ_ALL_TASKS)
            owner_id = staff_id_for(owner) if owner else None
        else:
            actor, scope = archive.reading_scope(ctx, Action.READ_BUSINESS)
            owner_id = actor.id
        registers.follower.catch_up()
        answer = judge(
            registers.service,
            archive,
            on=on,
            as_of=AsOf(),
            scope=scope,
            owner_id=owner_id,
            overdue=overdue,
            kind=kind,
        )
    if as_json:
        typer.echo(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        _print(answer)


def _print(answer: TasksPublic) -> None:
    table = Table(
        title=f"工作任务 / tasks on {answer.on.isoformat()}",
        caption=f"规则版本 / rules {answer.rules_version[:12]} · {answer.count} 项 / tasks"
        + (f" · 数据范围 / scope: {answer.scope_zh}" if answer.filtered else ""),
    )
    for header in ("任务 / task", "对象 / ref", "责任人 / owner", "开始 / opens", "到期 / due"):
        table.add_column(header)
    table.add_column("逾期 / overdue")
    table.add_column("依据 / rule")
    for t in answer.data:
        owner = f"{t.owner_role_zh} {t.owner_name}" if t.owner_name else t.owner_role_zh
        ref = t.borrow_no or t.loan_no or str(t.dossier_id)
        table.add_row(
            f"{t.kind_zh} {t.kind}",
            f"{ref} {t.subject}".strip() if t.kind in SUBJECT_SHOWN else ref,
            owner,
            t.opens_on.isoformat(),
            t.due_on.isoformat(),
            "[red]是 / yes[/red]" if t.overdue else "",
            t.rule,
        )
    # A console made now, not at import: it takes the terminal's width (or COLUMNS) of this run.
    Console().print(table)


SUBJECT_SHOWN = frozenset(
    {
        "repayment_reminder",
        "collection_step",
        "special_inspection",
        "third_party_phone_visit",
        "third_party_on_site",
        "rhythm_phone_visit",
        "maturity_notice",
    }
)
"""Kinds whose subject (a due date, a step, a trigger) says something a person reads."""
