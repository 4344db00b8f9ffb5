"""Feedback from the operating branches (经办行反馈问题): raised, assigned, answered, closed or
escalated. The rules are in :mod:`domain.feedback`; deadlines are the ``[feedback]`` working
days of the rules in force, by the bank's calendar."""

from __future__ import annotations

from datetime import date
from functools import partial
from uuid import UUID, uuid4

from pydantic import Field

from archive.commands import Command, handles
from archive.core import SYSTEM_ID, ArchiveCore, CommandContext, CommandResult, Work
from archive.fields import Number, Short, StaffNumber, Text
from domain.authorization import Action
from domain.feedback import BranchFeedback
from domain.numbering import FormKind
from domain.transfers import add_working_days
from domain.values import Actor, DocumentRef, FeedbackTopic


class RaiseFeedback(Command):
    """A problem the caller's branch raises to the post-loan and risk department (经办行反馈)."""

    action = Action.RAISE_FEEDBACK
    assigned = ("feedback_id",)
    files_documents = False

    topic: FeedbackTopic = Field(
        description="loan (贷款业务), rule (制度规则), finding (检查发现), system (系统操作) or other"
    )
    loan_no: Number | None = Field(
        default=None, description="the loan it is about (借据号); required for topic loan"
    )
    reference: Short | None = Field(
        default=None,
        description="what else it is about: a rule's id, a check's or notice's number (e.g. "
        "INS-11, 贷后检查〔2025〕第0001号)",
    )
    description: Text = Field(description="the problem (反馈问题)")
    raised_on: date
    feedback_id: UUID = Field(default_factory=uuid4)


class FeedbackCommand(Command):
    """A command on one piece of feedback, named by its id in the path."""

    path = ("feedback_id",)
    files_documents = False

    feedback_id: UUID


class AssignFeedback(FeedbackCommand):
    """Assign the feedback (分派) to a risk manager or a post-loan officer."""

    action = Action.ASSIGN_FEEDBACK

    handler_no: StaffNumber = Field(description="staff number of who answers it (处理人)")
    assigned_on: date


class AnswerFeedback(FeedbackCommand):
    """The answer (答复) with the measures taken, by the person it is assigned to."""

    action = Action.ANSWER_FEEDBACK

    answered_on: date
    answer: Text = Field(description="the answer (答复意见)")
    measures: Text = Field(description="the measures taken (采取的措施)")


class ConcludeFeedback(FeedbackCommand):
    """The raiser closes the answered feedback (办结), or sends it back (退回) with why."""

    action = Action.CONCLUDE_FEEDBACK

    concluded_on: date
    accepted: bool = Field(default=True, description="false: sent back to be answered again")
    opinion: Text = Field(description="why it is closed or sent back (确认意见)")


class EscalateFeedback(FeedbackCommand):
    """The raiser escalates feedback unanswered past its deadline, or sent back (升级)."""

    action = Action.ESCALATE_FEEDBACK

    escalated_on: date
    reason: Text


