"""Rectification tasks (限期整改): a notice's rectification due, then its acceptance.

A supervision check scored below the pass score issues a rectification notice with a deadline
(domain/supervision.py): the party checked — the account manager, or the branch head of the
branch checked — owes the rectification report by the deadline (``rectification``); once it is
reported, the checker owes its acceptance (``rectification_acceptance``, 验收), due by the
deadline or the day of the report if later. Accepted, the notice asks for nothing.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from datetime import date

from domain.rules import RuleSet
from domain.tasks.facts import RectificationFacts
from domain.tasks.task import Task, TaskKind
from domain.values import Role


def rectification_tasks(notice: RectificationFacts, rules: RuleSet, today: date) -> list[Task]:
    """The rectification's report, or its acceptance, owed."""
    if notice.reported_on is None:
        due = notice.deadline
        return [
            Task(
                kind=TaskKind.RECTIFICATION,
                subject=notice.notice_no,
                loan_no=None,
                branch=notice.branch,
                owner_role=Role.ACCOUNT_MANAGER if notice.staff_id else Role.BRANCH_HEAD,
                owner_id=notice.staff_id,
                opens_on=notice.issued_on,
                due_on=due,
                overdue=today > due,
                rule=f"{notice.notice_no}: rectify by {due.isoformat()} (supervision)",
                rules_version=rules.version,
                staff_id=notice.staff_id,
                notice_no=notice.notice_no,
            )
        ]
    due = max(notice.deadline, notice.reported_on)
    return [
        Task(
            kind=TaskKind.RECTIFICATION_ACCEPTANCE,
            subject=notice.notice_no,
            loan_no=None,
            branch=notice.branch,
            owner_role=notice.checker_role,
            owner_id=notice.checker_id,
            opens_on=notice.reported_on,
            due_on=due,
            overdue=today > due,
            rule=f"{notice.notice_no}: reported {notice.reported_on.isoformat()}, to accept "
            f"by {due.isoformat()} (supervision)",
            rules_version=rules.version,
            staff_id=notice.staff_id,
            notice_no=notice.notice_no,
        )
    ]
