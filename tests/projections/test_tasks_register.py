"""工作任务: the work queue register keeps the facts; the tasks are judged on the day asked.

Each scenario goes through the real application on SQLite and PostgreSQL, feeds the registers
and reads the tasks: a BBB loan whose routine inspection is a day late, a repayment reminder
three days before the interest date that the phone visit closes, an orange warning late on
day 8 and not on day 7, a loan 91 days overdue still graded 关注, the collection notice at 30
days, the contract originals due three working days after signing, originals kept past their
due date, a handover that moves the account manager's tasks — and new rules adopted, after
which the reminder comes five days ahead and names their version (while "as of" before the
adoption still judges with the old).
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest

from archive.commands.borrowing import ApproveBorrowing, CheckOut, ReturnBorrowing
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from archive.rules import packaged_rules_text
from domain.errors import DateInFutureError
from domain.rules import RuleSet
from domain.scope import RowScope
from domain.tasks import Task, TaskKind
from domain.values import (
    BorrowingPurpose,
    CollectionStepKind,
    Grade,
    InspectionKind,
    Role,
)
from projections.query import AsOf
from projections.tasks import rules_in_force, tasks
from tests import steps
from tests.domain.test_tasks import BRANCH, LOAN_NO, expected
from tests.factories import make_disbursement, make_upload
from tests.projections.conftest import Registers

Staff = dict[str, CommandContext]
NAME = "work_queue"
SHIPPED = RuleSet.from_toml(packaged_rules_text())
LEAD_5 = RuleSet.from_toml(packaged_rules_text().replace("lead_days = 3", "lead_days = 5"))


def queue(registers: Registers, on: date, **kw: object) -> list[Task]:
    registers.catch_up()
    return tasks(registers.store, registers.register(NAME), on, scope=RowScope.everything(), **kw)  # type: ignore[arg-type]


def of(registers: Registers, kind: TaskKind, on: date, **kw: object) -> list[Task]:
    return queue(registers, on, kind=kind, **kw)


def task(kind: TaskKind, owner: UUID | None, **fields: object) -> Task:
    """The task the engine's tests expect of the same loan, owned by ``owner``."""
    return expected(kind, owner_id=owner, **fields)


def inspect(
    registers: Registers, staff: Staff, kind: InspectionKind, on: date, who: str = "account_manager"
) -> None:
    steps.inspect(registers.app, staff[who], LOAN_NO, kind, on, "经营正常", countersigned=True)


def test_a_bbb_loan_not_inspected_for_a_month_after_its_first_inspection_is_overdue(
    registers: Registers, staff: Staff
) -> None:
    app, am = registers.app, staff["account_manager"]
    app.execute(am, make_disbursement(LOAN_NO, borrower_rating="BBB"))
    token = app.execute(  # an account manager of another branch, and their loan
        CommandContext(SYSTEM_ID),
        EnrolStaff(
            staff_no="west_am", name="马俊杰", branch="城西支行", roles=[Role.ACCOUNT_MANAGER]
        ),
    ).token
    assert token is not None
    west = CommandContext(app.authenticate(token.token))
    app.execute(west, make_disbursement("JJ-OTHER-BRANCH", branch="城西支行"))
    before = app.recorder.max_notification_id()
    inspect(registers, staff, InspectionKind.FIRST_FOLLOW_UP, date(2025, 1, 20))

    routine = task(
        TaskKind.ROUTINE_INSPECTION,
        am.staff_id,
        opens_on=date(2025, 1, 21),
        due_on=date(2025, 2, 20),
        rule="inspections.months_other_rating = 1",
    )
    assert of(registers, TaskKind.ROUTINE_INSPECTION, date(2025, 2, 20), branch=BRANCH) == [routine]
    late = of(registers, TaskKind.ROUTINE_INSPECTION, date(2025, 2, 21), branch=BRANCH)
    assert late == [Task(**{**vars(routine), "overdue": True})]
    assert of(registers, TaskKind.FIRST_INSPECTION, date(2025, 2, 21), branch=BRANCH) == []
    # Mine, and overdue only: the account manager's; nobody else's.
    mine = queue(registers, date(2025, 2, 21), owner_id=am.staff_id, overdue_only=True)
    assert late[0] in mine
    assert all(t.overdue and t.owner_id == am.staff_id for t in mine)
    assert queue(registers, date(2025, 2, 21), owner_id=staff["account_manager_2"].staff_id) == []
    # The other branch's loan is not in this branch's queue.
    assert {t.loan_no for t in queue(registers, date(2025, 2, 21), branch=BRANCH)} == {LOAN_NO}
    assert "JJ-OTHER-BRANCH" in {t.loan_no for t in queue(registers, date(2025, 2, 21))}
    # As the register stood before the first inspection, the first follow-up was owed.
    (first,) = of(
        registers,
        TaskKind.FIRST_INSPECTION,
        date(2025, 2, 21),
        branch=BRANCH,
        as_of=AsOf(position=before),
    )
    assert (first.due_on, first.overdue, first.rule) == (
        date(2025, 1, 25),
        True,
        "inspections.first_follow_up_days_business = 15",
    )

    # A handover moves the loan's tasks to the receiving account manager.
    steps.hand_over(
        app, staff["branch_head"], LOAN_NO, date(2025, 2, 25), "account_manager_2", "岗位调整"
    )
    (moved,) = of(registers, TaskKind.ROUTINE_INSPECTION, date(2025, 2, 26), branch=BRANCH)
    assert moved.owner_id == staff["account_manager_2"].staff_id


