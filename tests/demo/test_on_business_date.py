"""The demo portfolio read on business dates (业务日期): two ways of answering must agree.

The demo records years of history at once, so "as recorded by" a past date knows nothing of it;
"on" a past business date it must show the history the demo generated. The loan ledger answers
from its business-date timelines by indexed SQL; ``get_loan(on=…)`` replays one loan's events
dated up to that day. On every quarter end of the demo's years, for every loan, both give the
same status, grade, balance and days overdue — or both say it was not yet disbursed — and the
classification register holds exactly the approvals whose base date (分类基准日) has come.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from api.routers.portfolio import risk_report
from archive.core import CommandContext
from archive.reports.risk import render
from demo.monitoring import QUARTER_END
from demo.portfolio import build_portfolio
from domain.compliance import ReportFormat
from domain.errors import NotFoundError
from domain.portfolio import IssuedRiskReport, ReportPeriod
from domain.scope import RowScope
from domain.values import Role
from projections.service import RegisterService
from tests.projections.conftest import Registers

QUARTER_ENDS = [
    date(year, month, day)
    for year in (2023, 2024, 2025, 2026)
    for month, day in ((3, 31), (6, 30), (9, 30), (12, 31))
    if date(year, month, day) < date(2026, 11, 20)
]


def test_every_loan_on_every_quarter_end_reads_the_same_from_the_ledger_and_from_its_events(
    registers: Registers,
) -> None:
    app = registers.app
    service = RegisterService(registers.store, list(registers.follower.projections.values()))

    def draw(period: ReportPeriod, on: date, scope: RowScope, at: int | None = None) -> Any:
        registers.catch_up()
        return risk_report(
            service, period=period, on=on, branch=None, data_scope=scope, position=at
        )

    summary = build_portfolio(app, loans=8, seed=20260701, draw_risk_report=draw)
    registers.catch_up()
    auditor = next(s for s in summary.staff if s.role == Role.AUDITOR.value)
    ctx = CommandContext(app.authenticate(auditor.token))
    loans = [loan.loan_no for loan in app.list_loans(ctx, limit=100)]
    assert len(loans) >= 8
    approvals = {
        no: [e for e in app.loan_events(ctx, no) if e.type == "ClassificationApproved"]
        for no in loans
    }
    shown: set[tuple[str, str]] = set()
    for day in QUARTER_ENDS:
        ledger = {r["loan_no"]: r for r in registers.as_of("loan_ledger", "loans", on=day)}
        for no in loans:
            try:
                loan: Any = app.get_loan(ctx, no, on=day)
            except NotFoundError:
                assert no not in ledger, (no, day)
                continue
            row = ledger[no]
            assert (row["status"], row["grade"], row["balance"], row["days_overdue"]) == (
                loan.status.value,
                loan.grade.value,
                loan.balance,
                loan.days_overdue,
            ), (no, day)
            shown.add((loan.status.value, loan.grade.value))
        changes = registers.as_of("classification_register", "changes", on=day)
        assert len(changes) == sum(
            1
            for events in approvals.values()
            for e in events
            if date.fromisoformat(str(e.data["as_of"])) <= day
        ), day
    # The quarterly risk-monitoring report of 30 September 2026 was issued by a risk manager;
    # drawn again from its record it is the same file, and its figures are the ledger's.
    (issued,) = [
        app.mapper.to_domain_event(n)
        for n in app.notifications_of(IssuedRiskReport.Issued)  # type: ignore[attr-defined]
    ]
    assert (issued.on, issued.period, issued.role) == (QUARTER_END, "quarter", Role.RISK_MANAGER)
    report = draw(ReportPeriod.QUARTER, QUARTER_END, RowScope.everything(), issued.position)
    assert hashlib.sha256(render(report, ReportFormat.PDF)).hexdigest() == issued.sha256
    on_books = [
        r
        for r in registers.as_of("loan_ledger", "loans", on=QUARTER_END)
        if r["status"] == "active"
    ]
    total = report.by_branch.total
    assert (total.loans, total.balance) == (len(on_books), sum(r["balance"] for r in on_books))
    assert sum(line.balance for line in report.by_manager.lines) == total.balance
    # The quarter ends see the portfolio's history: more than one status and grade.
    assert len({status for status, _ in shown}) >= 2
    assert len({grade for _, grade in shown}) >= 3
    # As recorded by the end of a past business day, the history entered since is not there.
    before_the_demo = datetime(2026, 1, 1)  # noqa: DTZ001 - record times are naive UTC
    assert registers.as_of("loan_ledger", "loans", at=before_the_demo) == []
