"""The demo's deliberate gaps, as the registers show them on the demo's today.

Every demo portfolio, whatever its size or seed, holds the loans of ``demo.gaps`` with
their faults; the smallest demo the tests build is enough to read them back after following the
log, on SQLite and PostgreSQL:

- DK2026000018 (营业部, account manager 0102): its first follow-up inspection, due by 2026-10-28,
  is not recorded — the work queue shows it overdue, the account manager's, and nothing else;
- DK2025000027 (城西支行): the collection notice served on 2026-10-12 without its receipt — a gap
  under ``collection.notice``;
- DK2025000046 (城东支行): its first follow-up inspection made a week after the window (its
  report generated from its checklist and filed with it); its originals, lent for the renewal
  review, out past their due date — an overdue borrowing escalated to the branch head.

The compliance report on that day lists the same faults.
"""

from __future__ import annotations

from datetime import date

from archive.core import CommandContext
from archive.rules import packaged_rules_text
from demo.gaps import (
    BORROWING_OVERDUE,
    DELIBERATE_LOAN_NOS,
    FIRST_INSPECTION_OVERDUE,
    FIRST_REPORT_LATE,
    RECEIPT_MISSING,
)
from demo.plan import TODAY
from demo.portfolio import build_portfolio
from domain.rules import RuleSet
from domain.scope import RowScope
from domain.tasks import Task, TaskKind
from domain.values import InspectionKind, Role
from projections.registers.filing.completeness.queries import overdue_gaps
from projections.tasks import tasks
from tests.projections.conftest import Registers, report_of

LOANS = 3
"""The smallest demo the tests build: it still holds every fate, and the deliberate gaps."""
SHIPPED = RuleSet.from_toml(packaged_rules_text())


