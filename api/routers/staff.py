"""Staff (人员): enrolment, roles and tokens — the system administrator's work — and the
evaluations of account managers' post-loan duties (贷后管理履职评价), a branch head's or a risk
manager's."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import ArchiveDep, ReadCtx
from api.responses import StaffNo, respond
from api.routers import command_route
from api.schemas import (
    StaffCreated,
    StaffPublic,
    StaffsPublic,
    TokenIssued,
    TokenPublic,
    TokensPublic,
)
from archive.commands.duties import EvaluatePostLoanDuties
from archive.commands.login import SetPassword
from archive.commands.staff import (
    TOKEN_STATUS_ZH,
    Enrolment,
    EnrolStaff,
    GrantRole,
    IssuedToken,
    IssueToken,
    RevokeRole,
    RevokeToken,
)
from archive.core import CommandResult
from domain.display import UNKNOWN_PERSON
from domain.errors import NotFoundError
from domain.staff import DutyEvaluation

router = APIRouter(prefix="/staff", tags=["staff"])


def _enrolled(enrolment: Enrolment, response: Response) -> StaffCreated:
    token = enrolment.token
    return StaffCreated(
        staff=StaffPublic.of(enrolment.staff),
        token=token.token if token else None,
        result=respond(enrolment.result, response),
    )


command_route(
    router,
    "",
    EnrolStaff,
    schema="StaffCreate",
    name="enrol",
    answer=_enrolled,
    response_model=StaffCreated,
)


@router.get("", response_model=StaffsPublic)
def list_staff(archive: ArchiveDep, ctx: ReadCtx) -> StaffsPublic:
    people = [StaffPublic.of(s) for s in archive.list_staff(ctx)]
    return StaffsPublic(data=people, count=len(people))


@router.get("/me", response_model=StaffPublic)
def me(archive: ArchiveDep, ctx: ReadCtx) -> StaffPublic:
    """The caller, with the roles they hold now."""
    return StaffPublic.of(archive.staff_by_id(ctx.staff_id))


command_route(router, "/{staff_no}/roles", GrantRole, schema="RoleGrant", name="grant")
command_route(
    router, "/{staff_no}/roles/{role}/revoke", RevokeRole, schema="RoleRevocation", name="revoke"
)


def _issued(issued: tuple[CommandResult, IssuedToken], response: Response) -> TokenIssued:
    result, token = issued
    return TokenIssued(
        token=token.token,
        token_id=token.token_id,
        expires_at=token.expires_at,
        result=respond(result, response),
    )


command_route(
    router,
    "/{staff_no}/tokens",
    IssueToken,
    schema="TokenRequest",
    answer=_issued,
    response_model=TokenIssued,
)
command_route(
    router,
    "/{staff_no}/tokens/{token_id}/revoke",
    RevokeToken,
    schema="TokenRevocation",
    name="revoke_token",
)


@router.get(
    "/{staff_no}/tokens",
    response_model=TokensPublic,
    summary="访问令牌 / a person's access tokens",
)
def tokens(staff_no: StaffNo, request: Request, archive: ArchiveDep, ctx: ReadCtx) -> TokensPublic:
    """Every token issued to the person — live, expired and revoked — with what it is for,
    who issued it, until when it works, who revoked it and why, and its last use. Never the
    token itself, and nothing of the archive's business."""
    found = archive.tokens_of(ctx, staff_no)
    person = archive.staff(staff_no)
    uses = request.app.state.sessions.token_uses(person.id)
    now = archive.wall_clock()

    data = []
    for t in found:
        used = uses.get(t.token_id)
        status = t.status(now)
        data.append(
            TokenPublic(
                token_id=t.token_id,
                name=t.name,
                status=status,
                status_zh=TOKEN_STATUS_ZH[status],
                issued_at=t.issued_at,
                issued_by=archive.actor_name(t.issued_by) or UNKNOWN_PERSON,
                expires_at=t.expires_at,
                revoked_at=t.revoked_at,
                revoked_by=archive.actor_name(t.revoked_by) or None,
                revoke_reason=t.revoke_reason,
                last_used_at=used.last_used_at if used else None,
                uses=used.uses if used else 0,
            )
        )
    return TokensPublic(staff_no=person.staff_no, name=person.name, data=data, count=len(data))


command_route(
    router, "/{staff_no}/password", SetPassword, schema="PasswordReset", name="set_password"
)


class DutyEvaluationPublic(BaseModel):
    """One evaluation of an account manager's post-loan duties (贷后管理履职评价)."""

    evaluation_id: UUID
    occasion: str
    occasion_zh: str
    period_from: date
    period_to: date
    evaluated_on: date
    conclusion: str
    conclusion_zh: str
    findings: str
    loan_nos: list[str]
    evaluator_id: UUID
    evaluator_name: str = Field(description="姓名（工号）")
    evaluator_role: str
    evaluator_role_zh: str


class DutyEvaluationsPublic(BaseModel):
    """A person's evaluations, newest first."""

    staff_no: str
    name: str
    branch: str
    data: list[DutyEvaluationPublic]
    count: int


command_route(
    router,
    "/{staff_no}/evaluations",
    EvaluatePostLoanDuties,
    schema="DutyEvaluationCreate",
    name="evaluate_post_loan_duties",
)


def _evaluation(archive: ArchiveDep, found: DutyEvaluation) -> DutyEvaluationPublic:
    try:
        evaluator = archive.form_name(found.evaluator_id)
    except NotFoundError:
        evaluator = UNKNOWN_PERSON
    return DutyEvaluationPublic(
        evaluation_id=found.evaluation_id,
        occasion=found.occasion.value,
        occasion_zh=found.occasion.zh,
        period_from=found.period_from,
        period_to=found.period_to,
        evaluated_on=found.evaluated_on,
        conclusion=found.conclusion.value,
        conclusion_zh=found.conclusion.zh,
        findings=found.findings,
        loan_nos=list(found.loan_nos),
        evaluator_id=found.evaluator_id,
        evaluator_name=evaluator,
        evaluator_role=found.evaluator_role.value,
        evaluator_role_zh=found.evaluator_role.zh,
    )


@router.get(
    "/{staff_no}/evaluations",
    response_model=DutyEvaluationsPublic,
    summary="贷后管理履职评价 / evaluations of post-loan duties",
)
async def duty_evaluations(
    staff_no: StaffNo, archive: ArchiveDep, ctx: ReadCtx
) -> DutyEvaluationsPublic:
    """The person's evaluations: for themselves, and for branch heads, risk managers,
    compliance and auditors whose read scope holds the person's unit."""
    staff, found = await run_in_threadpool(archive.duty_evaluations, ctx, staff_no)
    data = [_evaluation(archive, e) for e in found]
    return DutyEvaluationsPublic(
        staff_no=staff.staff_no, name=staff.name, branch=staff.branch, data=data, count=len(data)
    )
