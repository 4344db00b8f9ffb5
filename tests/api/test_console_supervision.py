"""Supervision checks through the console (rows 004-30, 004-31): the risk manager's check of
the account manager below the mark is listed on the supervision page and shown item by item
with its notice, every person by name; the account manager reads the check of her own work."""

from __future__ import annotations

from datetime import date

from archive.commands.supervision import DeductionIn, RecordSupervisionCheck
from archive.core import CommandContext
from domain.values import CheckSubject, Role
from tests.api.console_harness import PEOPLE, Console


def test_the_supervision_page_lists_a_check_and_shows_it_with_its_notice(
    console: Console,
) -> None:
    manager_no, manager = PEOPLE[Role.ACCOUNT_MANAGER]
    risk_no, risk = PEOPLE[Role.RISK_MANAGER]
    made = console.archive.execute(
        CommandContext(console.archive.staff(risk_no).id),
        RecordSupervisionCheck(
            subject=CheckSubject.ACCOUNT_MANAGER,
            staff_no=manager_no,
            checked_on=date(2025, 6, 10),
            period_from=date(2025, 1, 1),
            period_to=date(2025, 5, 31),
            deductions=[
                DeductionIn(item="routine_inspection", points=20, finding="常规检查超期"),
                DeductionIn(item="dossier", points=5, finding="原件未移交"),
            ],
            findings="限期整改",
        ),
    )
    console.registers.wait(["supervision_register"], made.position, 30)
    for role in (Role.AUDITOR, Role.ACCOUNT_MANAGER):
        console.as_role(role)
        listing = console.get("/supervision")
        assert listing.status_code == 200
        assert f"{manager}（{manager_no}）" in listing.text
        assert f"{risk}（{risk_no}）" in listing.text
        assert "限期整改中" in listing.text
        assert f'href="/supervision/{made.aggregate_id}"' in listing.text
    shown = console.get(f"/supervision/{made.aggregate_id}")
    assert shown.status_code == 200
    assert "75 / 100" in shown.text
    assert "整改〔2025〕第0001号" in shown.text
    notice = console.get(f"/supervision/{made.aggregate_id}/notice.pdf")
    assert notice.content.startswith(b"%PDF")
