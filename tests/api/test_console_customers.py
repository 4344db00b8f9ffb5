"""The customer file at the console (rows 004-32, 004-33): the loan page links to its
borrower's file, which lists both of the borrower's loans with their dossiers and the attempts
to reach it, the borrower's ID number masked; the customer page groups customers by unit beside
the partitions by unit, customer type and loan category and the contact-data quality."""

from __future__ import annotations

from datetime import date

from archive.commands.customers import RecordContactAttempt
from archive.core import CommandContext
from domain.values import ContactChannel, ContactPurpose, Role
from tests.api.console_harness import PEOPLE, Console
from tests.factories import make_disbursement


def test_the_customer_file_and_the_partitioned_customers_at_the_console(console: Console) -> None:
    manager_no, manager = PEOPLE[Role.ACCOUNT_MANAGER]
    context = CommandContext(console.archive.staff(manager_no).id)
    first = console.archive.disburse(context, make_disbursement("DK2026000301", branch="营业部"))
    console.archive.disburse(
        context, make_disbursement("DK2026000302", branch="营业部", product="small_business")
    )
    loan = console.archive.loan("DK2026000301")
    tried = console.archive.execute(
        context,
        RecordContactAttempt(
            borrower_id=loan.borrower_id,
            attempted_on=date(2025, 4, 1),
            channel=ContactChannel.PHONE,
            purpose=ContactPurpose.RETURN_VISIT,
            contact="13800000000",
            reached=True,
            note="接通，本人",
        ),
    )
    assert first.position < tried.position
    console.registers.wait(["customer_file", "completeness"], tried.position, 30)
    console.as_role(Role.ACCOUNT_MANAGER)
    page = console.get("/loans/DK2026000301")
    assert 'href="/loans/DK2026000301/customer"' in page.text
    shown = console.get("/loans/DK2026000301/customer")
    assert shown.status_code == 200, shown.text[:500]
    assert 'href="/loans/DK2026000302"' in shown.text
    assert f"{manager}（{manager_no}）" in shown.text
    assert loan.borrower_id not in shown.text, "the ID number is masked"
    assert loan.borrower_id[-4:] in shown.text
    assert "接通，本人" in shown.text
    listing = console.get("/customers")
    assert listing.status_code == 200, listing.text[:500]
    assert "营业部" in listing.text
    assert "小微企业贷款" in listing.text
    assert "公司流动资金贷款" in listing.text
    assert 'href="/loans/DK2026000302/customer"' in listing.text
    assert loan.borrower_id not in listing.text
    assert "100.00" in listing.text  # one attempt, reached: 准确率 100 %
