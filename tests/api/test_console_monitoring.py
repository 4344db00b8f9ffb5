"""Key customers through the console (rows 000-44, 004-23, 002-53): a loan of 3.5亿元 makes its
borrower a key customer on the monitoring page, ranked with its balance and the head office as
the lead unit; once the online monitor records the month judged 预警, the page shows the
record with the monitor by name and the flag awaiting the account manager."""

from __future__ import annotations

from datetime import date

from archive.commands.monitoring import DesignateOnlineMonitor, FigureIn, RecordMonitoring
from archive.core import CommandContext
from domain.monitoring import Judgment
from domain.values import Role
from tests.api.console_harness import PEOPLE, Console
from tests.factories import make_disbursement, make_upload


def test_the_monitoring_page_lists_key_customers_and_the_months_records(
    console: Console,
) -> None:
    archive = console.archive
    manager_no, _manager = PEOPLE[Role.ACCOUNT_MANAGER]
    officer_no, officer = PEOPLE[Role.POST_LOAN_OFFICER]
    head_no, _head = PEOPLE[Role.BRANCH_HEAD]
    loan_no = "DK2026000990"
    archive.disburse(
        CommandContext(archive.staff(manager_no).id),
        make_disbursement(loan_no, principal="350000000.00", value_date="2025-03-01"),
        [make_upload("loan_contract"), make_upload("drawdown_receipt")],
    )
    archive.execute(
        CommandContext(archive.staff(head_no).id),
        DesignateOnlineMonitor(staff_no=officer_no, since=date(2025, 4, 1), reason="专职监测"),
    )
    made = archive.execute(
        CommandContext(archive.staff(officer_no).id),
        RecordMonitoring(
            loan_no=loan_no,
            monitored_on=date(2025, 4, 10),
            figures=[FigureIn(name="资产负债率", value="78%")],
            findings="资产负债率显著上升",
            judgment=Judgment.WARNING,
            signal_code="FIN-01",
        ),
    )
    console.registers.wait(["monitoring_register", "work_queue"], made.position, 30)
    console.as_role(Role.RISK_MANAGER)
    page = console.get("/monitoring?on=2025-04-10")
    assert page.status_code == 200, page.text
    text = page.text
    assert 'data-testid="key-customers"' in text
    assert "前N大贷款客户、大额贷款客户" in text
    borrower = archive.loan(loan_no).borrower_id
    assert borrower not in text, "the list masks ID numbers"
    assert f"*{borrower[-4:]}<" in text
    assert "总行" in text, "the head office leads its on-site inspection"
    assert "2025-04 非现场监测" in text
    assert f"{officer}（{officer_no}）" in text, "the monitor by name"
    assert "待客户经理核实" in text
    assert "FIN-01" in text
    empty = console.get("/monitoring?on=2025-02-01")
    assert "该日无重点客户" in empty.text
    assert "该月尚无非现场监测记录" in empty.text
    bad = console.get("/monitoring?on=nonsense")
    assert bad.status_code == 200
    assert "YYYY-MM-DD" in bad.text
