"""Post-loan management papers through the console (rows 002-69, 002-16): the post-loan
meeting's minutes (贷后管理例会纪要) signed by the branch head are listed on the papers page with
every person by name and their document opens; the loan's page shows the measures the meeting
decided for it (逐户研究措施)."""

from __future__ import annotations

from datetime import date

from archive.commands.papers import DraftPaper, LoanMeasuresIn, ReviewPaper
from archive.core import CommandContext
from archive.documents.ingest import from_bytes
from domain.values import Role
from tests.api.conftest import pdf
from tests.api.console_harness import PEOPLE, Console
from tests.factories import make_disbursement, make_upload

LOAN = "DK2026000700"


def _ctx(console: Console, role: Role) -> CommandContext:
    return CommandContext(console.archive.staff(PEOPLE[role][0]).id)


def test_the_papers_page_lists_minutes_and_the_loan_page_shows_its_measures(
    console: Console,
) -> None:
    console.archive.disburse(
        _ctx(console, Role.ACCOUNT_MANAGER),
        make_disbursement(LOAN),
        [make_upload("loan_contract"), make_upload("drawdown_receipt")],
    )
    made = console.archive.execute(
        _ctx(console, Role.POST_LOAN_OFFICER),
        DraftPaper(
            kind="routine_meeting_minutes",
            met_on=date(2026, 11, 27),
            title="11月贷后管理例会纪要",
            drafted_on=date(2026, 11, 27),
            loans=[LoanMeasuresIn(loan_no=LOAN, measures="例会审议：追加保证人，按月现场检查。")],
        ),
        [from_bytes("management_paper", "例会纪要.pdf", pdf("minutes"))],
    )
    signed = console.archive.execute(
        _ctx(console, Role.BRANCH_HEAD),
        ReviewPaper(
            paper_id=made.aggregate_id, approved=True, reason="签发", vetted_on=date(2026, 11, 30)
        ),
    )
    console.registers.wait(["paper_register"], signed.position, 30)
    officer_no, officer = PEOPLE[Role.POST_LOAN_OFFICER]
    head_no, head = PEOPLE[Role.BRANCH_HEAD]
    console.as_role(Role.AUDITOR)
    listing = console.get("/papers")
    assert listing.status_code == 200
    assert "贷后管理例会纪要" in listing.text
    assert f"{officer}（{officer_no}）" in listing.text
    assert f"{head}（{head_no}）" in listing.text
    assert "已审定" in listing.text
    assert f'href="/papers/{made.aggregate_id}/document.pdf"' in listing.text
    document = console.get(f"/papers/{made.aggregate_id}/document.pdf")
    assert document.content.startswith(b"%PDF")
    console.as_role(Role.ACCOUNT_MANAGER)
    loan = console.get(f"/loans/{LOAN}")
    assert loan.status_code == 200
    assert "例会审议：追加保证人，按月现场检查。" in loan.text
    assert "会议逐户研究措施" in loan.text