def test_the_demo_shows_its_deliberate_gaps_and_late_work_on_its_today(
    registers: Registers,
) -> None:
    app = registers.app
    summary = build_portfolio(app, loans=LOANS)
    registers.catch_up()
    auditor = next(s for s in summary.staff if s.role == Role.AUDITOR.value)
    ctx = CommandContext(app.authenticate(auditor.token))
    loans = {loan.loan_no for loan in app.list_loans(ctx, limit=summary.loans + 50)}
    assert loans >= DELIBERATE_LOAN_NOS
    queue = tasks(
        registers.store, registers.register("work_queue"), TODAY, scope=RowScope.everything()
    )

    # DK2026000018: no first follow-up inspection 30 days after the value date (a loan of an
    # individual's business): overdue on the demo's today, owned by its account manager, 林海燕.
    # It is that loan's only task, and the demo's only first inspection still owed.
    manager = app.staff("0102").id
    assert app.loan(FIRST_INSPECTION_OVERDUE).account_manager_id == manager
    assert app.loan(FIRST_INSPECTION_OVERDUE).inspections == {}
    first_inspection = Task(
        kind=TaskKind.FIRST_INSPECTION,
        subject="",
        loan_no=FIRST_INSPECTION_OVERDUE,
        branch="营业部",
        owner_role=Role.ACCOUNT_MANAGER,
        owner_id=manager,
        opens_on=date(2026, 9, 28),
        due_on=date(2026, 10, 28),
        overdue=True,
        rule="inspections.first_follow_up_days_other = 30",
        rules_version=SHIPPED.version,
    )
    assert [t for t in queue if t.loan_no == FIRST_INSPECTION_OVERDUE] == [first_inspection]
    # Every loan on the books has the year's target record (目标责任书, LOS-14): none is owed.
    assert [t for t in queue if t.kind is TaskKind.TARGET_RECORD] == []
    assert [t for t in queue if t.kind is TaskKind.FIRST_INSPECTION] == [first_inspection]

    # DK2025000027: the notice served on 2026-10-12 is filed, its receipt never was — 39 days
    # past due on the demo's today, the loan's only missing document.
    notice_rule = next(r for r in SHIPPED.requirements if r.rule_id == "collection.notice")
    missing = overdue_gaps(
        registers.store,
        registers.register("completeness"),
        on=TODAY,
        filters={"loan_no": RECEIPT_MISSING},
    )
    fields = (
        "branch",
        "stage",
        "trigger",
        "rule_id",
        "rule_text",
        "rules_version",
        "doc_type",
        "doc_type_zh",
        "required_since",
        "due_on",
        "status",
        "days_past_due",
    )
    assert [tuple(row[f] for f in fields) for row in missing] == [
        (
            "城西支行",
            "collection",
            "CollectionStepTaken",
            "collection.notice",
            notice_rule.text_zh,
            SHIPPED.version,
            "collection_receipt",
            "催收通知书回执",
            date(2026, 10, 12),
            date(2026, 10, 12),
            "missing",
            39,
        )
    ]
    notice = [
        (r["doc_type"], r["status"])
        for r in registers.rows("completeness", "requirements")
        if r["loan_no"] == RECEIPT_MISSING and r["rule_id"] == "collection.notice"
    ]
    assert sorted(notice) == [("collection_notice", "filed"), ("collection_receipt", "missing")]

    # DK2025000046: the first follow-up inspection was due by 2025-12-23 (15 days) and made on
    # 2025-12-30, a week late; it answered its checklist, and the 公司客户贷后检查报告 generated
    # from the answers is its report, filed with it. The signed scan came on 2026-01-08 with the
    # next routine inspection. Nothing of the loan was filed late.
    (first,) = [
        i
        for i in app.loan(FIRST_REPORT_LATE).inspections.values()
        if i.kind is InspectionKind.FIRST_FOLLOW_UP
    ]
    assert first.inspected_on == date(2025, 12, 30)
    assert (first.checklist, first.judgment) == ("corporate", "normal")
    reports = [
        (r["rule_id"], r["doc_type"], r["due_on"], r["filed_on"], r["status"])
        for r in registers.rows("completeness", "requirements")
        if r["loan_no"] == FIRST_REPORT_LATE and r["rule_id"] == "inspection.first"
    ]
    assert reports == [
        (
            "inspection.first",
            "first_inspection_report",
            date(2025, 12, 30),
            date(2025, 12, 30),
            "filed",
        )
    ]
    (summary_row,) = [
        r for r in registers.rows("completeness", "summary") if r["loan_no"] == FIRST_REPORT_LATE
    ]
    assert (summary_row["late"], summary_row["missing"]) == (0, 0)

    # DK2025000046 too: its contract and drawdown receipt, lent to its account manager on
    # 2026-11-02 and due back on 2026-11-05, are still out — 15 days overdue, past the 7-day rung
    # of the escalation: the branch head's task. It is the demo's only overdue borrowing.
    (out,) = [b for b in app.list_borrowings(ctx, BORROWING_OVERDUE) if b.is_overdue(TODAY)]
    assert out.requester_id == app.staff("0202").id
    assert (out.requested_on, out.due_on) == (date(2026, 11, 2), date(2026, 11, 5))
    assert [t for t in queue if t.kind is TaskKind.OVERDUE_BORROWING] == [
        Task(
            kind=TaskKind.OVERDUE_BORROWING,
            subject=out.borrow_no,
            loan_no=BORROWING_OVERDUE,
            branch="城东支行",
            owner_role=Role.BRANCH_HEAD,
            owner_id=None,
            opens_on=date(2026, 11, 5),
            due_on=date(2026, 11, 5),
            overdue=True,
            rule="borrowing.escalation[7 days] branch_head",
            rules_version=SHIPPED.version,
            borrowing_id=out.id,
            borrow_no=out.borrow_no,
        )
    ]

    # The compliance report on the demo's today shows them: the first inspection among the
    # account manager's overdue work, the notice without receipt, and the borrowing among the
    # branch head's overdue work.
    report = report_of(registers, TODAY, name_of=app.form_name)
    owed = {(t.kind, t.loan_no, report.owner_of(t)) for t in report.overdue_tasks}
    assert (TaskKind.FIRST_INSPECTION, FIRST_INSPECTION_OVERDUE, "林海燕（0102）") in owed
    assert (TaskKind.OVERDUE_BORROWING, BORROWING_OVERDUE, "（行长）") in owed
    assert (RECEIPT_MISSING, date(2026, 10, 12), 39) in {
        (n.loan_no, n.required_since, n.days_past_due) for n in report.notices_without_receipt
    }
    first_owed = [
        g
        for g in report.overdue_by_owner
        if g.kind is TaskKind.FIRST_INSPECTION and g.owner == "林海燕（0102）"
    ]
    assert [(g.count, g.oldest_due_on) for g in first_owed] == [(1, date(2026, 10, 28))]
    # A warning's handling form (风险预警信号处理表) that came in with the feedback, after the
    # handling it documents (demo.warning_loops): filed late in the completeness register.
    assert any(
        r["rule_id"] == "warning.form" and r["status"] == "filed_late"
        for r in registers.rows("completeness", "requirements")
    )
