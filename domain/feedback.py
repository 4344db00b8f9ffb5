"""Feedback from the operating branches (经办行反馈问题): raised, assigned, answered, closed.

Someone of an operating branch raises a problem met in post-loan work — about a loan, a rule or
a procedure, a check's finding, a system — to the post-loan and risk department; the risk
manager assigns it to someone there (a risk manager or a post-loan officer) who answers with
the measures taken (采取的措施); the person who raised it closes it when satisfied (办结) or sends
it back with why, to be answered again. Left unanswered past its deadline, or sent back, the
raiser may escalate it (升级) to the role the rules name, who then assigns it again. Deadlines
are the rules' (``[feedback]``, in working days of the bank's calendar; docs/rules.md FBK-01 to
FBK-06); the work queue asks each step of whose turn it is.

Segregation of duties: nobody answers the feedback they raised, nor assigns it to themselves;
only its raiser closes or escalates it; only the person it is assigned to answers it.

Pure: the standard library, ``domain`` and ``eventsourcing.domain`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Self
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.authorization import Action, authorize
from domain.dates import check_not_before
from domain.errors import InvalidInputError, InvalidTransitionError, SegregationOfDutiesError
from domain.values import Actor, FeedbackTopic, LabelledEnum, Party, Role, require_text

Fail = Callable[[str, str, str], Exception]

HANDLER_ROLES = frozenset({Role.RISK_MANAGER, Role.POST_LOAN_OFFICER})
"""Who in the post-loan and risk department answers feedback (贷后管理部门、风险管理部门)."""


ESCALATION_ROLES = (Role.BRANCH_HEAD, Role.RISK_MANAGER)
"""Whom feedback may be escalated to: a role that may assign it."""


class FeedbackState(LabelledEnum):
    """Where a branch's feedback stands (处理状态)."""

    RAISED = ("raised", "待分派")
    ASSIGNED = ("assigned", "处理中")
    ANSWERED = ("answered", "已答复待确认")
    RETURNED = ("returned", "退回重新处理")
    CLOSED = ("closed", "已办结")


# ------------------------------------------------------------------------- the rules
@dataclass(frozen=True)
class FeedbackRules:
    """``[feedback]``: working days to assign, to answer (from raising) and to close (from the
    answer), and the role feedback is escalated to."""

    assign_days: int = 1
    answer_days: int = 5
    close_days: int = 5
    escalate_to: Role = Role.BRANCH_HEAD


EARLIER_FEEDBACK: Mapping[str, Any] = {
    "assign_days": 1,
    "answer_days": 5,
    "close_days": 5,
    "escalate_to": "branch_head",
}
"""What a rule set adopted before ``[feedback]`` reads: the shipped values (nothing was
recorded under it before, so nothing is judged otherwise)."""


def parse_feedback(raw: Any, fail: Fail) -> FeedbackRules:
    if not isinstance(raw, dict):
        raise fail("feedback", "须为表", "must be a table")
    unknown = sorted(set(raw) - set(EARLIER_FEEDBACK))
    if unknown:
        raise fail(f"feedback.{unknown[0]}", "未知的键", "unknown key")
    days = {}
    for key in ("assign_days", "answer_days", "close_days"):
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 60:
            raise fail(f"feedback.{key}", "须为 0–60 的工作日数", "must be 0-60 working days")
        days[key] = value
    role = next((r for r in ESCALATION_ROLES if r.value == raw.get("escalate_to")), None)
    if role is None:
        raise fail(
            "feedback.escalate_to",
            "须为 branch_head 或 risk_manager",
            "must be branch_head or risk_manager (who may assign feedback)",
        )
    return FeedbackRules(**days, escalate_to=role)


def _calendar_days(start: date, days: int) -> date:
    return start + timedelta(days=days)


