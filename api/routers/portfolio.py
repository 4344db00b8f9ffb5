"""Portfolio metrics (资产质量指标) and the risk-monitoring report (风险监测报告) over HTTP.

``GET /portfolio/metrics?on=2026-09-30&by=branch`` counts, from the loan ledger read at one log
position, each group's balance, 不良率, 逾期率 and 关注类占比 on ``on``, and over the period from
``since`` (default: the end of the quarter before ``on``'s) its 迁徙率 by grade, 收回率 and
核销 — of the loans the reader reaches (Action.READ_PORTFOLIO; a branch asked for must be in
their data scope). Rates are percentages to a hundredth, as strings (``"12.50"``); amounts are
元 as strings; groups are named (branch, product label, account manager 姓名（工号）).

``GET /reports/risk`` draws the monthly or quarterly report ending on ``on`` (JSON, PDF or
XLSX); ``POST /reports/risk`` issues it — a risk manager (风险管理部, 002-59) — recording the
file's SHA-256 and the position it was read at; ``GET /reports/risk/issued/{report_id}`` draws
it again from that record, byte for byte.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import partial
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.deps import (
    ArchiveDep,
    CommandCtx,
    CommandInput,
    ReadCtx,
    RegistersDep,
    command_input,
    command_openapi,
)
from api.fields import ONE_LINE, Count, Line
from api.routers.registers import log_head, plain, scope_headers
from archive.application import DossierArchive
from archive.core import CommandContext
from archive.reports.issuing import MEDIA, Issued
from archive.reports.risk import GROUPINGS, RENDERER, RiskReport, filename, render
from domain.authorization import Action
from domain.compliance import ReportFormat
from domain.portfolio import (
    GRADES,
    MIGRATING,
    ZERO,
    Causes,
    GroupBy,
    IssuedRiskReport,
    MetricsLine,
    PortfolioMetrics,
    ReportPeriod,
    check_period,
    period_start,
    quarter_start,
)
from domain.portfolio_rules import PortfolioRules
from domain.scope import RowScope
from projections.portfolio import (
    CAUSE_REGISTERS,
    LOAN_LEDGER,
    REGISTERS,
    causes,
    portfolio_metrics,
)
from projections.service import RegisterService

router = APIRouter(tags=["portfolio 资产质量"])


def metrics(
    service: RegisterService,
    *,
    on: date,
    since: date,
    by: GroupBy,
    branch: str | None,
    data_scope: RowScope,
    rules: PortfolioRules,
    position: int | None = None,
) -> PortfolioMetrics:
    """The metrics read at ``position`` (default: the loan ledger's own); the caller has
    waited for the register and checked the period."""
    service.wait(list(REGISTERS), position, 0)  # refuses a register that stopped
    applied = service.positions().get(LOAN_LEDGER, 0)
    read_at = applied if position is None else min(applied, position)
    return portfolio_metrics(
        service.store,
        service.select(LOAN_LEDGER).projection,
        on=on,
        since=since,
        by=by,
        position=read_at,
        data_scope=data_scope,
        branch=branch or None,
        rules=rules,
    )


def risk_report(
    service: RegisterService,
    *,
    period: ReportPeriod,
    on: date,
    branch: str | None,
    data_scope: RowScope,
    rules: PortfolioRules,
    position: int | None = None,
) -> RiskReport:
    """The report's figures, every grouping read at the same position."""
    service.wait(list(REGISTERS), position, 0)
    applied = min(service.positions().get(name, 0) for name in REGISTERS)
    read_at = applied if position is None else min(applied, position)
    since = period_start(on, period)
    found = [
        metrics(
            service,
            on=on,
            since=since,
            by=by,
            branch=branch,
            data_scope=data_scope,
            rules=rules,
            position=read_at,
        )
        for by in GROUPINGS
    ]
    why = causes(
        service.store,
        {name: service.projections[name] for name in CAUSE_REGISTERS},
        on=on,
        since=since,
        position=read_at,
        data_scope=data_scope,
        branch=branch or None,
    )
    by_branch, by_product, by_manager = found
    return RiskReport(period, by_branch, by_product, by_manager, causes=why)


def _rate(value: Any) -> str | None:
    return None if value is None else str(value)


def line_json(line: MetricsLine) -> dict[str, Any]:
    """One group's figures as JSON."""
    return {
        "group": line.key,
        "loans": line.loans,
        "balance": plain(line.balance),
        "by_grade": {g.value: plain(line.by_grade.get(g, ZERO)) for g in GRADES},
        "npl_balance": plain(line.npl_balance),
        "npl_rate": _rate(line.npl_rate),
        "overdue_balance": plain(line.overdue_balance),
        "overdue_rate": _rate(line.overdue_rate),
        "special_mention_balance": plain(line.special_mention_balance),
        "special_mention_share": _rate(line.special_mention_share),
        "migration": {
            m.grade.value: {
                "loans": m.loans,
                "start_balance": plain(m.start_balance),
                "decreased": plain(m.decreased),
                "remaining": plain(m.remaining),
                "to": {g.value: plain(m.to.get(g, ZERO)) for g in GRADES},
                "shares": {g.value: _rate(m.share(g)) for g in GRADES},
                "rate": _rate(m.rate),
            }
            for m in line.migrations
            if m.grade in MIGRATING
        },
        "due": plain(line.due),
        "recovered": plain(line.recovered),
        "recovery_rate": _rate(line.recovery_rate),
        "written_off_loans": line.written_off_loans,
        "written_off": plain(line.written_off),
        "provision": plain(line.provision),
        "npl_ceiling": _rate(line.npl_ceiling),
        "npl_breach": line.npl_breach,
        "npl_alert": _rate(line.npl_alert),
        "npl_alert_breach": line.npl_alert_breach,
        "overdue_target": _rate(line.overdue_target),
        "overdue_breach": line.overdue_breach,
    }


def metrics_json(found: PortfolioMetrics) -> dict[str, Any]:
    return {
        "on": found.on.isoformat(),
        "since": found.since.isoformat(),
        "by": found.by.value,
        "branch": found.branch,
        "position": found.position,
        "filtered": found.data_scope.filtered,
        "data_scope": found.data_scope.to_record(),
        "rates_in": "percent",
        "lines": [line_json(line) for line in found.lines],
        "total": line_json(found.total),
    }


Branch = Annotated[Line | None, Query(max_length=100, description="one branch (机构)")]


@router.get("/portfolio/metrics", summary="资产质量指标 / portfolio metrics")
async def portfolio(
    service: RegistersDep,
    archive: ArchiveDep,
    ctx: ReadCtx,
    on: Annotated[date | None, Query(description="the business date (default: today)")] = None,
    since: Annotated[
        date | None,
        Query(
            description="the start of the period of the migration, recovery and write-off "
            "figures, as of its evening (default: the end of the quarter before on's)"
        ),
    ] = None,
    by: Annotated[
        Literal["branch", "product", "manager", "amount", "industry", "line"],
        Query(
            description="amount: the bands of [portfolio] amount_bands of the rules; industry: "
            "the GB/T 4754 section (门类) of the borrower; line: the business line (条线)"
        ),
    ] = "branch",
    branch: Branch = None,
    as_of_position: Annotated[
        Count | None, Query(description="read the loan ledger as it stood at this position")
    ] = None,
    wait: Annotated[float, Query(ge=0, le=30)] = 5,
) -> Response:
    """不良率, 逾期率, 关注类占比 on ``on``; 迁徙率, 收回率, 核销 over (``since``, ``on``]; by
    branch, product or account manager; of the loans the reader reaches."""
    _actor, data_scope = await run_in_threadpool(
        partial(archive.reading_scope, branch=branch), ctx, Action.READ_PORTFOLIO
    )
    day = on or archive.today()
    start = since or quarter_start(day)
    check_period(start, day, archive.today())
    await service.wait_async(REGISTERS, as_of_position, wait, head=log_head(archive))
    found = await run_in_threadpool(
        partial(
            metrics,
            service,
            on=day,
            since=start,
            by=GroupBy.parse(by, "by"),
            branch=branch,
            data_scope=data_scope,
            rules=archive.rule_set().portfolio,
            position=as_of_position,
        )
    )
    return JSONResponse(metrics_json(found), headers=scope_headers(data_scope))


def report_json(report: RiskReport) -> dict[str, Any]:
    return {
        "period": report.period.value,
        "since": report.since.isoformat(),
        "on": report.on.isoformat(),
        "position": report.position,
        "by_branch": metrics_json(report.by_branch),
        "by_product": metrics_json(report.by_product),
        "by_manager": metrics_json(report.by_manager),
        "causes": causes_json(report.causes),
    }


def causes_json(found: Causes) -> dict[str, Any]:
    """The warnings, downgrades and NPL disposal behind the period's figures, as JSON."""
    return {
        "warnings": [
            {"branch": branch, "category": category, "count": count}
            for (branch, category), count in sorted(found.warnings.items())
        ],
        "handled_with_measures": dict(sorted(found.handled.items())),
        "downgrades": [
            {
                "loan_no": d.loan_no,
                "branch": d.branch,
                "from_grade": d.from_grade.value,
                "to_grade": d.to_grade.value,
                "as_of": d.as_of.isoformat(),
                "reason": d.reason,
            }
            for d in found.downgrades
        ],
        "npl_by_route": [
            {
                "route": route,
                "loans": loans,
                "balance": plain(balance),
                "recovered_after_write_off": plain(recovered),
            }
            for route, (loans, balance, recovered) in found.disposal.items()
        ],
    }


def _drawn(
    report: RiskReport, format: ReportFormat, headers: dict[str, str], renderer: int = RENDERER
) -> Response:
    body = render(report, format, renderer=renderer)
    return Response(
        body,
        media_type=MEDIA[format],
        headers={
            "Content-Disposition": f'attachment; filename="{filename(report, format.value)}"',
            "X-Dossier-Read-Position": str(report.position),
            "X-Dossier-Report-Renderer": str(renderer),
            **headers,
        },
    )


Period = Literal["month", "quarter"]


@router.get("/reports/risk", summary="风险监测报告（预览）/ risk-monitoring report (preview)")
async def risk(
    service: RegistersDep,
    archive: ArchiveDep,
    ctx: ReadCtx,
    on: Annotated[date, Query(description="the last day of the period")],
    period: Annotated[Period, Query()] = "quarter",
    branch: Branch = None,
    format: Annotated[Literal["json", "pdf", "xlsx"], Query()] = "json",
    as_of_position: Annotated[
        Count | None, Query(description="read the loan ledger as it stood at this position")
    ] = None,
    wait: Annotated[float, Query(ge=0, le=30)] = 5,
) -> Response:
    """The monthly or quarterly report ending on ``on``, drawn but not issued (预览、打印、导出)."""
    _actor, data_scope = await run_in_threadpool(
        partial(archive.reading_scope, branch=branch), ctx, Action.READ_PORTFOLIO
    )
    chosen = ReportPeriod.parse(period, "period")
    check_period(period_start(on, chosen), on, archive.today())
    await service.wait_async(REGISTERS, as_of_position, wait, head=log_head(archive))
    found = await run_in_threadpool(
        partial(
            risk_report,
            service,
            period=chosen,
            on=on,
            branch=branch,
            data_scope=data_scope,
            rules=archive.rule_set().portfolio,
            position=as_of_position,
        )
    )
    if format == "json":
        return JSONResponse(report_json(found), headers=scope_headers(data_scope))
    return _drawn(found, ReportFormat.parse(format, "format"), scope_headers(data_scope))


class RiskReportIssue(BaseModel):
    """Which report to hand out and why; the file's SHA-256 is recorded with it."""

    model_config = ConfigDict(extra="forbid")

    purpose: Annotated[
        str, Field(min_length=1, max_length=500, description="用途 / purpose"), ONE_LINE
    ]
    on: date = Field(description="the last day of the period")
    period: Period = "quarter"
    format: Literal["pdf", "xlsx"] = "pdf"
    branch: Annotated[str, Field(max_length=100), ONE_LINE] | None = None
    as_of_position: Count | None = Field(
        default=None, description="read the loan ledger as it stood at this position"
    )


@router.post(
    "/reports/risk",
    status_code=201,
    summary="签发风险监测报告 / issue a risk-monitoring report",
    responses={
        201: {
            "content": {media: {} for media in MEDIA.values()},
            "description": "the file; X-Dossier-Report-Id and X-Dossier-Report-SHA256 name it",
        },
        503: {"description": "the loan ledger is behind or has stopped; retry"},
    },
    openapi_extra=command_openapi(RiskReportIssue, documents=False),
)
async def issue_risk(
    cmd: Annotated[
        CommandInput[RiskReportIssue], Depends(command_input(RiskReportIssue, documents=False))
    ],
    service: RegistersDep,
    archive: ArchiveDep,
    ctx: CommandCtx,
) -> Response:
    """Build the report, record its issue with the file's SHA-256, then send the file."""
    body = cmd.body
    _actor, data_scope = await run_in_threadpool(
        partial(archive.reading_scope, branch=body.branch), ctx, Action.ISSUE_RISK_REPORT
    )
    chosen = ReportPeriod.parse(body.period, "period")
    check_period(period_start(body.on, chosen), body.on, archive.today())
    await service.wait_async(REGISTERS, body.as_of_position, 5, head=log_head(archive))
    return await run_in_threadpool(_issue, body, chosen, service, archive, ctx, data_scope)


def _issue(
    body: RiskReportIssue,
    period: ReportPeriod,
    service: RegisterService,
    archive: DossierArchive,
    ctx: CommandContext,
    data_scope: RowScope,
) -> Response:
    found = risk_report(
        service,
        period=period,
        on=body.on,
        branch=body.branch,
        data_scope=data_scope,
        rules=archive.rule_set().portfolio,
        position=body.as_of_position,
    )
    issued = archive.issue_risk_report(
        ctx, found, format=ReportFormat.parse(body.format, "format"), purpose=body.purpose
    )
    return issued_answer(issued, found, data_scope)


def issued_answer(issued: Issued, report: RiskReport, data_scope: RowScope) -> Response:
    """The issued file (201) with the headers that name it."""
    return Response(
        issued.body,
        status_code=201,
        media_type=issued.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{issued.filename}"',
            "X-Dossier-Report-Id": str(issued.report_id),
            "X-Dossier-Report-SHA256": issued.sha256,
            "X-Dossier-Position": str(issued.result.position),
            "X-Dossier-Read-Position": str(report.position),
            "X-Dossier-Report-Renderer": str(RENDERER),
            **scope_headers(data_scope),
        },
    )


