"""Supervision of post-loan work (贷后管理检查): checks scored on the sheet, rectification
notices (限期整改通知书), rectification reported and accepted (验收), penalties as decided."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import ArchiveDep, ReadCtx
from api.routers import command_route
from archive.application import DossierArchive
from archive.commands.supervision import (
    AcceptRectification,
    RecordPenalty,
    RecordSupervisionCheck,
    ReportRectification,
)
from domain.display import UNKNOWN_PERSON
from domain.errors import NotFoundError
from domain.supervision import SupervisionCheck

router = APIRouter(prefix="/supervision-checks", tags=["supervision 贷后管理检查"])


class ScoredItemPublic(BaseModel):
    """One item of the sheet as scored."""

    item: str
    zh: str
    points: int
    deducted: int
    findings: list[str]


class PenaltyPublic(BaseModel):
    penalty_id: UUID
    penalised: str = Field(description="姓名（工号）, or the unit checked")
    amount: Decimal = Field(description="元")
    reason: str
    decided_on: date
    decided_by: str = Field(description="姓名（工号）")


class SupervisionCheckPublic(BaseModel):
    """A check of post-loan work: what was checked, the score, the notice and where it stands."""

    check_id: UUID
    version: int
    check_no: str
    subject: str
    subject_zh: str
    branch: str
    staff_name: str | None = Field(description="姓名（工号）, the account manager checked")
    checked_on: date
    period_from: date
    period_to: date
    checker_name: str = Field(description="姓名（工号）")
    checker_role: str
    checker_role_zh: str
    items: list[ScoredItemPublic]
    total: int
    score: int
    pass_score: int
    passed: bool
    proposed_penalty: Decimal | None = Field(description="元, as the sheet proposes")
    findings: str
    rules_version: str
    notice_no: str | None
    deadline: date | None
    notice_sha256: str | None
    reports: list[dict[str, Any]]
    returned: int
    accepted_on: date | None
    state: str
    state_zh: str
    penalties: list[PenaltyPublic]


def _name(archive: DossierArchive, staff_id: UUID | None) -> str | None:
    if staff_id is None:
        return None
    try:
        return archive.form_name(staff_id)
    except NotFoundError:
        return UNKNOWN_PERSON


def public(archive: DossierArchive, check: SupervisionCheck) -> SupervisionCheckPublic:
    notice = check.rectification
    return SupervisionCheckPublic(
        check_id=check.id,
        version=check.version,
        check_no=check.check_no,
        subject=check.subject.value,
        subject_zh=check.subject.zh,
        branch=check.branch,
        staff_name=_name(archive, check.staff_id),
        checked_on=check.checked_on,
        period_from=check.period_from,
        period_to=check.period_to,
        checker_name=_name(archive, check.checker_id) or UNKNOWN_PERSON,
        checker_role=check.checker_role.value,
        checker_role_zh=check.checker_role.zh,
        items=[ScoredItemPublic(**i) for i in check.items],
        total=check.total,
        score=check.score,
        pass_score=check.pass_score,
        passed=check.passed,
        proposed_penalty=check.proposed_penalty,
        findings=check.findings,
        rules_version=check.rules_version,
        notice_no=notice.notice_no if notice else None,
        deadline=notice.deadline if notice else None,
        notice_sha256=notice.sha256 if notice else None,
        reports=[
            {"reported_on": on, "report": text, "reported_by": _name(archive, by)}
            for on, text, by in (notice.reports if notice else [])
        ],
        returned=notice.returned if notice else 0,
        accepted_on=notice.accepted_on if notice else None,
        state=check.state.value,
        state_zh=check.state.zh,
        penalties=[
            PenaltyPublic(
                penalty_id=p.penalty_id,
                penalised=_name(archive, p.staff_id) or check.branch,
                amount=p.amount,
                reason=p.reason,
                decided_on=p.decided_on,
                decided_by=_name(archive, p.decided_by) or UNKNOWN_PERSON,
            )
            for p in check.penalties
        ],
    )


command_route(router, "", RecordSupervisionCheck, schema="SupervisionCheckCreate")
command_route(
    router, "/{check_id}/rectification", ReportRectification, schema="RectificationReport"
)
command_route(
    router, "/{check_id}/acceptance", AcceptRectification, schema="RectificationAcceptance"
)
command_route(router, "/{check_id}/penalties", RecordPenalty, schema="PenaltyCreate")


@router.get(
    "/{check_id}",
    response_model=SupervisionCheckPublic,
    summary="贷后管理检查 / a supervision check",
)
async def supervision_check(
    check_id: UUID, archive: ArchiveDep, ctx: ReadCtx
) -> SupervisionCheckPublic:
    """The check scored item by item, its notice and where its rectification stands: to the
    person or unit checked, and to those who read the accountability trail within their scope."""
    check = await run_in_threadpool(archive.read_supervision_check, ctx, check_id)
    return await run_in_threadpool(public, archive, check)


@router.get(
    "/{check_id}/notice.pdf",
    responses={200: {"content": {"application/pdf": {}}}},
    summary="限期整改通知书 / the rectification notice",
)
async def notice_pdf(check_id: UUID, archive: ArchiveDep, ctx: ReadCtx) -> Response:
    """The rectification notice (限期整改通知书) as generated and stored with the check."""
    notice_no, pdf = await run_in_threadpool(archive.rectification_notice_pdf, ctx, check_id)
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": 'attachment; filename="rectification-notice.pdf"; '
            f"filename*=UTF-8''{quote(notice_no + '.pdf')}"
        },
    )
