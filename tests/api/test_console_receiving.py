"""Receiving a transfer in the archive room, item by item, then cataloguing the dossier: what
the archivist finds is recorded per item (a missing one becomes a defect), the 档号 follows the
shelf; a count that is not a number is refused on the form with nothing recorded."""

from __future__ import annotations

import re
from datetime import date
from uuid import UUID

from archive.commands.custody import ListTransfer
from archive.core import CommandContext
from domain.values import Role, TransferKind
from tests.api.console_harness import PEOPLE, Console
from tests.factories import make_disbursement

LOAN = "DK2026007000"
ITEMS = [
    {"doc_type": "loan_contract", "title": "借款合同", "pages": 6},
    {"doc_type": "guarantee_contract", "title": "保证合同", "pages": 4},
]


def _listed(console: Console) -> str:
    manager = CommandContext(console.archive.staff(PEOPLE[Role.ACCOUNT_MANAGER][0]).id)
    console.archive.execute(manager, make_disbursement(LOAN, branch="营业部"))
    listed = console.archive.execute(
        manager,
        ListTransfer(
            loan_no=LOAN,
            kind=TransferKind.ORIGINALS,
            items=ITEMS,
            listed_on=date(2025, 1, 13),
            signed_on=date(2025, 1, 10),
        ),
    )
    console.registers.wait(["archive_catalogue"], listed.position, 30)
    return str(listed.ids["transfer_id"])


def _head(console: Console) -> int:
    return console.archive.recorder.max_notification_id() or 0


def test_a_transfer_is_received_item_by_item_and_catalogued(console: Console) -> None:
    transfer_id = _listed(console)
    console.as_role(Role.ARCHIVIST)
    awaiting = console.get("/archive/transfers")
    assert awaiting.status_code == 200
    page = f"/archive/transfers/{LOAN}/{transfer_id}"
    assert f'href="{page}"' in awaiting.text
    assert PEOPLE[Role.ACCOUNT_MANAGER][1] in awaiting.text
    shown = console.get(page)
    assert "借款合同" in shown.text
    assert "保证合同" in shown.text
    token = console.csrf(page)
    before = _head(console)
    bad = console.post(
        f"{page}/receipt",
        {
            "csrf_token": token,
            "condition-1": "present",
            "pages-1": "six",
            "condition-2": "present",
            "pages-2": "4",
            "received_on": "2025-01-14",
        },
    )
    assert bad.status_code == 422, bad.text
    assert 'role="alert"' in bad.text
    assert _head(console) == before
    received = console.post(
        f"{page}/receipt",
        {
            "csrf_token": token,
            "condition-1": "present",
            "pages-1": "6",
            "condition-2": "missing",
            "pages-2": "0",
            "note-2": "保证合同原件未随卷移交",
            "received_on": "2025-01-14",
        },
    )
    assert received.status_code == 303, received.text
    dossier = console.archive.dossier_of(console.archive.loan(LOAN))
    assert dossier.transfers[UUID(transfer_id)].received_on == date(2025, 1, 14)
    assert dossier.open_defects
    after = console.get(page)
    assert "缺失" in after.text
    assert 'data-testid="catalogue"' in after.text
    catalogued = console.post(
        f"{page}/catalogue",
        {"csrf_token": token, "shelf_location": "2-03-05-2", "catalogued_on": "2025-01-15"},
    )
    assert catalogued.status_code == 303, catalogued.text
    code = console.archive.dossier_of(console.archive.loan(LOAN)).reference_code
    assert code
    assert re.search(re.escape(code), console.get(page).text)


def test_who_may_not_receive_is_refused(console: Console) -> None:
    transfer_id = _listed(console)
    console.as_role(Role.COMPLIANCE)
    token = console.csrf("/")
    before = _head(console)
    refused = console.post(
        f"/archive/transfers/{LOAN}/{transfer_id}/receipt",
        {
            "csrf_token": token,
            "condition-1": "present",
            "pages-1": "6",
            "received_on": "2025-01-14",
        },
    )
    assert refused.status_code == 403
    assert _head(console) == before
