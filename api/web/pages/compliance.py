"""合规 — compliance: the compliance report (合规检查报告) on a business date, as
``GET /api/v1/reports/compliance`` builds it, for the whole portfolio the reader reaches or one
branch or product: completeness by branch, product and stage with a drill-down to every missing
document, overdue work by owner, loans at or below their statutory floor, notices without a
receipt, dossiers past retention not yet appraised; and the report issued (签发) as PDF or XLSX
with its purpose, recorded with the file's SHA-256 like ``POST /api/v1/reports/compliance``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Form, Query, Request
from fastapi.responses import Response

from api.fields import ONE_LINE
from api.routers.compliance import Asked, build, issued_answer
from api.web.forms import FIRST, Shown
from api.web.pages.common import enter, page_router, registers_of
from api.web.render import render
from api.web.session import Viewer, ViewerDep, archive_of
from domain.authorization import Action
from domain.compliance import ComplianceReport, Dimension, GapLine, ReportFormat
from domain.values import Product

router = page_router()
SHOWN = 20
GAPS_SHOWN = 500
Branch = Annotated[str | None, Query(max_length=100), ONE_LINE]
ProductCode = Annotated[str | None, Query(max_length=64), ONE_LINE]


def _report(
    request: Request,
    viewer: Viewer,
    *,
    on: date | None,
    branch: str | None,
    product: str | None,
    action: Action = Action.READ_COMPLIANCE_REPORT,
) -> tuple[ComplianceReport, Any]:
    enter(request, viewer, "compliance")
    archive = archive_of(request)
    _actor, data_scope = archive.reading_scope(viewer.ctx, action, branch=branch or None)
    asked = Asked(on, branch or None, product or None)
    report = build(registers_of(request), archive, asked, data_scope)
    return report, data_scope


def _page(
    request: Request, viewer: Viewer, report: ComplianceReport, scope: Any, shown: Shown = FIRST
) -> Response:
    lines = report.completeness_by
    return render(
        request,
        "compliance.html",
        viewer,
        area="compliance",
        status=shown.status,
        report=report,
        scope=scope,
        shown=SHOWN,
        by_branch=[x for x in lines if x.dimension is Dimension.BRANCH],
        by_product=[x for x in lines if x.dimension is Dimension.PRODUCT],
        by_stage=[x for x in lines if x.dimension is Dimension.STAGE],
        products=list(Product),
        formats=list(ReportFormat),
        may_issue=viewer.can(Action.ISSUE_COMPLIANCE_REPORT),
        issue=shown.entered or {"purpose": "", "format": ReportFormat.PDF.value},
        errors=shown.errors,
    )


def _asked(
    request: Request,
    viewer: ViewerDep,
    on: Annotated[date | None, Query()] = None,
    branch: Branch = None,
    product: ProductCode = None,
) -> tuple[ComplianceReport, Any]:
    """The report on ``on`` (today by default), of one branch or product if asked, and the
    reader's data scope: what both pages read from their query."""
    return _report(request, viewer, on=on, branch=branch, product=product)


AskedReport = Annotated[tuple[ComplianceReport, Any], Depends(_asked)]


@router.get("/compliance")
def compliance(request: Request, viewer: ViewerDep, asked: AskedReport) -> Response:
    """The report on ``on`` (today by default), of one branch or product if asked."""
    report, scope = asked
    return _page(request, viewer, report, scope)


@router.get("/compliance/gaps")
def gaps(
    request: Request,
    viewer: ViewerDep,
    asked: AskedReport,
    stage: Annotated[str | None, Query(max_length=64)] = None,
    doc_type: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Every document missing past its deadline behind a line of the report: the loan, the
    borrower, the document, when it was due and how long ago."""
    report, scope = asked
    stage_zh = {x.key: x.label_zh for x in report.completeness_by if x.dimension is Dimension.STAGE}
    found: list[GapLine] = [
        g
        for g in report.gaps
        if (not stage or stage_zh.get(stage) == g.stage_zh)
        and (not doc_type or g.doc_type == doc_type)
    ]
    found.sort(key=lambda g: (-g.days_past_due, g.loan_no, g.doc_type))
    return render(
        request,
        "compliance_gaps.html",
        viewer,
        area="compliance",
        report=report,
        scope=scope,
        gaps=found[:GAPS_SHOWN],
        total=len(found),
        stage=stage_zh.get(stage or "", stage or ""),
        doc_type=next((g.doc_type_zh for g in found if g.doc_type == doc_type), doc_type or ""),
    )


@router.post("/compliance/issue")
def issue(
    request: Request,
    viewer: ViewerDep,
    purpose: Annotated[str, Form(max_length=500)] = "",
    format: Annotated[str, Form(max_length=8)] = ReportFormat.PDF.value,
    on: Annotated[str, Form(max_length=10)] = "",
    branch: Annotated[str, Form(max_length=100)] = "",
    product: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Issue (签发) the report shown, as PDF or XLSX, with its purpose: recorded as an
    ``IssuedReport`` with the file's SHA-256, then the file is handed over. Without a purpose
    or with an unknown format nothing is recorded and the form says why."""
    day = _day(on)
    report, scope = _report(
        request,
        viewer,
        on=day,
        branch=branch,
        product=product,
        action=Action.ISSUE_COMPLIANCE_REPORT,
    )
    chosen = next((f for f in ReportFormat if f.value == format), None)
    errors: dict[str, str] = {}
    if not purpose.strip() or "\n" in purpose or "\r" in purpose:
        errors["purpose"] = viewer.t("State the purpose the report is issued for, on one line.")
    if chosen is None:
        errors["format"] = viewer.t("Choose PDF or XLSX.")
    if errors or chosen is None:
        entered = {"purpose": purpose, "format": format}
        return _page(request, viewer, report, scope, Shown(422, entered=entered, errors=errors))
    issued = archive_of(request).issue_compliance_report(
        viewer.ctx, report, format=chosen, purpose=purpose.strip()
    )
    return issued_answer(issued, report, scope)


def _day(text: str) -> date | None:
    """The report date the form carries back (the one shown), or today when none."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