@router.get(
    "/reports/risk/issued/{report_id}",
    summary="重新生成已签发的风险监测报告 / an issued risk-monitoring report, drawn again",
    responses={
        200: {
            "content": {media: {} for media in MEDIA.values()},
            "description": "the file as it was issued; X-Dossier-Report-SHA256 is the hash "
            "recorded then, X-Dossier-Report-Rebuilt-SHA256 the hash of this file",
        },
        503: {"description": "the loan ledger is behind or has stopped; retry"},
    },
)
async def issued_risk(
    report_id: UUID,
    service: RegistersDep,
    archive: ArchiveDep,
    ctx: ReadCtx,
    wait: Annotated[float, Query(ge=0, le=30)] = 5,
) -> Response:
    """The report handed out as ``report_id``, drawn again from the position it was read at
    by the renderer recorded with it (1 for those issued before the font was embedded)."""
    record = await run_in_threadpool(archive.issued_risk_report, ctx, report_id)
    await service.wait_async(REGISTERS, record.position, wait, head=log_head(archive))
    return await run_in_threadpool(_reissue, record, service, archive)


def _reissue(
    record: IssuedRiskReport, service: RegisterService, archive: DossierArchive
) -> Response:
    found = risk_report(
        service,
        period=ReportPeriod.parse(record.period, "period"),
        on=record.on,
        branch=record.branch,
        data_scope=record.data_scope,
        rules=archive.rules_at(record.created_on).portfolio,
        position=record.position,
    )
    response = _drawn(
        found,
        ReportFormat.parse(record.format, "format"),
        {"X-Dossier-Report-Id": str(record.report_id), "X-Dossier-Report-SHA256": record.sha256},
        renderer=record.renderer,
    )
    response.headers["X-Dossier-Report-Rebuilt-SHA256"] = hashlib.sha256(response.body).hexdigest()
    return response
