"""The archive office's tasks (档案室): originals borrowed and overdue, retention ended.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from datetime import date, timedelta

from domain.rules import RuleSet
from domain.tasks.facts import BorrowingFacts, DossierFacts
from domain.tasks.task import Task, TaskKind, days_text
from domain.values import Role


def borrowing_tasks(borrowing: BorrowingFacts, rules: RuleSet, today: date) -> list[Task]:
    """Originals still out past their due date: the escalation rung reached owns the task."""
    if not borrowing.out or today <= borrowing.due_on:
        return []
    days = (today - borrowing.due_on).days
    rung = next(((d, role) for d, role in rules.borrowing_escalation if days >= d), None)
    if rung is None:
        return []
    rung_days, role = rung
    return [
        Task(
            kind=TaskKind.OVERDUE_BORROWING,
            subject=borrowing.borrow_no,
            loan_no=borrowing.loan_no,
            branch=borrowing.branch,
            owner_role=role,
            owner_id=borrowing.archivist_id if role is Role.ARCHIVIST else None,
            opens_on=borrowing.due_on,
            due_on=borrowing.due_on,
            overdue=True,
            rule=f"borrowing.escalation[{days_text(rung_days)}] {role.value}",
            rules_version=rules.version,
            borrowing_id=borrowing.borrowing_id,
            borrow_no=borrowing.borrow_no,
        )
    ]


def dossier_tasks(dossier: DossierFacts, rules: RuleSet, today: date) -> list[Task]:
    """A dossier whose retention has ended waits for the archive head's appraisal."""
    ends = dossier.retention_ends_on
    if ends is None or today <= ends or dossier.appraised:
        return []
    opens = ends + timedelta(days=1)
    retention = dossier.retention.value if dossier.retention is not None else "?"
    return [
        Task(
            kind=TaskKind.RETENTION_REVIEW,
            subject=dossier.reference_code or "",
            loan_no=dossier.loan_no,
            branch=dossier.branch,
            owner_role=rules.task_owners.retention_review,
            owner_id=None,
            opens_on=opens,
            due_on=opens,
            overdue=today > opens,
            rule=f"retention {retention} ended {ends.isoformat()}",
            rules_version=rules.version,
            dossier_id=dossier.dossier_id,
        )
    ]
