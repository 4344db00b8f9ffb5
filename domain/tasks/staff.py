"""Account managers' tasks (客户经理): their post-loan duties evaluated (贷后管理履职评价).

An account manager's post-loan duties are evaluated when they hand a loan over (岗位变动) and
after ``managers.evaluation_every_years`` in post (任职满期), as ``managers.evaluate_on`` asks:
a task about the person, not a loan, owned by ``tasks.owners.duty_evaluation`` and closed by
the evaluation recorded on the person's record.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from datetime import date, timedelta

from domain.rules import RuleSet
from domain.schedules import add_months
from domain.tasks.facts import StaffFacts
from domain.tasks.task import Task, TaskKind
from domain.values import EvaluationOccasion


def staff_tasks(staff: StaffFacts, rules: RuleSet, today: date) -> list[Task]:
    """The evaluations of ``staff``'s duties due (some may not be open yet)."""
    managers, found = rules.managers, []
    days = managers.evaluation_within_days

    def task(occasion: EvaluationOccasion, opens: date, rule: str, subject: str) -> Task:
        due = opens + timedelta(days=days)
        return Task(
            kind=TaskKind.DUTY_EVALUATION,
            subject=subject,
            loan_no=None,
            branch=staff.branch,
            owner_role=rules.task_owners.duty_evaluation,
            owner_id=None,
            opens_on=opens,
            due_on=due,
            overdue=today > due,
            rule=rule,
            rules_version=rules.version,
            staff_id=staff.staff_id,
            staff_no=staff.staff_no,
        )

    if EvaluationOccasion.HANDOVER.value in managers.evaluate_on and staff.handover_pending_on:
        found.append(
            task(
                EvaluationOccasion.HANDOVER,
                staff.handover_pending_on,
                f"managers.evaluation_within_days = {days} after handing over "
                f"{staff.handover_loan_no or 'a loan'}",
                f"handover:{staff.handover_loan_no or ''}",
            )
        )
    since = staff.last_in_post_evaluation_on or staff.in_post_since
    if EvaluationOccasion.IN_POST.value in managers.evaluate_on and since is not None:
        years = managers.evaluation_every_years
        found.append(
            task(
                EvaluationOccasion.IN_POST,
                add_months(since, 12 * years),
                f"managers.evaluation_every_years = {years} from {since.isoformat()}",
                f"in_post:{since.isoformat()}",
            )
        )
    return found