class FeedbackCommands(ArchiveCore):
    """The operating branches' feedback, and its reading."""

    def branch_feedback(self, feedback_id: UUID) -> BranchFeedback:
        return self._load(BranchFeedback, feedback_id, "反馈问题", "feedback")

    def _branch_of(self, actor: Actor) -> str:
        return "" if actor.id == SYSTEM_ID else self.staff_by_id(actor.id).branch

    def _calendar(self) -> partial[date]:
        return partial(add_working_days, calendar=self.rule_set().calendar)

    @handles(RaiseFeedback)
    def raise_feedback(self, ctx: CommandContext, cmd: RaiseFeedback) -> CommandResult:
        """Raise feedback for the caller's unit, numbered 反馈〔year〕第n号; a loan it names must
        be within the caller's reach."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            loan_no = None
            if cmd.loan_no is not None:
                loan_no = self.loan(cmd.loan_no).loan_no
                self.check_reach(actor, Action.RAISE_FEEDBACK, loan_no)
            rules = self.rule_set()
            numbers = self.number_book(FormKind.FEEDBACK, cmd.raised_on.year)
            feedback = BranchFeedback.raise_feedback(
                feedback_id=cmd.feedback_id,
                feedback_no=numbers.take(),
                branch=self._branch_of(actor),
                topic=cmd.topic,
                loan_no=loan_no,
                reference=cmd.reference,
                description=cmd.description,
                raised_on=cmd.raised_on,
                answer_due=add_working_days(
                    cmd.raised_on, rules.feedback.answer_days, rules.calendar
                ),
                actor=actor,
            )
            ids = {"feedback_id": str(cmd.feedback_id), "feedback_no": feedback.feedback_no}
            return Work(feedback, [feedback, numbers], ids)

        return self.run(ctx, cmd, body)

    def _within(self, feedback: BranchFeedback, actor: Actor, action: Action) -> None:
        reaching = self.reaching(actor, action)
        if reaching is not None and not reaching.reaches_branch(feedback.branch):
            raise reaching.refusal(
                f"反馈 {feedback.feedback_no}（{feedback.branch}）",
                f"feedback {feedback.feedback_no} ({feedback.branch})",
                field="feedback_id",
                branch=feedback.branch,
            )

    @handles(AssignFeedback)
    def assign_feedback(self, ctx: CommandContext, cmd: AssignFeedback) -> CommandResult:
        """Assign (or reassign) the feedback, within the caller's reach of the raising unit."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            feedback = self.branch_feedback(cmd.feedback_id)
            self.check_version(feedback, ctx)
            self._within(feedback, actor, Action.ASSIGN_FEEDBACK)
            feedback.assign(
                handler=self.party(cmd.handler_no),
                assigned_on=cmd.assigned_on,
                actor=actor,
                answer_days=self.rule_set().feedback.answer_days,
                calendar=self._calendar(),
            )
            return Work(feedback, [feedback], {"feedback_id": str(feedback.id)})

        return self.run(ctx, cmd, body)

    @handles(AnswerFeedback)
    def answer_feedback(self, ctx: CommandContext, cmd: AnswerFeedback) -> CommandResult:
        """Answer the feedback as the person it is assigned to."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            feedback = self.branch_feedback(cmd.feedback_id)
            self.check_version(feedback, ctx)
            self._within(feedback, actor, Action.ANSWER_FEEDBACK)
            feedback.answer_feedback(
                answered_on=cmd.answered_on, answer=cmd.answer, measures=cmd.measures, actor=actor
            )
            return Work(feedback, [feedback], {"feedback_id": str(feedback.id)})

        return self.run(ctx, cmd, body)

    @handles(ConcludeFeedback)
    def conclude_feedback(self, ctx: CommandContext, cmd: ConcludeFeedback) -> CommandResult:
        """Close the feedback, or send it back, as its raiser."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            feedback = self.branch_feedback(cmd.feedback_id)
            self.check_version(feedback, ctx)
            self._within(feedback, actor, Action.CONCLUDE_FEEDBACK)
            feedback.conclude(
                concluded_on=cmd.concluded_on,
                accepted=cmd.accepted,
                opinion=cmd.opinion,
                actor=actor,
                answer_days=self.rule_set().feedback.answer_days,
                calendar=self._calendar(),
            )
            return Work(feedback, [feedback], {"feedback_id": str(feedback.id)})

        return self.run(ctx, cmd, body)

    @handles(EscalateFeedback)
    def escalate_feedback(self, ctx: CommandContext, cmd: EscalateFeedback) -> CommandResult:
        """Escalate the feedback, as its raiser, to the role the rules name."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            feedback = self.branch_feedback(cmd.feedback_id)
            self.check_version(feedback, ctx)
            self._within(feedback, actor, Action.ESCALATE_FEEDBACK)
            feedback.escalate(
                escalated_on=cmd.escalated_on,
                reason=cmd.reason,
                escalate_to=self.rule_set().feedback.escalate_to,
                actor=actor,
            )
            return Work(feedback, [feedback], {"feedback_id": str(feedback.id)})

        return self.run(ctx, cmd, body)

    # -------------------------------------------------------------------- reading
    def read_branch_feedback(self, ctx: CommandContext, feedback_id: UUID) -> BranchFeedback:
        """The feedback, to its raiser and its handler, and to the business readers whose read
        scope holds the raising unit."""
        actor = self.actor(ctx, Action.READ_BUSINESS)
        feedback = self.branch_feedback(feedback_id)
        if actor.id not in (feedback.raiser_id, feedback.handler_id):
            self._within(feedback, actor, Action.READ_BUSINESS)
        return feedback
