"""Account managers' post-loan duties evaluated (贷后管理履职评价).

An account manager's post-loan duties are evaluated when they hand a loan over (岗位变动) and
after years in post (任职满期): a record with findings on the person's record, made by a branch
head or a risk manager whose act scope holds the person's unit — never by the person evaluated.
The work queue asks for them (``duty_evaluation`` tasks, docs/rules.md MGR-03); the
accountability trail lists them (``evaluations``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID, uuid4

from pydantic import Field

from archive.commands import Command, handles
from archive.core import ArchiveCore, CommandContext, CommandResult, Work
from archive.fields import ONE_LINE, StaffNumber, Text
from domain.authorization import Action
from domain.staff import MAX_LOANS_REVIEWED, DutyEvaluation, Staff
from domain.values import Actor, DocumentRef, DutyConclusion, EvaluationOccasion

LoanNumber = Annotated[str, Field(min_length=1, max_length=64), ONE_LINE]


class EvaluatePostLoanDuties(Command):
    """The evaluation of an account manager's post-loan duties (贷后管理履职评价), of the person
    named by their staff number (工号) in the path."""

    action = Action.EVALUATE_POST_LOAN_DUTIES
    path = ("staff_no",)
    assigned = ("evaluation_id",)
    files_documents = False

    staff_no: StaffNumber

    occasion: EvaluationOccasion = Field(description="handover (岗位变动前) or in_post (任职满期)")
    period_from: date = Field(description="the first day of the period evaluated")
    period_to: date = Field(description="the last day of the period evaluated")
    evaluated_on: date = Field(description="the day of the evaluation (评价日期)")
    conclusion: DutyConclusion = Field(description="称职 / 基本称职 / 不称职")
    findings: Text = Field(description="the findings (评价意见)")
    loan_nos: Annotated[list[LoanNumber], Field(max_length=MAX_LOANS_REVIEWED)] = Field(
        default_factory=list, description="the loans reviewed (所评贷款借据号)"
    )
    evaluation_id: UUID = Field(default_factory=uuid4)


class DutyCommands(ArchiveCore):
    """Evaluations of account managers' post-loan duties, and their reading."""

    @handles(EvaluatePostLoanDuties)
    def evaluate_post_loan_duties(
        self, ctx: CommandContext, cmd: EvaluatePostLoanDuties
    ) -> CommandResult:
        """Record an evaluation of the person's post-loan duties; the evaluator's act scope
        must hold the person's unit."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            staff = self.staff(cmd.staff_no)
            self.check_version(staff, ctx)
            self._within_reach(staff, actor, Action.EVALUATE_POST_LOAN_DUTIES)
            staff.evaluate_post_loan_duties(
                evaluation_id=cmd.evaluation_id,
                occasion=cmd.occasion,
                period_from=cmd.period_from,
                period_to=cmd.period_to,
                evaluated_on=cmd.evaluated_on,
                conclusion=cmd.conclusion,
                findings=cmd.findings,
                loan_nos=list(cmd.loan_nos),
                actor=actor,
            )
            ids = {"evaluation_id": str(cmd.evaluation_id), "staff_no": staff.staff_no}
            return Work(staff, [staff], ids)

        return self.run(ctx, cmd, body)

    def duty_evaluations(
        self, ctx: CommandContext, staff_no: str
    ) -> tuple[Staff, list[DutyEvaluation]]:
        """The evaluations of a person's post-loan duties, newest first: for the person
        themselves, and for those who read the accountability trail within their read scope."""
        staff = self.staff(staff_no)
        if ctx.staff_id == staff.id:
            self.actor(ctx, Action.READ_BUSINESS)
        else:
            actor = self.actor(ctx, Action.READ_TRAIL)
            self._within_reach(staff, actor, Action.READ_TRAIL)
        found = sorted(staff.evaluations, key=lambda e: (e.evaluated_on, str(e.evaluation_id)))
        return staff, found[::-1]

    def _within_reach(self, staff: Staff, actor: Actor, action: Action) -> None:
        reaching = self.reaching(actor, action)
        if reaching is not None and not reaching.reaches_branch(staff.branch):
            raise reaching.refusal(
                f"{staff.name}（{staff.staff_no}，{staff.branch}）",
                f"{staff.name} ({staff.staff_no}, {staff.branch})",
                field="staff_no",
                branch=staff.branch,
            )
