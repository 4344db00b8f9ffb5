"""Responsibility determinations through the console: the auditor records one, the person it
names sees it on their workbench and appeals once, the auditor decides the appeal — and a
determination the rules refuse (too early) shows the domain's message and records nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from archive.commands.lifecycle import RecordOverdue
from archive.commands.login import SetPassword
from archive.commands.staff import EnrolStaff
from archive.core import CommandContext
from domain.values import Role
from tests.api.console_harness import CONSOLE, PASSWORD, PEOPLE, Console
from tests.factories import make_disbursement

LOAN = "DK2026005000"


def _context(console: Console, role: Role) -> CommandContext:
    return CommandContext(console.archive.staff(PEOPLE[role][0]).id)


def _head(console: Console) -> int:
    return console.archive.recorder.max_notification_id() or 0


def _overdue(console: Console, days: int) -> None:
    console.archive.execute(
        _context(console, Role.ACCOUNT_MANAGER), make_disbursement(LOAN, branch="营业部")
    )
    done = console.archive.execute(
        _context(console, Role.POST_LOAN_OFFICER),
        RecordOverdue(
            loan_no=LOAN,
            as_of=console.archive.today() - timedelta(days=1),
            days_overdue=days,
            overdue_principal=Decimal("0"),
            overdue_interest=Decimal("3000.00"),
        ),
    )
    console.registers.wait(["accountability_trail"], done.position, 30)


def _determine(console: Console, token: str) -> object:
    return console.post(
        "/responsibility/determinations",
        {
            "csrf_token": token,
            "loan_no": LOAN,
            "person_no": PEOPLE[Role.ACCOUNT_MANAGER][0],
            "stage": "collection",
            "finding": "secondary",
            "sanction": "通报批评",
            "reason": "逾期后未按期上门催收",
        },
    )


def test_determine_appeal_and_decide_through_the_screens(console: Console) -> None:
    _overdue(console, 40)
    console.as_role(Role.AUDITOR)
    page = console.get("/responsibility")
    assert page.status_code == 200
    manager_no, manager = PEOPLE[Role.ACCOUNT_MANAGER]
    assert f"{manager}（{manager_no}）" in page.text  # chosen by name
    token = console.csrf("/responsibility")
    missing = console.post(
        "/responsibility/determinations",
        {"csrf_token": token, "loan_no": LOAN, "person_no": manager_no, "reason": "x"},
    )
    assert missing.status_code == 422
    assert 'id="stage-error"' in missing.text
    before = _head(console)
    recorded = _determine(console, token)
    assert recorded.status_code == 303, recorded.text  # type: ignore[attr-defined]
    assert _head(console) == before + 1
    loan = console.archive.loan(LOAN)
    assert len(loan.determinations) == 1
    console.registers.wait(["accountability_trail"], before + 1, 30)

    console.as_role(Role.ACCOUNT_MANAGER)
    bench = console.get("/")
    assert 'data-testid="about-me"' in bench.text
    mine = console.get("/responsibility")
    assert 'data-testid="appeal"' in mine.text
    determination = re.search(r'action="/responsibility/([0-9a-f-]+)/appeal"', mine.text)
    assert determination is not None
    token = console.csrf("/responsibility")
    appealed = console.post(
        f"/responsibility/{determination.group(1)}/appeal",
        {"csrf_token": token, "loan_no": LOAN, "reason": "已按期上门，有走访记录为证"},
    )
    assert appealed.status_code == 303, appealed.text
    console.registers.wait(["accountability_trail"], _head(console), 30)

    console.as_role(Role.AUDITOR)
    page = console.get("/responsibility")
    assert "已按期上门，有走访记录为证" in page.text
    assert 'data-testid="decide"' not in page.text  # not the one who determined it
    console.archive.execute(
        CONSOLE, EnrolStaff(staff_no="C0932", name="孟庆华", branch="营业部", roles=[Role.AUDITOR])
    )
    console.archive.set_password(
        CONSOLE, SetPassword(staff_no="C0932", password=PASSWORD), temporary=False
    )
    assert console.sign_in("C0932").status_code == 303
    page = console.get("/responsibility")
    assert 'data-testid="decide"' in page.text
    token = console.csrf("/responsibility")
    decided = console.post(
        f"/responsibility/{determination.group(1)}/decision",
        {
            "csrf_token": token,
            "loan_no": LOAN,
            "outcome": "amended",
            "finding": "exempt",
            "reason": "走访记录属实，尽职免责",
        },
    )
    assert decided.status_code == 303, decided.text
    console.registers.wait(["accountability_trail"], _head(console), 30)
    page = console.get("/responsibility")
    assert "变更认定" in page.text
    assert "尽职免责" in page.text


def test_a_determination_the_rules_refuse_shows_why_and_records_nothing(
    console: Console,
) -> None:
    _overdue(console, 5)
    console.as_role(Role.AUDITOR)
    token = console.csrf("/responsibility")
    before = _head(console)
    refused = _determine(console, token)
    assert refused.status_code == 409, refused.text  # type: ignore[attr-defined]
    assert 'role="alert"' in refused.text  # type: ignore[attr-defined]
    assert "30" in refused.text  # type: ignore[attr-defined]
    assert _head(console) == before
    console.as_role(Role.ARCHIVIST)
    token = console.csrf("/")
    signed_in = _head(console)
    assert _determine(console, token).status_code == 403  # type: ignore[attr-defined]
    assert _head(console) == signed_in
