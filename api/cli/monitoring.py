"""``dossier postloan monitoring …``: key customers and their monitoring (重点客户监测) at the
console, with the caller's token.

The same commands as the HTTP routes (api/routers/monitoring.py,
archive/commands/monitoring.py), with the same field names: the key customers on a date, the
online monitor designated and ended, a customer's month recorded (each ``--figure
NAME=VALUE``), a flag verified and decided. A refusal exits 1 in Chinese and English with
nothing recorded.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console
from rich.table import Table

from api.cli.common import ActAs, Reason, Token, bad, choice_option, day_option, run, with_registers
from api.routers.monitoring import KeyCustomersPublic, listed
from archive.commands.monitoring import (
    DecideMonitoringFlag,
    DesignateOnlineMonitor,
    EndOnlineMonitor,
    FigureIn,
    RecordMonitoring,
    VerifyMonitoringFlag,
)
from domain.authorization import Action
from domain.monitoring import Judgment
from projections.query import AsOf

monitoring_app = typer.Typer(
    help="重点客户监测：重点客户名单、在线监测员、非现场监测、三层过滤 / Key customers, the online "
    "monitor, monthly off-site monitoring and its three-layer filter.",
    no_args_is_help=True,
)
StaffNo = Annotated[str, typer.Argument(help="工号 / staff number", metavar="STAFF_NO")]
RecordId = Annotated[UUID, typer.Argument(help="监测记录ID / record id", metavar="RECORD_ID")]


@monitoring_app.command("key-customers")
def key_customers(
    on: Annotated[date | None, day_option("--on", help="业务日期 / business date")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    token: Token = None,
) -> None:
    """重点客户名单 / The key customers on a date: top N, group, 3亿元 and above."""
    with with_registers(token) as (archive, ctx, registers):
        _actor, scope = archive.reading_scope(ctx, Action.READ_BUSINESS)
        registers.follower.catch_up()
        answer = listed(registers.service, archive, on=on, as_of=AsOf(), scope=scope, branch=None)
    if as_json:
        typer.echo(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        _print(answer)


def _print(answer: KeyCustomersPublic) -> None:
    table = Table(
        title=f"重点客户名单 / key customers on {answer.on.isoformat()}",
        caption=f"{answer.count} 户 / customers"
        + (f" · 数据范围 / scope: {answer.scope_zh}" if answer.filtered else ""),
    )
    for header in (
        "排名 / rank",
        "客户 / customer",
        "余额（元）/ balance",
        "依据 / basis",
        "牵头机构 / lead",
        "客户经理 / manager",
        "本月监测 / this month",
    ):
        table.add_column(header)
    for c in answer.data:
        table.add_row(
            str(c.rank),
            f"{c.borrower_name}（{c.borrower_id}）",
            f"{c.balance:,.2f}",
            "、".join(c.bases_zh),
            c.lead_unit or "",
            c.account_manager or "",
            c.judgment_zh or "[red]未监测 / not yet[/red]",
        )
    Console().print(table)


@monitoring_app.command("designate")
def designate(
    staff_no: StaffNo,
    since: Annotated[date, day_option("--since", help="起始日期 / from")],
    reason: Reason,
    until: Annotated[date | None, day_option("--until", help="截止日期 / until")] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """指定专职信贷在线监测员 / Designate the online monitor (branch head)."""
    command = DesignateOnlineMonitor(staff_no=staff_no, since=since, until=until, reason=reason)
    run(token, role, command, ("已指定在线监测员", "online monitor designated"))


@monitoring_app.command("end")
def end(
    staff_no: StaffNo,
    ended_on: Annotated[date, day_option("--on", help="截止日期 / last day")],
    reason: Reason,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """终止在线监测员任期 / End the person's spell as online monitor."""
    command = EndOnlineMonitor(staff_no=staff_no, ended_on=ended_on, reason=reason)
    run(token, role, command, ("已终止在线监测员任期", "online monitor ended"))


def parse_figure(value: str) -> FigureIn:
    """``NAME=VALUE``, e.g. ``资产负债率=78%``."""
    name, sep, read = value.partition("=")
    if not sep or not name.strip() or not read.strip():
        raise bad(f"监测指标 {value!r} 须写作 名称=数值", f"figure {value!r} must read NAME=VALUE")
    return FigureIn(name=name.strip(), value=read.strip())


@monitoring_app.command("record")
def record(
    loan_no: Annotated[str, typer.Option("--loan-no", help="客户的任一借据号 / a loan of it")],
    monitored_on: Annotated[date, day_option("--on", help="监测日期 / day monitored")],
    judgment: Annotated[Judgment, choice_option(Judgment, "judgment")],
    findings: Annotated[str, typer.Option(help="监测发现 / findings")],
    figure: Annotated[
        list[str],
        typer.Option("--figure", metavar="NAME=VALUE", help="监测指标，可重复 / repeatable"),
    ],
    signal: Annotated[
        str | None, typer.Option("--signal", help="拟提预警信号代码 / catalogue signal")
    ] = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """登记本月非现场监测 / Record a customer's off-site monitoring of the month."""
    command = RecordMonitoring(
        loan_no=loan_no,
        monitored_on=monitored_on,
        figures=[parse_figure(f) for f in figure],
        findings=findings,
        judgment=judgment,
        signal_code=signal,
    )
    run(token, role, command, ("已登记非现场监测", "monitoring recorded"))


@monitoring_app.command("verify")
def verify(
    record_id: RecordId,
    verified_on: Annotated[date, day_option("--on", help="核实日期 / day verified")],
    opinion: Annotated[str, typer.Option(help="核实情况 / what was found")],
    substantiated: Annotated[
        bool, typer.Option("--substantiated/--unfounded", help="属实 / 不属实")
    ],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """客户经理核实疑点 / The account manager verifies a flag."""
    command = VerifyMonitoringFlag(
        record_id=record_id, verified_on=verified_on, substantiated=substantiated, opinion=opinion
    )
    run(token, role, command, ("已核实", "flag verified"))


@monitoring_app.command("decide")
def decide(
    record_id: RecordId,
    decided_on: Annotated[date, day_option("--on", help="认定日期 / day decided")],
    reason: Reason,
    confirmed: Annotated[bool, typer.Option("--confirm/--dismiss", help="确认 / 排除")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """风险经理认定疑点 / A risk manager confirms or dismisses a verified flag."""
    command = DecideMonitoringFlag(
        record_id=record_id, decided_on=decided_on, confirmed=confirmed, reason=reason
    )
    run(token, role, command, ("已认定", "flag decided"))