def test_a_repayment_reminder_appears_3_days_before_a_due_date_and_the_phone_visit_closes_it(
    registers: Registers, staff: Staff
) -> None:
    am = staff["account_manager"]
    registers.app.execute(am, make_disbursement(LOAN_NO))

    assert of(registers, TaskKind.REPAYMENT_REMINDER, date(2025, 3, 16)) == []
    reminder = task(
        TaskKind.REPAYMENT_REMINDER,
        am.staff_id,
        subject="2025-03-20",  # quarterly interest, the 20th
        opens_on=date(2025, 3, 17),
        due_on=date(2025, 3, 17),
        rule="reminders.lead_days = 3",
    )
    assert of(registers, TaskKind.REPAYMENT_REMINDER, date(2025, 3, 17)) == [reminder]

    inspect(registers, staff, InspectionKind.PHONE_VISIT, date(2025, 3, 17))
    assert of(registers, TaskKind.REPAYMENT_REMINDER, date(2025, 3, 17)) == []
    assert of(registers, TaskKind.REPAYMENT_REMINDER, date(2025, 3, 19)) == []
    # A phone visit is no inspection: the first follow-up is still owed.
    (first,) = of(registers, TaskKind.FIRST_INSPECTION, date(2025, 3, 17))
    assert first.overdue


def test_new_rules_bring_the_reminder_five_days_ahead_and_name_their_version(
    registers: Registers, staff: Staff
) -> None:
    app = registers.app
    app.adopt_rules(SHIPPED, source="archive/rules.toml")
    app.execute(staff["account_manager"], make_disbursement(LOAN_NO))
    before = app.recorder.max_notification_id()
    assert of(registers, TaskKind.REPAYMENT_REMINDER, date(2025, 3, 15)) == []

    assert app.adopt_rules(LEAD_5, source="var/rules.toml")
    assert of(registers, TaskKind.REPAYMENT_REMINDER, date(2025, 3, 14)) == []
    assert of(registers, TaskKind.REPAYMENT_REMINDER, date(2025, 3, 15)) == [
        task(
            TaskKind.REPAYMENT_REMINDER,
            staff["account_manager"].staff_id,
            subject="2025-03-20",
            opens_on=date(2025, 3, 15),
            due_on=date(2025, 3, 15),
            rule="reminders.lead_days = 5",
            rules_version=LEAD_5.version,
        )
    ]
    register = registers.register(NAME)
    assert rules_in_force(registers.store, register).version == LEAD_5.version
    # As of before the new rules were adopted, the old ones judge.
    then = AsOf(position=before)
    assert rules_in_force(registers.store, register, then).version == SHIPPED.version
    assert of(registers, TaskKind.REPAYMENT_REMINDER, date(2025, 3, 15), as_of=then) == []
    assert {t.rules_version for t in queue(registers, date(2025, 3, 15), as_of=then)} == {
        SHIPPED.version
    }


def test_an_orange_warning_not_handled_within_7_days_is_overdue_and_not_on_day_7(
    registers: Registers, staff: Staff
) -> None:
    app = registers.app
    app.execute(staff["account_manager"], make_disbursement(LOAN_NO))
    raised = steps.raise_warning(
        app, staff["post_loan_officer"], LOAN_NO, date(2025, 3, 3), "停产", code="OPS-04"
    )
    signal_id = raised.ids["signal_id"]
    handling = task(
        TaskKind.WARNING_HANDLING,
        None,  # no risk manager has acted on the loan yet
        subject=signal_id,
        owner_role=Role.RISK_MANAGER,
        opens_on=date(2025, 3, 3),
        due_on=date(2025, 3, 10),
        rule="warnings.handling_days.orange = 7",
    )
    assert of(registers, TaskKind.WARNING_HANDLING, date(2025, 3, 10)) == [handling]
    assert of(registers, TaskKind.WARNING_HANDLING, date(2025, 3, 11)) == [
        Task(**{**vars(handling), "overdue": True})
    ]
    # The orange signal also calls for a special inspection within 7 days.
    (special,) = of(registers, TaskKind.SPECIAL_INSPECTION, date(2025, 3, 11))
    assert (special.due_on, special.rule) == (
        date(2025, 3, 10),
        "special.within_days = 7 after red or orange warning",
    )

    steps.handle_warning(
        app, staff["risk_manager"], LOAN_NO, UUID(signal_id), date(2025, 3, 12), "约谈实际控制人"
    )
    assert of(registers, TaskKind.WARNING_HANDLING, date(2025, 3, 12)) == []


