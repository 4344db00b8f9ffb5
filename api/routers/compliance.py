"""The compliance report over HTTP (合规检查报告): JSON, PDF or XLSX.

``GET /reports/compliance`` builds the report for a branch, a product or the whole portfolio on
a business date ``on`` (default: today), from the completeness register and the work queue read
at one log position — the lower of the two they have applied, or ``as_of_position`` — and, with
``as_of``, only from what had been recorded by then: ``on=2025-06-30`` judges 30 June with all
that is known now, ``on=2025-06-30&as_of=2025-06-30`` shows what the record showed that evening.
Those who supervise and check the work read it (Action.READ_COMPLIANCE_REPORT).

A report handed out (``POST``) records the SHA-256 of its file and the renderer that drew it;
``GET /reports/compliance/issued/{report_id}`` draws it again from the same point with the same
renderer — renderer 1 for reports issued before the renderer was recorded — so the file can be
checked against the hash recorded then.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, replace
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
from archive.reports.compliance import MEDIA, RENDERER, Issued, filename, render
from domain.authorization import Action
from domain.compliance import ComplianceReport, IssuedReport, ReportFormat, Scope
from domain.errors import NotFoundError
from domain.scope import RowScope
from domain.values import Product
from projections.compliance import COMPLETENESS, REGISTERS, WORK_QUEUE, compliance_report
from projections.service import RegisterService

router = APIRouter(prefix="/reports", tags=["reports 报告"])


@dataclass(frozen=True)
class Asked:
    """Which report: its date (default today), the branch and product it covers (default all),
    and the log position or record time it is read as of (default the registers' own)."""

    on: date | None = None
    branch: str | None = None
    product: str | None = None
    as_of_position: int | None = None
    as_of: str | None = None


def build(
    service: RegisterService, archive: DossierArchive, asked: Asked, data_scope: RowScope
) -> ComplianceReport:
    """Read both registers at one position and build the report (the API's, the console's and
    the CLI's), of the loans the reader reaches (``data_scope``, from
    ``DossierArchive.reading_scope``). The caller has waited for the registers already; this
    refuses registers that stopped."""
    scope = Scope(
        branch=asked.branch or None,
        product=Product.parse(asked.product, "product") if asked.product else None,
    )
    day = asked.on or archive.today()
    service.wait(list(REGISTERS), asked.as_of_position, 0)  # refuses registers that stopped
    applied = service.positions()
    position = min(applied.get(name, 0) for name in REGISTERS)
    if asked.as_of_position is not None:
        position = min(position, asked.as_of_position)
    found = compliance_report(
        service.store,
        service.select(COMPLETENESS).projection,
        service.select(WORK_QUEUE).projection,
        on=day,
        position=position,
        at=service.as_of(asked.as_of, None).at,
        scope=scope,
        data_scope=data_scope,
        name_of=_namer(archive),
    )
    return replace(found, record_as_of=asked.as_of) if asked.as_of else found


def _namer(archive: DossierArchive) -> Any:
    def name_of(staff_id: UUID) -> str:
        try:
            return archive.form_name(staff_id)
        except NotFoundError:
            return str(staff_id)

    return name_of


def as_json(report: ComplianceReport) -> dict[str, Any]:
    """The report as JSON: every figure, every list, the rules versions behind them."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        if hasattr(value, "zh") and hasattr(value, "value"):
            return value.value
        return plain(value)

    return {
        "on": report.on.isoformat(),
        "scope": {
            "branch": report.scope.branch,
            "product": report.scope.product.value if report.scope.product else None,
            "zh": report.scope.zh,
            "en": report.scope.en,
        },
        "position": report.position,
        "as_of": report.record_as_of,
        "filtered": report.data_scope.filtered,
        "data_scope": report.data_scope.to_record(),
        "rules_version": report.rules_version,
        "rules_versions_cited": list(report.rules_versions_cited),
        "summary": {
            "loans": report.loans,
            "required": report.required,
            "filed": report.filed,
            "filed_late": report.filed_late,
            "missing": report.missing,
            "pending": report.pending,
            "completeness_rate": plain(report.completeness_rate),
            "dossiers_complete": report.dossiers_complete,
            "dossier_rate": plain(report.dossier_rate),
            "overdue_tasks": len(report.overdue_tasks),
            "at_floor": report.at_floor,
            "below_floor": report.below_floor,
            "notices_without_receipt": len(report.notices_without_receipt),
            "retention_unappraised": len(report.retention_unappraised),
        },
        "gaps_by_type": clean([asdict(g) for g in report.gaps_by_type]),
        "completeness_by": [
            {**clean(asdict(line)), "rate": plain(line.rate)} for line in report.completeness_by
        ],
        "overdue_by_owner": clean([asdict(g) for g in report.overdue_by_owner]),
        "floor_loans": clean([asdict(f) for f in report.floor_loans]),
        "notices_without_receipt": clean([asdict(g) for g in report.notices_without_receipt]),
        "retention_unappraised": clean([asdict(d) for d in report.retention_unappraised]),
        "gaps": clean([asdict(g) for g in report.gaps]),
        "overdue_tasks": [
            {**clean(asdict(t)), "owner": report.owner_of(t)} for t in report.overdue_tasks
        ],
    }


@router.get("/compliance", summary="合规检查报告 / compliance report")
async def compliance(
    service: RegistersDep,
    archive: ArchiveDep,
    ctx: ReadCtx,
    on: Annotated[
        date | None, Query(description="the business date of the report (default: today)")
    ] = None,
    branch: Annotated[Line | None, Query(max_length=100, description="one branch (机构)")] = None,
    product: Annotated[
        Line | None,
        Query(max_length=64, description=f"one product: {', '.join(p.value for p in Product)}"),
    ] = None,
    as_of: Annotated[
        Line | None,
        Query(
            max_length=64,
            description="the record as it stood then: a date (end of that day, bank time) or "
            "an ISO timestamp (default: the record now)",
        ),
    ] = None,
    as_of_position: Annotated[
        Count | None, Query(description="read the registers as they stood at this position")
    ] = None,
    wait: Annotated[float, Query(ge=0, le=30)] = 5,
    format: Annotated[Literal["json", "pdf", "xlsx"], Query()] = "json",
    renderer: Annotated[
        int,
        Query(
            ge=1,
            le=RENDERER,
            description=f"the renderer that draws the PDF or XLSX (default {RENDERER}, this "
            "release's, its PDF a PDF/A-2b with the Chinese font embedded; 2 draws as releases "
            "before the font was embedded did, 1 as releases before the renderer was "
            "recorded did)",
        ),
    ] = RENDERER,
) -> Response:
    """Completeness, gaps, overdue work, statutory floors, receipts and retention, as of ``on``,
    of the loans the reader reaches (a report within a data scope names it)."""
    _actor, data_scope = await run_in_threadpool(
        partial(archive.reading_scope, branch=branch), ctx, Action.READ_COMPLIANCE_REPORT
    )
    await service.wait_async(REGISTERS, as_of_position, wait, head=log_head(archive))
    asked = Asked(on, branch, product, as_of_position, as_of)
    return await run_in_threadpool(_report, service, archive, asked, data_scope, format, renderer)


@router.get(
    "/compliance/issued/{report_id}",
    summary="重新生成已签发的合规检查报告 / an issued compliance report, drawn again",
    responses={
        200: {
            "content": {media: {} for media in MEDIA.values()},
            "description": "the file as it was issued; X-Dossier-Report-SHA256 is the hash "
            "recorded then, X-Dossier-Report-Rebuilt-SHA256 the hash of this file",
        },
        503: {"description": "a register the report reads is behind or has stopped; retry"},
    },
)
async def issued_compliance(
    report_id: UUID,
    service: RegistersDep,
    archive: ArchiveDep,
    ctx: ReadCtx,
    wait: Annotated[float, Query(ge=0, le=30)] = 5,
) -> Response:
    """The report handed out as ``report_id``, built again from the registers at the position
    it was read at and drawn by the renderer recorded with it, with both hashes."""
    record = await run_in_threadpool(archive.issued_report, ctx, report_id)
    await service.wait_async(REGISTERS, record.position, wait, head=log_head(archive))
    return await run_in_threadpool(_reissue, record, service, archive)


def _reissue(record: IssuedReport, service: RegisterService, archive: DossierArchive) -> Response:
    asked = Asked(record.on, record.branch, record.product, record.position, record.record_as_of)
    report = build(service, archive, asked, record.data_scope)
    response = _drawn(
        service,
        report,
        ReportFormat.parse(record.format, "format"),
        record.renderer,
        {"X-Dossier-Report-Id": str(record.report_id), "X-Dossier-Report-SHA256": record.sha256},
    )
    response.headers["X-Dossier-Report-Rebuilt-SHA256"] = hashlib.sha256(response.body).hexdigest()
    return response


def _report(
    service: RegisterService,
    archive: DossierArchive,
    asked: Asked,
    data_scope: RowScope,
    format: str,
    renderer: int,
) -> Response:
    report = build(service, archive, asked, data_scope)
    if format == "json":
        return JSONResponse(as_json(report), headers=scope_headers(data_scope))
    chosen = ReportFormat.parse(format, "format")
    return _drawn(service, report, chosen, renderer, scope_headers(data_scope))


def _drawn(
    service: RegisterService,
    report: ComplianceReport,
    format: ReportFormat,
    renderer: int,
    headers: dict[str, str],
) -> Response:
    """The report drawn as ``format`` by ``renderer``, as an attachment, with the position and
    the rules version it was read at, the renderer, and ``headers``."""
    body = render(report, format, renderer=renderer, zone=service.zone.key)
    return Response(
        body,
        media_type=MEDIA[format],
        headers={
            "Content-Disposition": f'attachment; filename="{filename(report, format.value)}"',
            "X-Dossier-Read-Position": str(report.position),
            "X-Dossier-Rules-Version": report.rules_version,
            "X-Dossier-Report-Renderer": str(renderer),
            **headers,
        },
    )


class ReportIssue(BaseModel):
    """What to hand out and why; the file's SHA-256 is recorded with it (``IssuedReport``)."""

    model_config = ConfigDict(extra="forbid")

    purpose: Annotated[
        str, Field(min_length=1, max_length=500, description="用途 / purpose"), ONE_LINE
    ]
    format: Literal["pdf", "xlsx"] = "pdf"
    on: date | None = None
    branch: Annotated[str, Field(max_length=100), ONE_LINE] | None = None
    product: Annotated[str, Field(max_length=64), ONE_LINE] | None = None
    as_of: Annotated[str, Field(max_length=64), ONE_LINE] | None = None
    as_of_position: Count | None = None


@router.post(
    "/compliance",
    status_code=201,
    summary="签发合规检查报告 / issue a compliance report",
    responses={
        201: {
            "content": {media: {} for media in MEDIA.values()},
            "description": "the file; X-Dossier-Report-Id and X-Dossier-Report-SHA256 name it",
        },
        503: {"description": "a register the report reads is behind or has stopped; retry"},
    },
    openapi_extra=command_openapi(ReportIssue, documents=False),
)
async def issue_compliance(
    cmd: Annotated[CommandInput[ReportIssue], Depends(command_input(ReportIssue, documents=False))],
    service: RegistersDep,
    archive: ArchiveDep,
    ctx: CommandCtx,
) -> Response:
    """Build the report, record its issue with the file's SHA-256, then send the file.

    The same report (same date, scope and position) renders the same bytes, so the hash in the
    record proves which file was handed out and lets anyone rebuild it."""
    body = cmd.body
    _actor, data_scope = await run_in_threadpool(
        partial(archive.reading_scope, branch=body.branch), ctx, Action.ISSUE_COMPLIANCE_REPORT
    )
    await service.wait_async(REGISTERS, body.as_of_position, 5, head=log_head(archive))
    return await run_in_threadpool(_issue, body, service, archive, ctx, data_scope)


def _issue(
    body: ReportIssue,
    service: RegisterService,
    archive: DossierArchive,
    ctx: CommandContext,
    data_scope: RowScope,
) -> Response:
    asked = Asked(body.on, body.branch, body.product, body.as_of_position, body.as_of)
    report = build(service, archive, asked, data_scope)
    issued = archive.issue_compliance_report(
        ctx, report, format=ReportFormat.parse(body.format, "format"), purpose=body.purpose
    )
    return issued_answer(issued, report, data_scope)


def issued_answer(issued: Issued, report: ComplianceReport, data_scope: RowScope) -> Response:
    """The issued file (201) with the headers that name it: its id and SHA-256, the position
    of its record and of the registers read, the rules version and renderer, the data scope."""
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
            "X-Dossier-Rules-Version": report.rules_version,
            "X-Dossier-Report-Renderer": str(RENDERER),
            **scope_headers(data_scope),
        },
    )
