"""Responsibility determination (不良贷款责任认定) through the application, on SQLite and
PostgreSQL: it starts at the collection ladder's day-30 rung of the rules in force, the days
overdue running on from the last status recorded, and is refused before with nothing recorded.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from archive.application import DossierArchive
from archive.commands.responsibility import DetermineResponsibility
from archive.core import CommandContext
from archive.rules import packaged_rules_text
from domain.errors import InvalidTransitionError
from domain.rules import RuleSet
from domain.values import ResponsibilityFinding, ResponsibilityStage
from tests import steps
from tests.factories import make_disbursement

LOAN_NO = "JJ2025011000777"


def days_later(app: DossierArchive, days: int) -> None:
    """Move the archive's clock on (never back: staff hold their roles from enrolment)."""
    now = app.clock()
    app.clock = lambda: now + timedelta(days=days)


def determine(app: DossierArchive, auditor: CommandContext) -> object:
    return app.execute(
        auditor,
        DetermineResponsibility(
            loan_no=LOAN_NO,
            person_no="account_manager",
            stage=ResponsibilityStage.COLLECTION,
            finding=ResponsibilityFinding.SECONDARY,
            sanction="",
            reason="逾期后未按期上门催收",
        ),
    )


def test_responsibility_is_determined_from_30_days_overdue_not_only_once_non_performing(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    am, plo, auditor = staff["account_manager"], staff["post_loan_officer"], staff["auditor"]
    app.execute(am, make_disbursement(LOAN_NO))
    steps.overdue(app, plo, LOAN_NO, app.today() - timedelta(days=4), 25, "0")

    # Today the loan is 29 days overdue.
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidTransitionError) as refused:
        determine(app, auditor)
    assert refused.value.context["starts_at_days_overdue"] == 30
    assert refused.value.context["days_overdue"] == 29
    assert app.recorder.max_notification_id() == before

    days_later(app, 1)  # 30 days: the ladder's notice rung; the loan is not non-performing
    determined = determine(app, auditor)
    assert determined.events == ("ResponsibilityDetermined",)  # type: ignore[attr-defined]
    loan = app.loan(LOAN_NO)
    assert not loan.grade.is_non_performing
    assert len(loan.determinations) == 1


def test_the_rung_that_starts_determination_is_the_rules_in_force(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    moved = (
        packaged_rules_text()
        .replace('owner = "account_manager", responsibility = true,', 'owner = "account_manager",')
        .replace(
            'step = "on_site_investigation", owner = "post_loan_officer" }',
            'step = "on_site_investigation", owner = "post_loan_officer", responsibility = true }',
        )
    )
    assert 'investigation", owner = "post_loan_officer", responsibility = true' in moved
    assert moved.count(", responsibility = true") == 1  # moved, not added
    app.adopt_rules(RuleSet.from_toml(moved), source="var/rules.toml")
    am, plo, auditor = staff["account_manager"], staff["post_loan_officer"], staff["auditor"]
    app.execute(am, make_disbursement(LOAN_NO))
    steps.overdue(app, plo, LOAN_NO, app.today(), 45, "0")
    with pytest.raises(InvalidTransitionError) as refused:
        determine(app, auditor)
    assert refused.value.context["starts_at_days_overdue"] == 60
    days_later(app, 15)
    determine(app, auditor)