def test_a_loan_91_days_overdue_still_graded_special_mention_must_be_reclassified(
    registers: Registers, staff: Staff
) -> None:
    app = registers.app
    am, rm, plo = staff["account_manager"], staff["risk_manager"], staff["post_loan_officer"]
    app.execute(am, make_disbursement(LOAN_NO))
    proposed = steps.propose(app, am, LOAN_NO, Grade.SPECIAL_MENTION, date(2025, 4, 1), "经营下滑")
    steps.approve(app, rm, LOAN_NO, proposed)
    steps.overdue(app, plo, LOAN_NO, date(2025, 4, 11), 91, "100000.00", "2000.00")

    reclassify = task(
        TaskKind.RECLASSIFICATION,
        am.staff_id,
        subject="substandard",
        opens_on=date(2025, 4, 11),
        due_on=date(2025, 4, 11),
        rule="floor: overdue > 90 days ⇒ at least 次级",
    )
    assert of(registers, TaskKind.RECLASSIFICATION, date(2025, 4, 11)) == [reclassify]
    # Proposed as 次级, the task waits for its determination (认定) by the branch's reviewer,
    # then for the risk manager who acted on the loan.
    down = steps.propose(app, am, LOAN_NO, Grade.SUBSTANDARD, date(2025, 4, 12), "逾期91天")
    assert of(registers, TaskKind.RECLASSIFICATION, date(2025, 4, 12)) == [
        Task(**{**vars(reclassify), "owner_role": Role.REVIEWER, "owner_id": None, "overdue": True})
    ]
    steps.determine(app, staff["reviewer"], LOAN_NO, down)
    assert of(registers, TaskKind.RECLASSIFICATION, date(2025, 4, 12)) == [
        Task(
            **{
                **vars(reclassify),
                "owner_role": Role.RISK_MANAGER,
                "owner_id": rm.staff_id,
                "overdue": True,
            }
        )
    ]
    # The downgrade to 关注 on 1 April called for a special inspection by 8 April; the
    # principal overdue since 11 April does not change the earliest one owed.
    (special,) = of(registers, TaskKind.SPECIAL_INSPECTION, date(2025, 4, 12))
    assert (special.subject, special.due_on) == ("downgrade", date(2025, 4, 8))
    # 91 days on the ladder: the lawyer's letter, the post-loan officer's.
    (letter,) = of(registers, TaskKind.COLLECTION_STEP, date(2025, 4, 12))
    assert (letter.rule, letter.owner_role, letter.owner_id) == (
        "collection.ladder[90 days] lawyers_letter",
        Role.POST_LOAN_OFFICER,
        plo.staff_id,
    )


def test_thirty_days_overdue_the_collection_notice_is_the_account_managers(
    registers: Registers, staff: Staff
) -> None:
    app, am = registers.app, staff["account_manager"]
    app.execute(am, make_disbursement(LOAN_NO))
    steps.overdue(app, staff["post_loan_officer"], LOAN_NO, date(2025, 3, 1), 30, "0.00", "8625.00")
    notice = task(
        TaskKind.COLLECTION_STEP,
        am.staff_id,
        subject="notice_served",
        opens_on=date(2025, 3, 1),
        due_on=date(2025, 3, 1),
        rule="collection.ladder[30 days] notice_served",
    )
    assert of(registers, TaskKind.COLLECTION_STEP, date(2025, 3, 1)) == [notice]
    assert of(registers, TaskKind.COLLECTION_STEP, date(2025, 3, 2)) == [
        Task(**{**vars(notice), "overdue": True})
    ]
    steps.collect(
        app,
        am,
        LOAN_NO,
        CollectionStepKind.NOTICE_SERVED,
        date(2025, 3, 2),
        31,
        "借款人签收催收通知书",
    )
    assert of(registers, TaskKind.COLLECTION_STEP, date(2025, 3, 3)) == []


