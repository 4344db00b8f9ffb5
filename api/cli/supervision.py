"""``dossier postloan supervise …``: supervision of post-loan work (贷后管理检查) at the console,
with the caller's token.

The same commands as the HTTP routes (api/routers/supervision.py,
archive/commands/supervision.py), with the same field names: a check scored on the sheet of the
rules (each ``--deduct ITEM=POINTS:FINDING``), the rectification reported, accepted, a penalty
recorded; ``show`` prints a check item by item and can write its rectification notice
(限期整改通知书) to a file. A refusal exits 1 in Chinese and English with nothing recorded.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import ActAs, Id, Token, bad, choice_option, day_option, office, run
from api.routers.supervision import public
from archive.commands.supervision import (
    AcceptRectification,
    DeductionIn,
    RecordPenalty,
    RecordSupervisionCheck,
    ReportRectification,
)
from domain.values import CheckSubject

supervise_app = typer.Typer(
    help="贷后管理检查：评分、限期整改、验收、处罚 / Supervision of post-loan work: scores, "
    "rectification notices, acceptance, penalties.",
    no_args_is_help=True,
)


def parse_deduction(value: str) -> DeductionIn:
    """``ITEM=POINTS:FINDING``, e.g. ``dossier=4:2户原件未移交``."""
    try:
        item, rest = value.split("=", 1)
        points, finding = rest.split(":", 1)
        return DeductionIn(item=item.strip(), points=int(points), finding=finding.strip())
    except ValueError:
        raise bad(
            f"扣分 {value!r} 须写作 项目=分数:问题",
            f"deduction {value!r} must read ITEM=POINTS:FINDING",
        ) from None


@supervise_app.command("check")
def check(
    subject: Annotated[CheckSubject, choice_option(CheckSubject, "subject")],
    checked_on: Annotated[date, day_option("--on", help="检查日期 / day of the check")],
    period_from: Annotated[date, day_option("--from", help="检查期间起 / period from")],
    period_to: Annotated[date, day_option("--to", help="检查期间止 / period to")],
    findings: Annotated[str, typer.Option(help="检查意见 / the conclusion")],
    branch: Annotated[str | None, typer.Option(help="被检查机构 / the unit checked")] = None,
    staff_no: Annotated[
        str | None, typer.Option("--staff-no", help="被检查客户经理工号 / the account manager")
    ] = None,
    deduct: Annotated[
        list[str] | None,
        typer.Option(
            "--deduct", metavar="ITEM=POINTS:FINDING", help="扣分，可重复 / a deduction; repeatable"
        ),
    ] = None,
    deadline: Annotated[
        date | None, day_option("--deadline", help="整改期限 / rectification deadline")
    ] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """记录检查并评分 / Record a check scored on the sheet; below the mark, its notice."""
    command = RecordSupervisionCheck(
        subject=subject,
        branch=branch,
        staff_no=staff_no,
        checked_on=checked_on,
        period_from=period_from,
        period_to=period_to,
        deductions=[parse_deduction(d) for d in deduct or []],
        findings=findings,
        deadline=deadline,
    )
    run(token, role, command, ("已记录检查", "check recorded"))


@supervise_app.command("report")
def report(
    check_id: Id,
    reported_on: Annotated[date, day_option("--on", help="报告日期 / day reported")],
    text: Annotated[str, typer.Option("--report", help="整改情况 / what was rectified")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """报告整改情况 / Report the rectification (the party checked)."""
    command = ReportRectification(check_id=check_id, reported_on=reported_on, report=text)
    run(token, role, command, ("已报告整改", "rectification reported"))


@supervise_app.command("accept")
def accept(
    check_id: Id,
    accepted_on: Annotated[date, day_option("--on", help="验收日期 / day accepted")],
    opinion: Annotated[str, typer.Option(help="验收意见 / the opinion")],
    send_back: Annotated[
        bool, typer.Option("--send-back", help="退回继续整改 / send it back")
    ] = False,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """验收整改 / Accept the rectification (the checker), or send it back."""
    command = AcceptRectification(
        check_id=check_id, accepted_on=accepted_on, accepted=not send_back, opinion=opinion
    )
    run(token, role, command, ("已验收", "acceptance recorded"))


@supervise_app.command("penalty")
def penalty(
    check_id: Id,
    amount: Annotated[str, typer.Option(help="金额（元）/ amount in 元")],
    reason: Annotated[str, typer.Option(help="处罚依据 / why")],
    decided_on: Annotated[date, day_option("--on", help="决定日期 / day decided")],
    staff_no: Annotated[
        str | None, typer.Option("--staff-no", help="被处罚人工号；不写为被检查机构 / the person")
    ] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """记录处罚 / Record a penalty as decided."""
    command = RecordPenalty(
        check_id=check_id,
        staff_no=staff_no,
        amount=_amount(amount),
        reason=reason,
        decided_on=decided_on,
    )
    run(token, role, command, ("已记录处罚", "penalty recorded"))


def _amount(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise bad(f"金额 {text!r} 无效", f"amount {text!r} is not a number of 元") from None


@supervise_app.command("show")
def show(
    check_id: Id,
    notice: Annotated[
        Path | None, typer.Option(help="将整改通知书写入此文件 / write the notice's PDF here")
    ] = None,
    token: Token = None,
) -> None:
    """查看检查 / A check item by item, and its rectification notice."""
    with office(token, None) as (archive, ctx):
        found = archive.read_supervision_check(ctx, check_id)
        answer = public(archive, found)
        pdf = archive.rectification_notice_pdf(ctx, check_id)[1] if notice else None
    if notice is not None and pdf is not None:
        notice.write_bytes(pdf)
    typer.echo(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False, indent=2))