# ------------------------------------------------------------------------- the aggregate
class BranchFeedback(Aggregate):
    """One problem a branch raised to the post-loan and risk department, to its closing."""

    @classmethod
    def raise_feedback(
        cls,
        *,
        feedback_id: UUID,
        feedback_no: str,
        branch: str,
        topic: FeedbackTopic,
        loan_no: str | None,
        reference: str | None,
        description: str,
        raised_on: date,
        answer_due: date,
        actor: Actor,
    ) -> Self:
        """Raise feedback for the actor's unit: what it is about (a loan of theirs, a rule or a
        check by its reference), what the problem is, answered by ``answer_due``."""
        authorize(actor, Action.RAISE_FEEDBACK)
        if topic is FeedbackTopic.LOAN and loan_no is None:
            raise InvalidInputError(
                "反馈贷款业务问题须写明借据号（loan_no）",
                "feedback about a loan names it: loan_no is required",
                field="loan_no",
            )
        check_not_before(answer_due, raised_on, field="answer_due", since_field="raised_on")
        return cls(
            feedback_id=feedback_id,
            feedback_no=feedback_no,
            branch=branch,
            topic=topic,
            loan_no=loan_no,
            reference=require_text(reference, "reference", max_length=200) if reference else None,
            description=require_text(description, "description"),
            raised_on=raised_on,
            answer_due=answer_due,
            actor_id=actor.id,
            role=actor.role,
        )

    @staticmethod
    def create_id(feedback_id: UUID) -> UUID:
        return feedback_id

    @event("FeedbackRaised")
    def __init__(
        self,
        *,
        feedback_id: UUID,
        feedback_no: str,
        branch: str,
        topic: FeedbackTopic,
        loan_no: str | None,
        reference: str | None,
        description: str,
        raised_on: date,
        answer_due: date,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.feedback_no = feedback_no
        self.branch = branch
        self.topic = topic
        self.loan_no = loan_no
        self.reference = reference
        self.description = description
        self.raised_on = raised_on
        self.answer_due = answer_due
        self.raiser_id = actor_id
        self.raiser_role = role
        self.handler_id: UUID | None = None
        self.assigned_on: date | None = None
        self.answered_on: date | None = None
        self.answer: str | None = None
        self.measures: str | None = None
        self.returned = 0
        self.closed_on: date | None = None
        self.escalated_on: date | None = None
        self.escalated_to: Role | None = None
        self.state = FeedbackState.RAISED

    def _open(self, what_zh: str, what_en: str) -> None:
        if self.state is FeedbackState.CLOSED:
            raise InvalidTransitionError(
                f"反馈 {self.feedback_no} 已办结，不能{what_zh}",
                f"feedback {self.feedback_no} is closed: cannot {what_en} it",
            )

    # ----------------------------------------------------------------- assign
    def assign(
        self,
        *,
        handler: Party,
        assigned_on: date,
        actor: Actor,
        answer_days: int = 5,
        calendar: Callable[[date, int], date] | None = None,
    ) -> None:
        """Assign (分派) the feedback to a risk manager or a post-loan officer, not the raiser:
        by a risk manager, or — once escalated — by the role it was escalated to. Again while
        not answered (reassigned). Assigned after its escalation, it is due ``answer_days``
        working days after (``calendar`` adds them) instead of its first deadline."""
        authorize(actor, Action.ASSIGN_FEEDBACK)
        self._open("分派", "assign")
        if actor.role is not Role.RISK_MANAGER and actor.role is not self.escalated_to:
            raise SegregationOfDutiesError(
                "反馈问题由风险管理部门分派；升级后由升级对象分派",
                "feedback is assigned by a risk manager, or once escalated by the role it was "
                "escalated to",
            )
        if self.state is FeedbackState.ANSWERED:
            raise InvalidTransitionError(
                f"反馈 {self.feedback_no} 已答复，待反馈人确认",
                f"feedback {self.feedback_no} is answered and awaits its raiser",
            )
        if handler.id == self.raiser_id:
            raise SegregationOfDutiesError(
                "反馈问题不得分派给反馈人本人", "feedback is not assigned to whoever raised it"
            )
        if not handler.roles & HANDLER_ROLES:
            raise SegregationOfDutiesError(
                "反馈问题分派给风险经理或贷后管理岗处理",
                "feedback is assigned to a risk manager or a post-loan officer",
            )
        check_not_before(assigned_on, self.raised_on, field="assigned_on", since_field="raised_on")
        due = None
        if self.escalated_on is not None and calendar is not None:
            due = calendar(assigned_on, answer_days)
        self._assigned(
            handler_id=handler.id,
            handler_role=Role.RISK_MANAGER
            if Role.RISK_MANAGER in handler.roles
            else Role.POST_LOAN_OFFICER,
            assigned_on=assigned_on,
            answer_due=due,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("FeedbackAssigned")
    def _assigned(
        self,
        *,
        handler_id: UUID,
        handler_role: Role,
        assigned_on: date,
        answer_due: date | None,
        actor_id: UUID,
        role: Role,
    ) -> None:
        # ``answer_due``: the new deadline of feedback assigned after its escalation; none else.
        self.handler_id = handler_id
        self.assigned_on = assigned_on
        self.answer_due = answer_due or self.answer_due
        if self.state is not FeedbackState.RETURNED:
            self.state = FeedbackState.ASSIGNED

    # ----------------------------------------------------------------- answer
    def answer_feedback(
        self, *, answered_on: date, answer: str, measures: str, actor: Actor
    ) -> None:
        """Answer (答复) with the measures taken, by the person it is assigned to."""
        authorize(actor, Action.ANSWER_FEEDBACK)
        self._open("答复", "answer")
        if self.handler_id is None:
            raise InvalidTransitionError(
                f"反馈 {self.feedback_no} 尚未分派", f"feedback {self.feedback_no} is not assigned"
            )
        if actor.id != self.handler_id:
            raise SegregationOfDutiesError(
                "反馈问题由被分派的处理人答复",
                "feedback is answered by the person it is assigned to",
            )
        if self.state is FeedbackState.ANSWERED:
            raise InvalidTransitionError(
                f"反馈 {self.feedback_no} 已答复，待反馈人确认",
                f"feedback {self.feedback_no} is answered and awaits its raiser",
            )
        assert self.assigned_on is not None
        check_not_before(
            answered_on, self.assigned_on, field="answered_on", since_field="assigned_on"
        )
        self._answered(
            answered_on=answered_on,
            answer=require_text(answer, "answer"),
            measures=require_text(measures, "measures"),
            late=answered_on > self.answer_due,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("FeedbackAnswered")
    def _answered(
        self,
        *,
        answered_on: date,
        answer: str,
        measures: str,
        late: bool,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.answered_on = answered_on
        self.answer = answer
        self.measures = measures
        self.state = FeedbackState.ANSWERED

    # ----------------------------------------------------------------- close
    def conclude(
        self,
        *,
        concluded_on: date,
        accepted: bool,
        opinion: str,
        actor: Actor,
        answer_days: int = 5,
        calendar: Callable[[date, int], date] | None = None,
    ) -> None:
        """The raiser closes the answered feedback (办结) or sends it back (退回) with why, to be
        answered again within ``answer_days`` working days (``calendar`` adds them)."""
        authorize(actor, Action.CONCLUDE_FEEDBACK)
        self._open("办结", "close")
        if actor.id != self.raiser_id:
            raise SegregationOfDutiesError(
                "反馈问题由反馈人本人确认办结", "feedback is closed by whoever raised it"
            )
        if self.state is not FeedbackState.ANSWERED:
            raise InvalidTransitionError(
                f"反馈 {self.feedback_no} 尚未答复，不能办结",
                f"feedback {self.feedback_no} is not answered: nothing to close",
            )
        assert self.answered_on is not None
        check_not_before(
            concluded_on, self.answered_on, field="concluded_on", since_field="answered_on"
        )
        due = None
        if not accepted:
            due = (calendar or _calendar_days)(concluded_on, answer_days)
        self._concluded(
            concluded_on=concluded_on,
            accepted=accepted,
            opinion=require_text(opinion, "opinion"),
            answer_due=due,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("FeedbackConcluded")
    def _concluded(
        self,
        *,
        concluded_on: date,
        accepted: bool,
        opinion: str,
        answer_due: date | None,
        actor_id: UUID,
        role: Role,
    ) -> None:
        # ``answer_due``: the new deadline of feedback sent back; none once closed.
        self.answer_due = answer_due or self.answer_due
        if accepted:
            self.closed_on = concluded_on
            self.state = FeedbackState.CLOSED
        else:
            self.returned += 1
            self.answered_on = None
            self.state = FeedbackState.RETURNED

    # ----------------------------------------------------------------- escalate
    def escalate(self, *, escalated_on: date, reason: str, escalate_to: Role, actor: Actor) -> None:
        """The raiser escalates (升级) feedback not answered by its deadline, or sent back, to
        ``escalate_to`` (the rules' role), once."""
        authorize(actor, Action.ESCALATE_FEEDBACK)
        self._open("升级", "escalate")
        if actor.id != self.raiser_id:
            raise SegregationOfDutiesError(
                "反馈问题由反馈人本人升级", "feedback is escalated by whoever raised it"
            )
        if self.escalated_on is not None:
            raise InvalidTransitionError(
                f"反馈 {self.feedback_no} 已于 {self.escalated_on} 升级",
                f"feedback {self.feedback_no} was escalated on {self.escalated_on}",
            )
        waiting = self.state is not FeedbackState.ANSWERED
        if not (self.returned or (waiting and escalated_on > self.answer_due)):
            raise InvalidTransitionError(
                f"反馈 {self.feedback_no} 未超过答复期限 {self.answer_due}，也未被退回，不能升级",
                f"feedback {self.feedback_no} is neither past its answer deadline "
                f"{self.answer_due} unanswered nor sent back: it cannot be escalated",
            )
        check_not_before(
            escalated_on, self.raised_on, field="escalated_on", since_field="raised_on"
        )
        self._escalated(
            escalated_on=escalated_on,
            reason=require_text(reason, "reason"),
            escalated_to=escalate_to,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("FeedbackEscalated")
    def _escalated(
        self,
        *,
        escalated_on: date,
        reason: str,
        escalated_to: Role,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.escalated_on = escalated_on
        self.escalated_to = escalated_to
