"""Tasks of the operating branches' feedback (经办行反馈问题): its assignment, its answer, its
closing — each owed by whose turn it is, by the ``[feedback]`` working days.

Raised (or escalated) and not yet assigned, a risk manager — once escalated, the role it was
escalated to — owes its assignment (``feedback_assignment``) within ``assign_days``; assigned
(or sent back), its handler owes the answer by its deadline (``feedback_answer``); answered, its
raiser owes closing it or sending it back within ``close_days`` (``feedback_closure``).

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.rules import RuleSet
from domain.tasks.facts import FeedbackFacts
from domain.tasks.task import Task, TaskKind
from domain.transfers import add_working_days
from domain.values import Role


def feedback_tasks(found: FeedbackFacts, rules: RuleSet, today: date) -> list[Task]:
    """What the feedback owes, and whose it is."""
    days = rules.feedback

    def task(
        kind: TaskKind, role: Role, owner: UUID | None, opens: date, due: date, rule: str
    ) -> Task:
        return Task(
            kind=kind,
            subject=found.feedback_no,
            loan_no=None,
            branch=found.branch,
            owner_role=role,
            owner_id=owner,
            opens_on=opens,
            due_on=due,
            overdue=today > due,
            rule=f"{found.feedback_no}: {rule} (feedback)",
            rules_version=rules.version,
            staff_id=found.raiser_id,
        )

    escalated_on, escalated_to = found.escalated_on, found.escalated_to
    reassign = (
        escalated_on is not None
        and escalated_to is not None
        and found.state != "answered"
        and (found.assigned_on is None or found.assigned_on < escalated_on)
    )
    if found.state == "raised" or reassign:
        opens = escalated_on if reassign and escalated_on else found.raised_on
        role = escalated_to if reassign and escalated_to else Role.RISK_MANAGER
        due = add_working_days(opens, days.assign_days, rules.calendar)
        return [
            task(
                TaskKind.FEEDBACK_ASSIGNMENT,
                role,
                None,
                opens,
                due,
                f"assign within {days.assign_days} working days",
            )
        ]
    if found.state in ("assigned", "returned") and found.handler_id is not None:
        return [
            task(
                TaskKind.FEEDBACK_ANSWER,
                found.handler_role or Role.RISK_MANAGER,
                found.handler_id,
                found.raised_on,
                found.answer_due,
                f"answer by {found.answer_due.isoformat()}",
            )
        ]
    if found.state == "answered" and found.answered_on is not None:
        due = add_working_days(found.answered_on, days.close_days, rules.calendar)
        return [
            task(
                TaskKind.FEEDBACK_CLOSURE,
                found.raiser_role,
                found.raiser_id,
                found.answered_on,
                due,
                f"close or send back within {days.close_days} working days of the answer",
            )
        ]
    return []
