"""The deadline engine: each task with the rule that produced it, the rules' version, its owner.

A corporate working-capital loan (rating BBB, bullet, value date Friday 10 January 2025,
maturity 10 January 2026) is judged day by day with the shipped rules: its first follow-up,
then monthly routine inspections; a phone visit three days before each due date (interest
quarterly on the 20th, principal at maturity); the warning, collection and floor deadlines as
the arrears run on; the transfers to the archive office. A borrowing of originals kept past its
due date climbs the escalation; a dossier whose retention ended waits for its appraisal. A
rule set with another lead time moves the reminder and names its own version.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import UUID, uuid4

import pytest

from archive.rules import packaged_rules_text
from domain.rules import RuleSet
from domain.tasks import (
    BorrowingFacts,
    DossierFacts,
    Facts,
    LoanFacts,
    Task,
    TaskKind,
    WarningFacts,
    tasks_for,
)
from domain.values import (
    BorrowerType,
    CollectionStepKind,
    Grade,
    Product,
    RepaymentMethod,
    RetentionClass,
    Role,
    WarningColour,
)
from tests.factories import rules_with

RULES = RuleSet.from_toml(packaged_rules_text())
LEAD_5 = RuleSet.from_toml(packaged_rules_text().replace("lead_days = 3", "lead_days = 5"))
AM, PLO, RM, ARCHIVIST = (UUID(int=n) for n in (1, 2, 3, 4))
LOAN_NO = "JJ2025011000901"
BRANCH = "营业部"


def loan(**overrides: object) -> LoanFacts:
    facts = LoanFacts(
        loan_id=UUID(int=100),
        loan_no=LOAN_NO,
        branch=BRANCH,
        product=Product.CORPORATE_WORKING_CAPITAL,
        borrower_type=BorrowerType.CORPORATE,
        rating="BBB",
        repayment_method=RepaymentMethod.BULLET,
        value_date=date(2025, 1, 10),
        maturity_date=date(2026, 1, 10),
        account_manager_id=AM,
        originals_transferred=True,
    )
    return replace(facts, **overrides)  # type: ignore[arg-type]


def of(kind: TaskKind, facts: LoanFacts, on: date, rules: RuleSet = RULES) -> list[Task]:
    return [t for t in tasks_for(Facts(loans=[facts]), rules, on) if t.kind is kind]


def expected(kind: TaskKind, **fields: object) -> Task:
    base: dict[str, object] = {
        "kind": kind,
        "subject": "",
        "loan_no": LOAN_NO,
        "branch": BRANCH,
        "owner_role": Role.ACCOUNT_MANAGER,
        "owner_id": AM,
        "overdue": False,
        "rules_version": RULES.version,
    }
    return Task(**{**base, **fields})  # type: ignore[arg-type]


# ------------------------------------------------------------------------ inspections
def test_the_first_follow_up_of_a_corporate_loan_is_due_within_15_days() -> None:
    first = expected(
        TaskKind.FIRST_INSPECTION,
        opens_on=date(2025, 1, 10),
        due_on=date(2025, 1, 25),
        rule="inspections.first_follow_up_days_business = 15",
    )
    assert of(TaskKind.FIRST_INSPECTION, loan(), date(2025, 1, 25)) == [first]
    assert of(TaskKind.FIRST_INSPECTION, loan(), date(2025, 1, 26)) == [
        replace(first, overdue=True)
    ]
    consumer = loan(product=Product.CONSUMER, borrower_type=BorrowerType.INDIVIDUAL)
    (task,) = of(TaskKind.FIRST_INSPECTION, consumer, date(2025, 1, 26))
    assert (task.due_on, task.rule) == (
        date(2025, 2, 9),
        "inspections.first_follow_up_days_other = 30",
    )
    assert of(TaskKind.FIRST_INSPECTION, loan(), date(2025, 1, 9)) == []  # before disbursement


def test_a_bbb_loan_not_inspected_for_a_month_after_its_first_inspection_is_overdue() -> None:
    inspected = loan(first_inspection_done=True, last_inspected_on=date(2025, 1, 20))
    routine = expected(
        TaskKind.ROUTINE_INSPECTION,
        opens_on=date(2025, 1, 21),
        due_on=date(2025, 2, 20),
        rule="inspections.months_other_rating = 1",
    )
    assert of(TaskKind.FIRST_INSPECTION, inspected, date(2025, 2, 21)) == []
    assert of(TaskKind.ROUTINE_INSPECTION, inspected, date(2025, 2, 20)) == [routine]
    assert of(TaskKind.ROUTINE_INSPECTION, inspected, date(2025, 2, 21)) == [
        replace(routine, overdue=True)
    ]
    # An inspection on 18 February moves the next due date to 18 March.
    again = replace(inspected, last_inspected_on=date(2025, 2, 18))
    (moved,) = of(TaskKind.ROUTINE_INSPECTION, again, date(2025, 2, 21))
    assert (moved.due_on, moved.overdue) == (date(2025, 3, 18), False)
    # An AA borrower is inspected quarterly; instalment consumer loans by their repayment record.
    (quarterly,) = of(
        TaskKind.ROUTINE_INSPECTION, replace(inspected, rating="AA"), date(2025, 2, 1)
    )
    assert (quarterly.due_on, quarterly.rule) == (
        date(2025, 4, 20),
        "inspections.months_high_rating = 3",
    )
    household = replace(
        inspected,
        product=Product.CONSUMER,
        borrower_type=BorrowerType.INDIVIDUAL,
        repayment_method=RepaymentMethod.INSTALMENT,
    )
    assert of(TaskKind.ROUTINE_INSPECTION, household, date(2025, 6, 1)) == []


def test_a_special_inspection_is_due_within_7_days_of_principal_overdue() -> None:
    overdue = loan(
        overdue_as_of=date(2025, 3, 1),
        days_overdue=10,
        principal_overdue=True,
        principal_overdue_since=date(2025, 3, 1),
    )
    special = expected(
        TaskKind.SPECIAL_INSPECTION,
        subject="principal_overdue",
        opens_on=date(2025, 3, 1),
        due_on=date(2025, 3, 8),
        rule="special.within_days = 7 after principal overdue",
    )
    assert of(TaskKind.SPECIAL_INSPECTION, overdue, date(2025, 3, 9)) == [
        replace(special, overdue=True)
    ]
    done = replace(overdue, last_special_inspection_on=date(2025, 3, 5))
    assert of(TaskKind.SPECIAL_INSPECTION, done, date(2025, 3, 9)) == []
    # A red warning raised after that inspection calls for another.
    red = replace(done, last_serious_warning_on=date(2025, 3, 6))
    (again,) = of(TaskKind.SPECIAL_INSPECTION, red, date(2025, 3, 9))
    assert (again.due_on, again.rule) == (
        date(2025, 3, 13),
        "special.within_days = 7 after red or orange warning",
    )


# ------------------------------------------------------------------------- reminders
def test_a_repayment_reminder_appears_3_days_before_a_due_date_and_a_phone_visit_closes_it() -> (
    None
):
    # Interest falls due on 20 March (quarterly, the 20th of the quarter's last month).
    assert of(TaskKind.REPAYMENT_REMINDER, loan(), date(2025, 3, 16)) == []
    reminder = expected(
        TaskKind.REPAYMENT_REMINDER,
        subject="2025-03-20",
        opens_on=date(2025, 3, 17),
        due_on=date(2025, 3, 17),
        rule="reminders.lead_days = 3",
    )
    assert of(TaskKind.REPAYMENT_REMINDER, loan(), date(2025, 3, 17)) == [reminder]
    assert of(TaskKind.REPAYMENT_REMINDER, loan(), date(2025, 3, 19)) == [
        replace(reminder, overdue=True)
    ]
    assert of(TaskKind.REPAYMENT_REMINDER, loan(), date(2025, 3, 21)) == []  # the date passed

    visited = loan(last_phone_visit_on=date(2025, 3, 17))
    assert of(TaskKind.REPAYMENT_REMINDER, visited, date(2025, 3, 18)) == []
    # A visit before the reminder opened does not count for it.
    early = loan(last_phone_visit_on=date(2025, 3, 16))
    assert of(TaskKind.REPAYMENT_REMINDER, early, date(2025, 3, 17)) == [reminder]
    # The principal at maturity is reminded too.
    (last,) = of(TaskKind.REPAYMENT_REMINDER, loan(), date(2026, 1, 7))
    assert last.subject == "2026-01-10"


def test_other_rules_move_the_reminder_and_name_their_version() -> None:
    assert LEAD_5.version != RULES.version
    assert of(TaskKind.REPAYMENT_REMINDER, loan(), date(2025, 3, 14), LEAD_5) == []
    assert of(TaskKind.REPAYMENT_REMINDER, loan(), date(2025, 3, 15), LEAD_5) == [
        expected(
            TaskKind.REPAYMENT_REMINDER,
            subject="2025-03-20",
            opens_on=date(2025, 3, 15),
            due_on=date(2025, 3, 15),
            rule="reminders.lead_days = 5",
            rules_version=LEAD_5.version,
        )
    ]


def test_instalments_fall_due_monthly_for_households_and_quarterly_for_businesses() -> None:
    household = loan(
        product=Product.CONSUMER,
        borrower_type=BorrowerType.INDIVIDUAL,
        repayment_method=RepaymentMethod.INSTALMENT,
        maturity_date=date(2025, 5, 10),
    )
    assert list(household.due_dates(RULES.repayment)) == [
        date(2025, 2, 10),
        date(2025, 3, 10),
        date(2025, 4, 10),
        date(2025, 5, 10),
    ]
    business = loan(repayment_method=RepaymentMethod.INSTALMENT)
    assert list(business.due_dates(RULES.repayment)) == [
        date(2025, 4, 10),
        date(2025, 7, 10),
        date(2025, 10, 10),
        date(2026, 1, 10),
    ]
    restructured = loan(schedule_from=date(2025, 6, 20), maturity_date=date(2025, 12, 31))
    assert list(restructured.due_dates(RULES.repayment)) == [
        date(2025, 9, 20),
        date(2025, 12, 20),
        date(2025, 12, 31),
    ]


def test_a_bank_that_settles_interest_monthly_on_the_21st_is_reminded_on_its_dates() -> None:
    """The repayment convention is the rules': monthly interest on the 21st, and businesses
    repaying instalments every six months."""
    text = (
        packaged_rules_text()
        .replace("interest_day = 20", "interest_day = 21")
        .replace("interest_every_months = 3", "interest_every_months = 1")
        .replace("instalment_months_business = 3", "instalment_months_business = 6")
    )
    monthly = RuleSet.from_toml(text)
    bullet = loan(maturity_date=date(2025, 4, 10))
    assert list(bullet.due_dates(monthly.repayment)) == [
        date(2025, 1, 21),
        date(2025, 2, 21),
        date(2025, 3, 21),
        date(2025, 4, 10),
    ]
    business = loan(repayment_method=RepaymentMethod.INSTALMENT, maturity_date=date(2026, 1, 10))
    assert list(business.due_dates(monthly.repayment)) == [date(2025, 7, 10), date(2026, 1, 10)]
    # The reminder follows: three days before 21 February under these rules, none under the
    # shipped ones (whose next date is 20 March).
    on = date(2025, 2, 18)
    assert [t.subject for t in of(TaskKind.REPAYMENT_REMINDER, bullet, on, monthly)] == [
        "2025-02-21"
    ]
    assert of(TaskKind.REPAYMENT_REMINDER, bullet, on) == []


# -------------------------------------------------------------------------- warnings
def test_an_orange_warning_not_handled_within_7_days_is_overdue_but_not_on_day_7() -> None:
    signal = WarningFacts(uuid4(), WarningColour.ORANGE, date(2025, 3, 3))
    raised = loan(warnings=(signal,))
    handling = expected(
        TaskKind.WARNING_HANDLING,
        subject=str(signal.signal_id),
        owner_role=Role.RISK_MANAGER,
        owner_id=None,
        opens_on=date(2025, 3, 3),
        due_on=date(2025, 3, 10),
        rule="warnings.handling_days.orange = 7",
    )
    assert of(TaskKind.WARNING_HANDLING, raised, date(2025, 3, 10)) == [handling]
    assert of(TaskKind.WARNING_HANDLING, raised, date(2025, 3, 11)) == [
        replace(handling, overdue=True)
    ]
    known = replace(raised, risk_manager_id=RM)
    assert of(TaskKind.WARNING_HANDLING, known, date(2025, 3, 11))[0].owner_id == RM
    handled = loan(warnings=(replace(signal, handled=True),))
    assert of(TaskKind.WARNING_HANDLING, handled, date(2025, 3, 11)) == []


# ------------------------------------------------------------ collection and floors
def test_thirty_days_overdue_the_account_manager_serves_the_collection_notice() -> None:
    overdue = loan(
        overdue_as_of=date(2025, 3, 1),
        days_overdue=30,
        post_loan_officer_id=PLO,
        steps_taken={CollectionStepKind.PHONE_CALL: date(2025, 1, 31)},
    )
    notice = expected(
        TaskKind.COLLECTION_STEP,
        subject="notice_served",
        opens_on=date(2025, 3, 1),
        due_on=date(2025, 3, 1),
        rule="collection.ladder[30 days] notice_served",
    )
    assert of(TaskKind.COLLECTION_STEP, overdue, date(2025, 3, 1)) == [notice]
    assert of(TaskKind.COLLECTION_STEP, overdue, date(2025, 3, 2)) == [
        replace(notice, overdue=True)
    ]
    served = replace(
        overdue,
        steps_taken={**overdue.steps_taken, CollectionStepKind.NOTICE_SERVED: date(2025, 3, 2)},
    )
    assert of(TaskKind.COLLECTION_STEP, served, date(2025, 3, 5)) == []
    # The arrears run on: at 60 days the on-site investigation is the post-loan officer's.
    (investigation,) = of(TaskKind.COLLECTION_STEP, served, date(2025, 3, 31))
    assert (investigation.subject, investigation.owner_role, investigation.owner_id) == (
        "on_site_investigation",
        Role.POST_LOAN_OFFICER,
        PLO,
    )
    # A second call at day 3 is not the call of day 1 (the ladder repeats the kind).
    first_call = loan(
        overdue_as_of=date(2025, 2, 1),
        days_overdue=1,
        steps_taken={CollectionStepKind.PHONE_CALL: date(2025, 2, 1)},
    )
    assert of(TaskKind.COLLECTION_STEP, first_call, date(2025, 2, 2)) == []
    (second,) = of(TaskKind.COLLECTION_STEP, first_call, date(2025, 2, 3))
    assert (second.rule, second.owner_role, second.owner_id) == (
        "collection.ladder[3 days] phone_call",
        Role.POST_LOAN_OFFICER,
        None,
    )
    cured = replace(overdue, overdue_as_of=date(2025, 3, 3), days_overdue=0)
    assert of(TaskKind.COLLECTION_STEP, cured, date(2025, 3, 5)) == []


def test_a_loan_91_days_overdue_still_graded_special_mention_must_be_reclassified() -> None:
    overdue = loan(
        grade=Grade.SPECIAL_MENTION,
        overdue_as_of=date(2025, 4, 11),
        days_overdue=91,
    )
    reclassify = expected(
        TaskKind.RECLASSIFICATION,
        subject="substandard",
        opens_on=date(2025, 4, 11),
        due_on=date(2025, 4, 11),
        rule="floor: overdue > 90 days ⇒ at least 次级",
    )
    assert of(TaskKind.RECLASSIFICATION, overdue, date(2025, 4, 11)) == [reclassify]
    # A day earlier it was 90 days overdue: 关注 was still enough.
    assert of(TaskKind.RECLASSIFICATION, overdue, date(2025, 4, 10)) == []
    proposed = replace(overdue, proposed_grade=Grade.SUBSTANDARD, risk_manager_id=RM)
    assert of(TaskKind.RECLASSIFICATION, proposed, date(2025, 4, 12)) == [
        replace(reclassify, owner_role=Role.RISK_MANAGER, owner_id=RM, overdue=True)
    ]
    assert (
        of(TaskKind.RECLASSIFICATION, replace(overdue, grade=Grade.SUBSTANDARD), date(2025, 4, 12))
        == []
    )
    # Overdue at all and still 正常: at least 关注.
    (watch,) = of(
        TaskKind.RECLASSIFICATION, replace(overdue, grade=Grade.NORMAL), date(2025, 1, 12)
    )
    assert watch.rule == "floor: overdue > 0 days ⇒ at least 关注"


# ------------------------------------------------------------------------ transfers
def test_originals_are_due_three_working_days_after_signing_and_the_full_dossier_after_closing() -> (
    None
):
    signed = loan(originals_transferred=False)
    originals = expected(
        TaskKind.ORIGINALS_TRANSFER,
        opens_on=date(2025, 1, 10),
        due_on=date(2025, 1, 15),  # Friday + 3 working days: the weekend does not count
        rule="transfers.originals_working_days = 3",
    )
    assert of(TaskKind.ORIGINALS_TRANSFER, signed, date(2025, 1, 15)) == [originals]
    assert of(TaskKind.ORIGINALS_TRANSFER, signed, date(2025, 1, 16)) == [
        replace(originals, overdue=True)
    ]
    assert of(TaskKind.ORIGINALS_TRANSFER, loan(), date(2025, 1, 16)) == []

    settled = loan(
        closed_on=date(2026, 1, 10),
        warnings=(WarningFacts(uuid4(), WarningColour.RED, date(2025, 12, 1)),),
    )
    on = date(2026, 2, 10)
    assert [t.kind for t in tasks_for(Facts(loans=[settled]), RULES, on)] == [
        TaskKind.FULL_TRANSFER
    ]
    (full,) = of(TaskKind.FULL_TRANSFER, settled, on)
    assert (full.due_on, full.overdue, full.rule) == (
        date(2026, 2, 9),
        True,
        "transfers.full_after_close_days = 30",
    )
    assert of(TaskKind.FULL_TRANSFER, replace(settled, full_transferred=True), on) == []


# --------------------------------------------------------------- the archive office
def test_originals_kept_past_their_due_date_climb_the_escalation() -> None:
    borrowing = BorrowingFacts(
        borrowing_id=UUID(int=7),
        borrow_no="B0001",
        loan_no=LOAN_NO,
        branch=BRANCH,
        due_on=date(2025, 5, 6),
        out=True,
        archivist_id=ARCHIVIST,
    )

    def on(day: date) -> list[Task]:
        return tasks_for(Facts(borrowings=[borrowing]), RULES, day)

    assert on(date(2025, 5, 6)) == []
    first = Task(
        kind=TaskKind.OVERDUE_BORROWING,
        subject="B0001",
        loan_no=LOAN_NO,
        branch=BRANCH,
        owner_role=Role.ARCHIVIST,
        owner_id=ARCHIVIST,
        opens_on=date(2025, 5, 6),
        due_on=date(2025, 5, 6),
        overdue=True,
        rule="borrowing.escalation[1 day] archivist",
        rules_version=RULES.version,
        borrowing_id=UUID(int=7),
        borrow_no="B0001",
    )
    assert on(date(2025, 5, 7)) == [first]
    assert on(date(2025, 5, 8)) == [
        replace(
            first,
            owner_role=Role.ARCHIVE_HEAD,
            owner_id=None,
            rule="borrowing.escalation[2 days] archive_head",
        )
    ]
    (late,) = on(date(2025, 5, 13))
    assert (late.owner_role, late.rule) == (
        Role.BRANCH_HEAD,
        "borrowing.escalation[7 days] branch_head",
    )
    assert (
        tasks_for(Facts(borrowings=[replace(borrowing, out=False)]), RULES, date(2025, 5, 13)) == []
    )


@pytest.mark.parametrize(
    ("appraised_on", "open_"), [(None, True), (date(2055, 12, 1), True), (date(2056, 1, 5), False)]
)
def test_a_dossier_whose_retention_ended_waits_for_its_appraisal(
    appraised_on: date | None, open_: bool
) -> None:
    dossier = DossierFacts(
        dossier_id=UUID(int=9),
        loan_no=LOAN_NO,
        branch=BRANCH,
        reference_code="0001-XD·2025-D30-信贷-0001",
        retention=RetentionClass.THIRTY_YEARS,
        retention_ends_on=date(2055, 12, 31),
        last_appraised_on=appraised_on,
    )
    assert tasks_for(Facts(dossiers=[dossier]), RULES, date(2055, 12, 31)) == []
    found = tasks_for(Facts(dossiers=[dossier]), RULES, date(2056, 1, 10))
    if not open_:
        assert found == []
        return
    assert found == [
        Task(
            kind=TaskKind.RETENTION_REVIEW,
            subject="0001-XD·2025-D30-信贷-0001",
            loan_no=LOAN_NO,
            branch=BRANCH,
            owner_role=Role.ARCHIVE_HEAD,
            owner_id=None,
            opens_on=date(2056, 1, 1),
            due_on=date(2056, 1, 1),
            overdue=True,
            rule="retention D30 ended 2055-12-31",
            rules_version=RULES.version,
            dossier_id=UUID(int=9),
        )
    ]


def test_tasks_come_earliest_due_first_and_only_once_open() -> None:
    facts = loan(
        originals_transferred=False,
        warnings=(WarningFacts(uuid4(), WarningColour.YELLOW, date(2025, 1, 12)),),
    )
    found = tasks_for(Facts(loans=[facts]), RULES, date(2025, 1, 13))
    assert [t.kind for t in found] == [
        TaskKind.ORIGINALS_TRANSFER,  # 15 January
        TaskKind.WARNING_REPORT,  # 17 January: a yellow signal reported to the reviewer
        TaskKind.FIRST_INSPECTION,  # 25 January
        TaskKind.WARNING_HANDLING,  # 27 January
        TaskKind.TARGET_RECORD,  # 31 days from the value date: the year's target record
    ]
    assert all(t.opens_on <= date(2025, 1, 13) for t in found)
    assert found == sorted(found, key=lambda t: t.due_on)


# --------------------------------------------------------------- a bank's own figures
def test_owners_of_tasks_are_those_the_rules_name() -> None:
    """A bank whose post-loan officer handles warnings and follows up the first inspection."""
    owners = {"warning_handling": "post_loan_officer", "first_inspection": "post_loan_officer"}
    rules = rules_with(tasks={"owners": owners})
    signal = WarningFacts(uuid4(), WarningColour.ORANGE, date(2025, 3, 3))
    facts = loan(warnings=(signal,), post_loan_officer_id=PLO)
    (handling,) = of(TaskKind.WARNING_HANDLING, facts, date(2025, 3, 4), rules)
    assert (handling.owner_role, handling.owner_id) == (Role.POST_LOAN_OFFICER, PLO)
    (first,) = of(TaskKind.FIRST_INSPECTION, facts, date(2025, 1, 11), rules)
    assert (first.owner_role, first.owner_id) == (Role.POST_LOAN_OFFICER, PLO)
    (shipped,) = of(TaskKind.WARNING_HANDLING, facts, date(2025, 3, 4))
    assert shipped.owner_role is Role.RISK_MANAGER


def test_which_loans_each_inspection_figure_applies_to_is_the_rules() -> None:
    """Small-business loans of individuals are not business loans for this bank, and its
    A ratings are only A+ and A."""
    rules = rules_with(
        inspections={"business_products": ["corporate_working_capital"], "a_ratings": ["A+", "A"]}
    )
    small = loan(product=Product.SMALL_BUSINESS, borrower_type=BorrowerType.INDIVIDUAL)
    (first,) = of(TaskKind.FIRST_INSPECTION, small, date(2025, 1, 11), rules)
    assert (first.due_on, first.rule) == (
        date(2025, 2, 9),
        "inspections.first_follow_up_days_other = 30",
    )
    (shipped,) = of(TaskKind.FIRST_INSPECTION, small, date(2025, 1, 11))
    assert shipped.rule == "inspections.first_follow_up_days_business = 15"
    a_minus = loan(rating="A-", first_inspection_done=True, last_inspected_on=date(2025, 1, 20))
    (routine,) = of(TaskKind.ROUTINE_INSPECTION, a_minus, date(2025, 1, 21), rules)
    assert routine.rule == "inspections.months_other_rating = 1"
    (shipped_routine,) = of(TaskKind.ROUTINE_INSPECTION, a_minus, date(2025, 1, 21))
    assert shipped_routine.rule == "inspections.months_a_rating = 2"


def test_a_floor_the_rules_tighten_opens_the_reclassification_sooner() -> None:
    tighter = rules_with(classification={"floors": {"substandard_after_days": 60}})
    overdue = loan(grade=Grade.SPECIAL_MENTION, overdue_as_of=date(2025, 3, 12), days_overdue=61)
    (reclassify,) = of(TaskKind.RECLASSIFICATION, overdue, date(2025, 3, 12), tighter)
    assert (reclassify.subject, reclassify.rule) == (
        "substandard",
        "floor: overdue > 60 days ⇒ at least 次级",
    )
    assert of(TaskKind.RECLASSIFICATION, overdue, date(2025, 3, 12)) == []