def test_contract_originals_are_due_three_working_days_after_signing(
    registers: Registers, staff: Staff
) -> None:
    app, am = registers.app, staff["account_manager"]
    app.execute(am, make_disbursement(LOAN_NO))  # value date: Friday 10 January 2025
    originals = task(
        TaskKind.ORIGINALS_TRANSFER,
        am.staff_id,
        opens_on=date(2025, 1, 10),
        due_on=date(2025, 1, 15),
        rule="transfers.originals_working_days = 3",
    )
    assert of(registers, TaskKind.ORIGINALS_TRANSFER, date(2025, 1, 15)) == [originals]
    assert of(registers, TaskKind.ORIGINALS_TRANSFER, date(2025, 1, 16)) == [
        Task(**{**vars(originals), "overdue": True})
    ]
    steps.list_transfer(
        app,
        am,
        LOAN_NO,
        [{"doc_type": "loan_contract", "title": "借款合同", "pages": 3}],
        date(2025, 1, 16),
    )
    assert of(registers, TaskKind.ORIGINALS_TRANSFER, date(2025, 1, 16)) == []


def test_originals_kept_past_their_due_date_are_the_archivists_then_the_archive_heads(
    registers: Registers, staff: Staff
) -> None:
    app = registers.app
    app.execute(
        staff["account_manager"],
        make_disbursement(LOAN_NO),
        [make_upload("loan_contract", "借款合同", pages=3)],
    )
    dossier = app.get_dossier(staff["auditor"], LOAN_NO)
    pages = {d.ref.sha256: d.ref.pages or 0 for d in dossier.documents}
    day = date(2025, 5, 6)
    requested = steps.request_borrowing(
        app,
        staff["auditor"],
        LOAN_NO,
        BorrowingPurpose.AUDIT,
        "年度审计抽查原件",
        day,
        due_on=day + timedelta(days=1),
    )
    borrowing_id = requested.aggregate_id
    app.execute(
        staff["archive_head"], ApproveBorrowing(borrowing_id=borrowing_id, archivist_no="archivist")
    )
    assert of(registers, TaskKind.OVERDUE_BORROWING, day + timedelta(days=3)) == []  # not out
    app.execute(
        staff["archivist"], CheckOut(borrowing_id=borrowing_id, checked_out_on=day, pages=pages)
    )

    assert of(registers, TaskKind.OVERDUE_BORROWING, day + timedelta(days=1)) == []
    overdue = Task(
        kind=TaskKind.OVERDUE_BORROWING,
        subject=requested.ids["borrow_no"],
        loan_no=LOAN_NO,
        branch=BRANCH,
        owner_role=Role.ARCHIVIST,
        owner_id=staff["archivist"].staff_id,
        opens_on=day + timedelta(days=1),
        due_on=day + timedelta(days=1),
        overdue=True,
        rule="borrowing.escalation[1 day] archivist",
        rules_version=SHIPPED.version,
        borrowing_id=borrowing_id,
        borrow_no=requested.ids["borrow_no"],
    )
    assert of(registers, TaskKind.OVERDUE_BORROWING, day + timedelta(days=2)) == [overdue]
    assert of(registers, TaskKind.OVERDUE_BORROWING, day + timedelta(days=3)) == [
        Task(
            **{
                **vars(overdue),
                "owner_role": Role.ARCHIVE_HEAD,
                "owner_id": None,
                "rule": "borrowing.escalation[2 days] archive_head",
            }
        )
    ]
    app.execute(
        staff["second_archivist"],
        ReturnBorrowing(
            borrowing_id=borrowing_id, returned_on=day + timedelta(days=3), pages=pages
        ),
    )
    assert of(registers, TaskKind.OVERDUE_BORROWING, day + timedelta(days=3)) == []


def test_an_inspection_dated_after_today_is_refused_and_the_overdue_task_stays_open(
    registers: Registers, staff: Staff
) -> None:
    """Dates nobody could have lived: an inspection dated next year once closed the overdue
    first follow-up task. It is refused, naming the field, and the task stays open."""
    app, am = registers.app, staff["account_manager"]
    app.execute(am, make_disbursement(LOAN_NO, branch=BRANCH))  # first follow-up long overdue
    today = app.today()
    [task] = of(registers, TaskKind.FIRST_INSPECTION, today)
    assert task.overdue
    before = app.recorder.max_notification_id()

    with pytest.raises(DateInFutureError) as refused:
        inspect(registers, staff, InspectionKind.FIRST_FOLLOW_UP, today + timedelta(days=200))
    assert refused.value.context["field"] == "inspected_on"
    assert app.recorder.max_notification_id() == before
    assert of(registers, TaskKind.FIRST_INSPECTION, today) == [task]

    inspect(registers, staff, InspectionKind.FIRST_FOLLOW_UP, today)  # today is no future
    assert of(registers, TaskKind.FIRST_INSPECTION, today) == []
