"""``dossier postloan loss …``: 三个不放过 at the console, with the caller's token; and
``dossier postloan guanhu coverage``: 逐笔经营责任认定 by unit.

The same commands as the HTTP routes (api/routers/workout.py, archive/commands/losses.py), with
the same field names; a refusal exits 1 in Chinese and English with nothing recorded.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console
from rich.table import Table

from api.cli.common import (
    ActAs,
    Files,
    LoanNo,
    Token,
    choice_option,
    day_option,
    run,
    with_registers,
)
from api.routers.guanhu import TargetCoveragePublic, covered
from archive.commands.losses import AmendLossReview, CloseLossReview, RecordLossReview
from domain.authorization import Action
from domain.values import LossKind
from projections.query import AsOf

loss_app = typer.Typer(
    help="三个不放过：损失原因、责任人、整改及清收保全措施 / Loss reviews: cause, persons "
    "responsible, measures.",
    no_args_is_help=True,
)
Cause = Annotated[str | None, typer.Option(help="损失原因 / the cause found")]
Responsible = Annotated[
    list[str] | None,
    typer.Option("--responsible", help="责任人工号，可多次 / staff number responsible (repeat)"),
]
Measures = Annotated[
    str | None, typer.Option(help="整改及清收保全措施 / remedial and preservation measures")
]
Owner = Annotated[
    str | None, typer.Option("--measures-owner", help="措施责任人工号 / who owns the measures")
]
ReviewId = Annotated[UUID, typer.Argument(help="损失分析ID / the review's id")]


@loss_app.command("record")
def record(
    loan_no: LoanNo,
    loss: Annotated[LossKind, choice_option(LossKind, "loss")],
    loss_on: Annotated[date, day_option("--loss-on", help="损失发生日期 / day of the loss")],
    analysed_on: Annotated[date, day_option("--on", help="分析日期 / day analysed")],
    cause: Cause = None,
    responsible: Responsible = None,
    measures: Measures = None,
    measures_owner: Owner = None,
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """记录损失分析 / Open the review of a loss with what is found so far."""
    command = RecordLossReview(
        loan_no=loan_no,
        loss=loss,
        loss_on=loss_on,
        analysed_on=analysed_on,
        cause=cause,
        responsible=responsible or None,
        measures=measures,
        measures_owner=measures_owner,
    )
    run(token, role, command, ("已记录损失分析", "loss review recorded"), file)


@loss_app.command("amend")
def amend(
    loan_no: LoanNo,
    review_id: ReviewId,
    analysed_on: Annotated[date, day_option("--on", help="分析日期 / day analysed")],
    cause: Cause = None,
    responsible: Responsible = None,
    measures: Measures = None,
    measures_owner: Owner = None,
    file: Files = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """补充损失分析 / Add to, or correct, an open loss review."""
    command = AmendLossReview(
        loan_no=loan_no,
        review_id=review_id,
        analysed_on=analysed_on,
        cause=cause,
        responsible=responsible or None,
        measures=measures,
        measures_owner=measures_owner,
    )
    run(token, role, command, ("已补充损失分析", "loss review amended"), file)


@loss_app.command("close")
def close(
    loan_no: LoanNo,
    review_id: ReviewId,
    closed_on: Annotated[date, day_option("--on", help="办结日期 / day closed")],
    opinion: Annotated[str, typer.Option(help="办结意见 / the closing opinion")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """办结损失分析 / Close a review once all three are recorded (三个不放过)."""
    command = CloseLossReview(
        loan_no=loan_no, review_id=review_id, closed_on=closed_on, opinion=opinion
    )
    run(token, role, command, ("损失分析已办结", "loss review closed"))


def coverage(
    year: Annotated[int, typer.Option(help="年度 / the year")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    token: Token = None,
) -> None:
    """逐笔经营责任认定覆盖率 / Target records by unit, and the loans without one."""
    with with_registers(token) as (archive, ctx, registers):
        _actor, scope = archive.reading_scope(ctx, Action.READ_BUSINESS)
        registers.follower.catch_up()
        answer = covered(registers.service, year=year, as_of=AsOf(), scope=scope, branch=None)
    if as_json:
        typer.echo(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        _print(answer)


def _print(answer: TargetCoveragePublic) -> None:
    table = Table(
        title=f"目标责任书覆盖率 / target records {answer.year}",
        caption=f"{answer.signed}/{answer.loans} 笔 / loans"
        + (f" · 数据范围 / scope: {answer.scope_zh}" if answer.filtered else ""),
    )
    for header in ("机构 / unit", "贷款 / loans", "已签 / signed", "覆盖率 / %", "未签 / missing"):
        table.add_column(header)
    for u in answer.data:
        table.add_row(u.branch, str(u.loans), str(u.signed), f"{u.coverage}", "、".join(u.missing))
    Console().print(table)
