"""``dossier portfolio``: portfolio metrics (资产质量指标) and the risk-monitoring report
(风险监测报告) at the command line.

The loan ledger is brought up to the head of the log first, then the figures are counted
exactly as ``GET /api/v1/portfolio/metrics`` counts them. ``metrics`` prints them (or ``--json``);
``report`` writes the monthly or quarterly report as PDF or XLSX and records it as issued
(a risk manager's token, ``--purpose``), with the file's SHA-256.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.cli.common import TokenOption, console, day_option, out_file, with_registers
from api.routers.portfolio import metrics, metrics_json, risk_report
from domain.authorization import Action
from domain.compliance import ReportFormat
from domain.portfolio import (
    GroupBy,
    ReportPeriod,
    check_period,
    period_start,
    quarter_start,
    shown,
)

portfolio_app = typer.Typer(help="资产质量指标与风险监测报告 / portfolio metrics and risk reports")


@portfolio_app.command("metrics")
def metrics_command(
    on: Annotated[
        date | None, day_option("--on", help="统计日 / the business date (default: today)")
    ] = None,
    since: Annotated[
        date | None,
        day_option(
            "--since", help="期初日 / start of the period (default: the previous quarter's end)"
        ),
    ] = None,
    by: Annotated[str, typer.Option("--by", help="branch, product or manager")] = "branch",
    branch: Annotated[str | None, typer.Option("--branch", help="one branch (机构)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    token: TokenOption = None,
) -> None:
    """不良率, 逾期率, 关注类占比, 迁徙率, 收回率 and 核销, by branch, product or manager."""
    grouping = GroupBy.parse(by, "by")
    with with_registers(token) as (archive, ctx, registers):
        _actor, data_scope = archive.reading_scope(ctx, Action.READ_PORTFOLIO, branch=branch)
        day = on or archive.today()
        start = since or quarter_start(day)
        check_period(start, day, archive.today())
        registers.follower.catch_up()
        found = metrics(
            registers.service,
            on=day,
            since=start,
            by=grouping,
            branch=branch,
            data_scope=data_scope,
        )
    if as_json:
        typer.echo(json.dumps(metrics_json(found), ensure_ascii=False, indent=2))
        return
    table = Table(title=f"资产质量指标 {found.on}（期初 {found.since}）· {grouping.zh}")
    for header in ("分组", "户数", "贷款余额", "不良率", "逾期率", "关注类占比", "正常类迁徙率"):
        table.add_column(header)
    for line in (*found.lines, found.total):
        table.add_row(
            line.key,
            str(line.loans),
            f"{line.balance:,.2f}",
            shown(line.npl_rate),
            shown(line.overdue_rate),
            shown(line.special_mention_share),
            shown(line.migrations[0].rate),
        )
    Console().print(table)


@portfolio_app.command("report")
def report_command(
    on: Annotated[date, day_option("--on", help="报告期末 / the last day of the period")],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            parser=out_file,
            metavar="FILE",
            help="写入此文件（不覆盖）/ write the report here (never overwrites)",
        ),
    ],
    purpose: Annotated[str, typer.Option("--purpose", help="why it is handed out")],
    period: Annotated[str, typer.Option("--period", help="month or quarter")] = "quarter",
    branch: Annotated[str | None, typer.Option("--branch", help="one branch (机构)")] = None,
    token: TokenOption = None,
) -> None:
    """Issue the monthly or quarterly 风险监测报告 as PDF or XLSX (by the file's extension)."""
    chosen = ReportPeriod.parse(period, "period")
    format = ReportFormat.parse(output.suffix.lstrip(".").lower(), "format")
    with with_registers(token) as (archive, ctx, registers):
        _actor, data_scope = archive.reading_scope(ctx, Action.ISSUE_RISK_REPORT, branch=branch)
        check_period(period_start(on, chosen), on, archive.today())
        registers.follower.catch_up()
        found = risk_report(
            registers.service, period=chosen, on=on, branch=branch, data_scope=data_scope
        )
        issued = archive.issue_risk_report(ctx, found, format=format, purpose=purpose)
    output.write_bytes(issued.body)
    console.print(
        f"已写入 / written: {output} ({len(issued.body):,} bytes), position {found.position}; "
        f"已登记签发 / issue recorded: report {issued.report_id}, SHA-256 {issued.sha256}, "
        f"log position {issued.result.position}"
    )
