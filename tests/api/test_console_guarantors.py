"""The console's guarantors (保证人) on the loan's page: register a guarantee with its contract,
re-assess the guarantor (代偿能力) — weakened raises GUA-03 — and read the latest assessment in
the guarantors panel; a bad ID card number is refused in Chinese, nothing recorded."""

from __future__ import annotations

from domain.values import Role
from tests.api.console_harness import Console
from tests.api.test_console_postloan import (
    LOAN,
    PDF,
    _count,
    _disbursed,
    _events,
    _refusal,
    _send,
    _today,
)
from tests.factories import make_pdf


def test_a_guarantor_is_registered_and_reassessed_at_the_console(console: Console) -> None:
    """Rows 000-04, 000-10, 002-66 at the console."""
    _disbursed(console)
    console.as_role(Role.ACCOUNT_MANAGER)
    assert "/guarantees/new" in console.get(f"/loans/{LOAN}").text
    body = {
        "guarantor_name": "王建国",
        "kind": "person",
        "id_no": "330106197503120011",
        "amount": "300000.00",
        "contract_no": "BZ-CON-1",
        "registered_on": _today(console),
        "rating": "",
    }
    before = _count(console)
    bad = _send(console, f"/loans/{LOAN}/guarantees/new", {**body, "id_no": "123"})
    assert bad.status_code == 422, bad.text
    assert "身份证号" in _refusal(bad.text)
    assert _count(console) == before

    added = _send(
        console,
        f"/loans/{LOAN}/guarantees/new",
        body,
        [("guarantee_contract", ("保证合同.pdf", make_pdf("保证合同"), PDF))],
    )
    assert added.status_code == 303, added.text
    [registered] = _events(console, "GuaranteeRegistered")
    guarantee_id = registered.data["guarantee_id"]
    page = console.get(added.headers["location"]).text
    assert 'data-testid="guarantors"' in page
    assert "代偿能力充足" in page

    reassessed = _send(
        console,
        f"/loans/{LOAN}/guarantees/{guarantee_id}/reassess",
        {
            "assessed_on": _today(console),
            "capacity": "weakened",
            "rating": "",
            "findings": "保证人另有贷款逾期，个人负债上升",
        },
    )
    assert reassessed.status_code == 303, reassessed.text
    assert [e.data["code"] for e in _events(console, "WarningRaised")] == ["GUA-03"]
    page = console.get(reassessed.headers["location"]).text
    assert "代偿能力明显下降" in page
    assert "GUA-03" in page
