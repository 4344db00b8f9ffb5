"""Paper tasks (贷后管理文书): a paper's review awaited, its revision, its reading above.

A post-loan management paper (domain/papers.py) is due through its chain by its due date
(working days after its period, by the bank's calendar): while a step awaits, the step's role
of the author's unit owes the review (``paper_review``); returned, the author owes the revision
(``paper_revision``); both overdue once the due date has passed. Submitted up, a branch head of
the unit above owes its reading (阅知, ``paper_acknowledgement``) within the rules'
``acknowledge_working_days``. Read, or final without being sent up, it asks for nothing.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from datetime import date

from domain.rules import RuleSet
from domain.tasks.facts import PaperFacts
from domain.tasks.task import Task, TaskKind
from domain.values import Role


def paper_tasks(paper: PaperFacts, rules: RuleSet, today: date) -> list[Task]:
    """What the paper awaits, and from whom."""
    if paper.submitted_on is not None:
        days = rules.papers.acknowledge_working_days or 5
        due = rules.calendar.add_working_days(paper.submitted_on, days)
        return [
            Task(
                kind=TaskKind.PAPER_ACKNOWLEDGEMENT,
                subject=paper.paper_no,
                loan_no=None,
                branch=paper.branch,
                owner_role=Role.BRANCH_HEAD,
                owner_id=None,
                opens_on=paper.submitted_on,
                due_on=due,
                overdue=today > due,
                rule=f"{paper.paper_no}: submitted to {paper.branch} "
                f"{paper.submitted_on.isoformat()}, to read within {days} working days (papers)",
                rules_version=rules.version,
                paper_no=paper.paper_no,
            )
        ]
    if paper.returned:
        kind, role, owner = TaskKind.PAPER_REVISION, paper.author_role, paper.author_id
        what = "returned, to revise"
    elif paper.next_role is not None:
        kind, role, owner = TaskKind.PAPER_REVIEW, paper.next_role, None
        what = f"awaits {paper.next_step or paper.next_role.value}"
    else:
        return []
    return [
        Task(
            kind=kind,
            subject=paper.paper_no,
            loan_no=None,
            branch=paper.branch,
            owner_role=role,
            owner_id=owner,
            opens_on=paper.drafted_on,
            due_on=paper.due_on,
            overdue=today > paper.due_on,
            rule=f"{paper.paper_no} ({paper.kind}, {paper.period}): {what}, due "
            f"{paper.due_on.isoformat()} (papers)",
            rules_version=rules.version,
            paper_no=paper.paper_no,
        )
    ]
