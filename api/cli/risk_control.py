"""``dossier postloan notice …`` and ``dossier postloan suspension …``: risk notices (风险预警
提示) and the suspension of new lending (停复牌) at the console, with the caller's token.

The same commands as the HTTP routes (api/routers/risk_control.py), with the same field names.
Publishing a notice, suspending and lifting bring the loan ledger up to the head of the log and
count the subject's figures on ``--figures-on`` exactly as the routes do. A refusal exits 1 in
Chinese and English with nothing recorded.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any
from uuid import UUID

import typer

from api.cli.common import (
    ActAs,
    Id,
    Token,
    choice_option,
    day_option,
    done,
    office,
    run,
    with_registers,
)
from api.routers.risk_control import notice_public, subject_figures, suspension_public
from archive.commands import Command
from archive.commands.risk_control import (
    AcknowledgeRiskNotice,
    CloseRiskNotice,
    InvestigateRiskNotice,
    LiftSuspension,
    PublishRiskNotice,
    SuperviseSuspension,
    SuspendLending,
)
from domain.risk_control import RiskSubject, SuspensionBasis

notice_app = typer.Typer(
    help="风险预警提示：发布、签收、调查处理、办结 / Risk notices: publish, acknowledge, "
    "investigate, close.",
    no_args_is_help=True,
)
suspension_app = typer.Typer(
    help="停复牌：停牌、督导、复牌 / Suspensions of new lending: suspend, supervise, lift.",
    no_args_is_help=True,
)

FiguresOn = Annotated[date, day_option("--figures-on", help="指标统计日 / day of the figures")]


def _counted(
    token: str | None,
    fields: dict[str, Any],
    kind: type[Command],
    said: tuple[str, str],
    suspension_id: UUID | None = None,
) -> None:
    """Count the subject's figures from the loan ledger, then run the command with them."""
    with with_registers(token) as (archive, ctx, registers):
        registers.follower.catch_up()
        if suspension_id is not None:
            found = archive.read_suspension(ctx, suspension_id)
            subject, key = found.subject, found.subject_key
        else:
            subject, key = fields["subject"], fields["subject_key"]
        figures = subject_figures(
            registers.service, archive, ctx, subject=subject, key=key, on=fields["figures_on"]
        )
        result = archive.execute(
            ctx, kind.model_validate({**fields, "figures": figures.to_record()})
        )
    done(*said, result)


@notice_app.command("publish")
def publish(
    subject: Annotated[RiskSubject, choice_option(RiskSubject, "subject")],
    key: Annotated[
        str, typer.Option("--key", help="行业门类、机构、借款人编号或产品 / subject key")
    ],
    title: Annotated[str, typer.Option(help="提示事项 / title")],
    content: Annotated[str, typer.Option(help="提示内容及要求 / content")],
    figures_on: FiguresOn,
    published_on: Annotated[date, day_option("--on", help="发布日期 / day published")],
    unit: Annotated[
        list[str] | None, typer.Option("--unit", help="所涉机构（可多次）/ unit concerned")
    ] = None,
    token: Token = None,
) -> None:
    """发布风险预警提示 / Publish a risk notice with the figures the archive counts."""
    fields = {
        "subject": subject,
        "subject_key": key,
        "units": unit or [],
        "title": title,
        "content": content,
        "figures_on": figures_on,
        "published_on": published_on,
    }
    _counted(token, fields, PublishRiskNotice, ("已发布风险预警提示", "risk notice published"))


@notice_app.command("ack")
def acknowledge(
    notice_id: Id,
    on: Annotated[date, day_option("--on", help="签收日期 / day acknowledged")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """签收 / Acknowledge the notice for your unit."""
    command = AcknowledgeRiskNotice(notice_id=notice_id, acknowledged_on=on)
    run(token, role, command, ("已签收", "acknowledged"))


@notice_app.command("investigate")
def investigate(
    notice_id: Id,
    on: Annotated[date, day_option("--on", help="调查处理日期 / day investigated")],
    findings: Annotated[str, typer.Option(help="调查情况 / findings")],
    measures: Annotated[str, typer.Option(help="处理措施 / measures")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """调查处理 / Record your unit's investigation and measures."""
    command = InvestigateRiskNotice(
        notice_id=notice_id, investigated_on=on, findings=findings, measures=measures
    )
    run(token, role, command, ("已报告调查处理情况", "investigation recorded"))


@notice_app.command("close")
def close(
    notice_id: Id,
    on: Annotated[date, day_option("--on", help="办结日期 / day closed")],
    conclusion: Annotated[str, typer.Option(help="办结意见 / conclusion")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """办结 / Close the notice (not its publisher)."""
    command = CloseRiskNotice(notice_id=notice_id, closed_on=on, conclusion=conclusion)
    run(token, role, command, ("已办结", "closed"))


@notice_app.command("show")
def show_notice(notice_id: Id, token: Token = None) -> None:
    """查看风险预警提示 / A notice, unit by unit."""
    with office(token, None) as (archive, ctx):
        answer = notice_public(archive, archive.read_risk_notice(ctx, notice_id))
    typer.echo(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False, indent=2))


@suspension_app.command("suspend")
def suspend(
    subject: Annotated[RiskSubject, choice_option(RiskSubject, "subject")],
    key: Annotated[str, typer.Option("--key", help="机构、产品、客户经理工号或借款人编号")],
    basis: Annotated[SuspensionBasis, choice_option(SuspensionBasis, "basis")],
    reason: Annotated[str, typer.Option(help="停牌原因 / reason")],
    figures_on: FiguresOn,
    suspended_on: Annotated[date, day_option("--on", help="停牌日期 / day suspended")],
    notice_id: Annotated[
        UUID | None, typer.Option("--notice", help="风险预警提示ID / the notice (basis notice)")
    ] = None,
    token: Token = None,
) -> None:
    """停牌 / Suspend new lending with the figures the archive counts."""
    fields = {
        "subject": subject,
        "subject_key": key,
        "basis": basis,
        "notice_id": notice_id,
        "reason": reason,
        "figures_on": figures_on,
        "suspended_on": suspended_on,
    }
    _counted(token, fields, SuspendLending, ("已停牌", "new lending suspended"))


@suspension_app.command("supervise")
def supervise(
    suspension_id: Id,
    on: Annotated[date, day_option("--on", help="督导日期 / day supervised")],
    note: Annotated[str, typer.Option(help="督导情况 / what was checked and urged")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """跟踪督导 / A note of the supervision while suspended."""
    command = SuperviseSuspension(suspension_id=suspension_id, supervised_on=on, note=note)
    run(token, role, command, ("已记录督导", "supervision noted"))


@suspension_app.command("lift")
def lift(
    suspension_id: Id,
    on: Annotated[date, day_option("--on", help="复牌日期 / day lifted")],
    reason: Annotated[str, typer.Option(help="复牌理由 / why the signal is cleared")],
    figures_on: FiguresOn,
    token: Token = None,
) -> None:
    """复牌 / Lift the suspension once the signal has cleared (not who suspended)."""
    fields = {
        "suspension_id": suspension_id,
        "lifted_on": on,
        "reason": reason,
        "figures_on": figures_on,
    }
    _counted(
        token, fields, LiftSuspension, ("已复牌", "suspension lifted"), suspension_id=suspension_id
    )


@suspension_app.command("show")
def show_suspension(suspension_id: Id, token: Token = None) -> None:
    """查看停牌记录 / A suspension, its supervision, flagged loans and lifting."""
    with office(token, None) as (archive, ctx):
        answer = suspension_public(archive, archive.read_suspension(ctx, suspension_id))
    typer.echo(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False, indent=2))
