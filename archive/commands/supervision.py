"""Supervision of post-loan work (贷后管理检查): checks scored on the sheet, rectification
notices, their rectification and acceptance, penalties as decided.

A check names a branch or an account manager; the checker's act scope must reach the branch
(or the person's unit). A check scored below the sheet's pass score issues its rectification
notice (限期整改通知书) in the same save, the PDF generated from the check and stored under the
check's own key beside it (``<check id>/<sha256>``, encrypted like a dossier's documents); the
SHA-256 is in the ``NoticeIssued`` event. The rules are in :mod:`domain.supervision`.
"""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from archive.commands import Command, handles
from archive.core import SYSTEM_ID, ArchiveCore, CommandContext, CommandResult, Work, blob_key
from archive.fields import Code, PositiveMoney, Short, StaffNumber, Text
from archive.reports.rectification_notices import RectificationNoticeForm, rectification_notice
from domain.authorization import Action
from domain.errors import InvalidInputError, NotFoundError
from domain.numbering import FormKind
from domain.supervision import MAX_DEDUCTIONS, Deduction, SupervisionCheck
from domain.values import Actor, CheckSubject, DocumentRef


class DeductionIn(BaseModel):
    """Points deducted on one item of the scoring sheet, with the finding behind them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item: Code = Field(description="the item's code on the sheet (rules.toml [supervision])")
    points: int = Field(ge=1, le=100, description="points deducted (扣分)")
    finding: Text = Field(description="the problem found (存在问题)")


class RecordSupervisionCheck(Command):
    """A check of a branch's or an account manager's post-loan work (贷后管理检查), scored on the
    sheet of the rules in force; below the pass score, its rectification notice is issued."""

    action = Action.SUPERVISE_POST_LOAN
    assigned = ("check_id",)
    files_documents = False

    subject: CheckSubject = Field(description="branch (营业机构) or account_manager (客户经理)")
    branch: Short | None = Field(default=None, description="the unit checked (subject branch)")
    staff_no: StaffNumber | None = Field(
        default=None, description="the account manager checked (subject account_manager)"
    )
    checked_on: date = Field(description="the day of the check (检查日期)")
    period_from: date = Field(description="the first day of the period checked")
    period_to: date = Field(description="the last day of the period checked")
    deductions: Annotated[list[DeductionIn], Field(max_length=MAX_DEDUCTIONS)] = Field(
        default_factory=list, description="points deducted item by item (扣分明细)"
    )
    findings: Text = Field(description="the check's conclusion (检查意见)")
    deadline: date | None = Field(
        default=None,
        description="the rectification deadline (整改期限); default: the rules' "
        "rectification_days after the check",
    )
    check_id: UUID = Field(default_factory=uuid4)


class CheckCommand(Command):
    """A command on one supervision check, named by its id in the path."""

    path = ("check_id",)
    files_documents = False

    check_id: UUID


class ReportRectification(CheckCommand):
    """The party checked reports its rectification (整改报告)."""

    action = Action.REPORT_RECTIFICATION

    reported_on: date
    report: Text = Field(description="what was rectified (整改情况)")


class AcceptRectification(CheckCommand):
    """The checker accepts the rectification (验收), closing the check, or sends it back."""

    action = Action.SUPERVISE_POST_LOAN

    accepted_on: date
    accepted: bool = Field(default=True, description="false: sent back to be rectified further")
    opinion: Text = Field(description="the acceptance opinion (验收意见)")


class RecordPenalty(CheckCommand):
    """A penalty as decided on the check (处罚): on the unit checked, or on a person."""

    action = Action.SUPERVISE_POST_LOAN
    assigned = ("penalty_id",)

    staff_no: StaffNumber | None = Field(
        default=None, description="the person penalised; none: the unit checked"
    )
    amount: PositiveMoney
    reason: Text = Field(description="why (处罚依据)")
    decided_on: date
    penalty_id: UUID = Field(default_factory=uuid4)


class SupervisionCommands(ArchiveCore):
    """Supervision checks of post-loan work, and their reading."""

    def supervision_check(self, check_id: UUID) -> SupervisionCheck:
        return self._load(SupervisionCheck, check_id, "贷后管理检查", "supervision check")

    @handles(RecordSupervisionCheck)
    def record_supervision_check(
        self, ctx: CommandContext, cmd: RecordSupervisionCheck
    ) -> CommandResult:
        """Score a check of post-loan work; below the pass score, issue its notice."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            staff_id: UUID | None = None
            if cmd.subject is CheckSubject.ACCOUNT_MANAGER:
                if cmd.staff_no is None or cmd.branch is not None:
                    raise InvalidInputError(
                        "检查客户经理时须写明工号（staff_no），不写机构",
                        "a check of an account manager names staff_no, not branch",
                        field="staff_no",
                    )
                checked = self.staff(cmd.staff_no)
                self._reach_unit(checked.branch, actor, Action.SUPERVISE_POST_LOAN, checked.name)
                staff_id, branch, addressee = checked.id, checked.branch, checked.name
            else:
                if cmd.branch is None or cmd.staff_no is not None:
                    raise InvalidInputError(
                        "检查营业机构时须写明机构（branch），不写工号",
                        "a check of a branch names branch, not staff_no",
                        field="branch",
                    )
                branch = addressee = cmd.branch
            rules = self.rule_set()
            year = cmd.checked_on.year
            checks = self.number_book(FormKind.SUPERVISION, year)
            check = SupervisionCheck.record(
                check_id=cmd.check_id,
                check_no=checks.take(),
                subject=cmd.subject,
                branch=branch,
                staff_id=staff_id,
                checker_branch="" if actor.id == SYSTEM_ID else self.staff_by_id(actor.id).branch,
                checked_on=cmd.checked_on,
                period_from=cmd.period_from,
                period_to=cmd.period_to,
                sheet=rules.supervision,
                rules_version=rules.version,
                deductions=[Deduction(d.item, d.points, d.finding) for d in cmd.deductions],
                findings=cmd.findings,
                actor=actor,
            )
            touched: list[Any] = [check, checks]
            ids = {"check_id": str(cmd.check_id), "check_no": check.check_no}
            if not check.passed:
                deadline = cmd.deadline or cmd.checked_on + timedelta(
                    days=rules.supervision.rectification_days or 30
                )
                notices = self.number_book(FormKind.RECTIFICATION, year)
                notice_no = notices.take()
                pdf = rectification_notice(
                    RectificationNoticeForm(
                        notice_no=notice_no,
                        check_no=check.check_no,
                        addressee=addressee,
                        checked_on=check.checked_on,
                        period_from=check.period_from,
                        period_to=check.period_to,
                        items=check.items,
                        total=check.total,
                        score=check.score,
                        pass_score=check.pass_score,
                        proposed_penalty=check.proposed_penalty,
                        findings=check.findings,
                        deadline=deadline,
                        checker=self.form_name(actor.id),
                    )
                )
                sha256 = _sha256(pdf)
                check.issue_notice(
                    notice_no=notice_no, deadline=deadline, sha256=sha256, actor=actor
                )
                touched.append(notices)
                # Stored last, once the domain has accepted everything: a refused check stores
                # nothing; a save lost after this leaves bytes no event cites, which the sweep
                # removes (archive/documents/sweeping.py).
                self.blobs.put(
                    blob_key(check.id, sha256),
                    io.BytesIO(pdf),
                    retain_until=self.clock()
                    + timedelta(days=366 * self.config.minimum_retention_years),
                )
                ids |= {"notice_no": notice_no, "notice_sha256": sha256}
            return Work(check, touched, ids)

        return self.run(ctx, cmd, body)

    @handles(ReportRectification)
    def report_rectification(self, ctx: CommandContext, cmd: ReportRectification) -> CommandResult:
        """The party checked reports its rectification."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            check = self.supervision_check(cmd.check_id)
            self.check_version(check, ctx)
            check.report_rectification(
                reported_on=cmd.reported_on,
                report=cmd.report,
                actor=actor,
                actor_branch=self.staff_by_id(actor.id).branch,
            )
            return Work(check, [check], {"check_id": str(check.id)})

        return self.run(ctx, cmd, body)

    @handles(AcceptRectification)
    def accept_rectification(self, ctx: CommandContext, cmd: AcceptRectification) -> CommandResult:
        """The checker accepts the rectification (验收) or sends it back."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            check = self.supervision_check(cmd.check_id)
            self.check_version(check, ctx)
            self._reach_unit(check.branch, actor, Action.SUPERVISE_POST_LOAN, check.check_no)
            check.accept_rectification(
                accepted_on=cmd.accepted_on,
                accepted=cmd.accepted,
                opinion=cmd.opinion,
                actor=actor,
            )
            return Work(check, [check], {"check_id": str(check.id)})

        return self.run(ctx, cmd, body)

    @handles(RecordPenalty)
    def record_penalty(self, ctx: CommandContext, cmd: RecordPenalty) -> CommandResult:
        """Record a penalty as decided on the check."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            check = self.supervision_check(cmd.check_id)
            self.check_version(check, ctx)
            self._reach_unit(check.branch, actor, Action.SUPERVISE_POST_LOAN, check.check_no)
            penalised = None
            if cmd.staff_no is not None:
                staff = self.staff(cmd.staff_no)
                self._reach_unit(staff.branch, actor, Action.SUPERVISE_POST_LOAN, staff.name)
                penalised = staff.id
            check.record_penalty(
                penalty_id=cmd.penalty_id,
                staff_id=penalised,
                amount=Decimal(cmd.amount),
                reason=cmd.reason,
                decided_on=cmd.decided_on,
                actor=actor,
            )
            ids = {"check_id": str(check.id), "penalty_id": str(cmd.penalty_id)}
            return Work(check, [check], ids)

        return self.run(ctx, cmd, body)

    # -------------------------------------------------------------------- reading
    def read_supervision_check(self, ctx: CommandContext, check_id: UUID) -> SupervisionCheck:
        """A check, to the person checked, to someone of the unit checked, and to those who
        read the accountability trail within their read scope."""
        try:
            check = self.supervision_check(check_id)
        except NotFoundError:
            self.actor(ctx, Action.READ_TRAIL)  # a check that is not there: the trail's readers
            raise
        if ctx.staff_id == check.staff_id:
            self.actor(ctx, Action.READ_BUSINESS)
            return check
        actor = self.actor(ctx, Action.READ_BUSINESS)
        if (
            check.subject is CheckSubject.BRANCH
            and self.staff_by_id(actor.id).branch == check.branch
            and actor.id != check.checker_id
        ):
            return check
        actor = self.actor(ctx, Action.READ_TRAIL)
        self._reach_unit(check.branch, actor, Action.READ_TRAIL, check.check_no)
        return check

    def rectification_notice_pdf(self, ctx: CommandContext, check_id: UUID) -> tuple[str, bytes]:
        """The notice's number and its PDF as stored, to whoever may read the check."""
        check = self.read_supervision_check(ctx, check_id)
        notice = check.rectification
        if notice is None:
            raise NotFoundError(
                f"检查 {check.check_no} 未下发整改通知书",
                f"check {check.check_no} issued no rectification notice",
            )
        return notice.notice_no, self.blobs.get(blob_key(check.id, notice.sha256))

    def _reach_unit(self, branch: str, actor: Actor, action: Action, what: str) -> None:
        reaching = self.reaching(actor, action)
        if reaching is not None and not reaching.reaches_branch(branch):
            raise reaching.refusal(
                f"{what}（{branch}）", f"{what} ({branch})", field="branch", branch=branch
            )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
