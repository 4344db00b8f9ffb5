"""The use of the loan's funds checked against the stated purpose (贷款用途, 受托支付).

A corporate working-capital loan of 1,000,000 元 for 购买原材料, disbursed on 1 March 2025. The
account manager records each payment out of it: 600,000 元 paid on the bank's instruction to the
supplier (受托支付) with the invoice and the payment voucher, then 150,000 元 the borrower paid
itself (自主支付) to a property developer — not the stated purpose. That use raises the warning
signal BEH-05 (贷款资金未按约定用途使用, orange) in the same act, which opens a special
inspection in the work queue; a second deviation while it is open falls under the same signal.
"""

from __future__ import annotations

import re
from typing import Any

from archive.core import CommandContext
from domain.values import Role
from tests.api.conftest import Api, disburse, pdf
from tests.api.console_harness import CSRF, PEOPLE, Console
from tests.factories import make_disbursement, make_pdf, make_upload

LOAN = "FU-001"


def use(api: Api, who: str, files: list[str] = (), **fields: Any) -> Any:
    body = {
        "used_on": "2025-03-05",
        "amount": "600000.00",
        "payee": "宁波示例钢材有限公司",
        "use": "支付钢材采购款",
        "matches_purpose": True,
        "payment_method": "entrusted",
        **fields,
    }
    if not files:
        return api.post(who, f"/loans/{LOAN}/funds-uses", body)
    uploads = [(t, (f"{t}.pdf", pdf(f"{t} {body['used_on']}"), "application/pdf")) for t in files]
    return api.upload(who, f"/loans/{LOAN}/funds-uses", body, uploads)


def test_a_use_against_the_purpose_raises_beh_05_in_the_same_act(api: Api) -> None:
    """Rows 000-08, 002-18, 002-96: each use of the funds is recorded with its payee, amount,
    payment method and evidence; a use against the purpose raises the orange BEH-05 signal in
    the same act (one event batch), shown in the warning ledger and the loan read, and opening
    a special inspection; a second deviation while it is open falls under it."""
    disburse(api, LOAN)
    paid = use(api, "am", files=["invoice", "payment_voucher"])
    assert paid.status_code == 201, paid.text
    assert paid.json()["events"] == ["FundsUseRecorded"]
    assert sorted(d["doc_type"] for d in paid.json()["documents"]) == [
        "invoice",
        "payment_voucher",
    ]

    misused = use(
        api,
        "officer",
        used_on="2025-03-20",
        amount="150000.00",
        payee="杭州示例房地产开发有限公司",
        use="支付购房定金",
        matches_purpose=False,
        payment_method="self",
        files=["payment_voucher"],
    )
    assert misused.status_code == 201, misused.text
    answer = misused.json()
    assert answer["events"] == ["FundsUseRecorded", "WarningRaised"]
    signal_id = answer["ids"]["signal_id"]
    after = answer["position"]

    loan = api.get("am", f"/loans/{LOAN}").json()
    assert [
        (u["amount"], u["payment_method"], u["matches_purpose"], u["signal_id"])
        for u in loan["funds_uses"]
    ] == [("600000.00", "entrusted", True, None), ("150000.00", "self", False, signal_id)]
    assert loan["open_warnings"] == 1
    warnings = api.get("risk", f"/registers/warning_ledger?loan_no={LOAN}&after={after}").json()
    [signal] = warnings["data"]
    assert (signal["code"], signal["colour"], signal["raised_on"]) == (
        "BEH-05",
        "orange",
        "2025-03-20",
    )
    assert "支付购房定金" in signal["reason"]
    ledger = api.get("head", f"/registers/loan_ledger?loan_no={LOAN}&after={after}").json()
    row = ledger["data"][0]
    assert (row["funds_used"], row["funds_misused"], row["open_warnings"]) == (
        "750000.00",
        "150000.00",
        1,
    )
    special = api.get("head", f"/tasks?on=2025-03-21&after={after}&kind=special_inspection")
    assert [t["loan_no"] for t in special.json()["data"]] == [LOAN]

    again = use(
        api,
        "am",
        used_on="2025-03-25",
        amount="50000.00",
        payee="某投资公司",
        use="购买理财产品",
        matches_purpose=False,
        payment_method="self",
    )
    assert again.status_code == 201, again.text
    assert again.json()["events"] == ["FundsUseRecorded"]
    uses = api.get("am", f"/loans/{LOAN}").json()["funds_uses"]
    assert uses[-1]["signal_id"] == signal_id


def test_bad_uses_are_refused_and_nothing_is_recorded(api: Api) -> None:
    """Row 002-18: more than the principal, no amount, an unknown payment method, a date before
    the value date or in the future, a role that does not record uses: refused, naming the
    field, nothing recorded."""
    disburse(api, LOAN)
    before = api.counts()
    too_much = use(api, "am", amount="1000000.01")
    assert too_much.status_code == 422, too_much.text
    assert too_much.json()["context"]["field"] == "amount"
    assert "贷款金额" in too_much.json()["detail"]["zh"]
    for fields in ({"amount": "0"}, {"amount": "12.345"}, {"payment_method": "cash"}):
        refused = use(api, "am", **fields)
        assert refused.status_code == 422, (fields, refused.text)
    early = use(api, "am", used_on="2025-02-28")
    assert early.status_code == 422, early.text
    assert early.json()["context"]["field"] == "used_on"
    future = use(api, "am", used_on="2999-01-01")
    assert future.status_code == 422, future.text
    blank = use(api, "am", payee="  ")
    assert blank.status_code == 422, blank.text
    by_risk = use(api, "risk")
    assert by_risk.status_code == 403, by_risk.text
    assert "record_funds_use" in by_risk.json()["detail"]["en"]
    assert api.counts() == before


def test_a_deviation_recorded_at_the_console_shows_its_signal(console: Console) -> None:
    """Rows 002-18, 002-96 in the console: the post-loan officer records a use against the
    purpose with its payment voucher; the loan page lists it, marked, with the BEH-05 signal
    among the warnings."""
    am = CommandContext(console.archive.staff(PEOPLE[Role.ACCOUNT_MANAGER][0]).id)
    loan_no = "DK2026000960"
    console.archive.disburse(
        am,
        make_disbursement(loan_no),
        [make_upload("loan_contract"), make_upload("drawdown_receipt")],
    )
    path = f"/loans/{loan_no}/funds-uses/new"
    console.as_role(Role.POST_LOAN_OFFICER)
    assert path in console.get(f"/loans/{loan_no}").text
    form = console.get(path)
    assert form.status_code == 200, form.text
    for label in ("登记资金使用", "支付日期", "收款人", "符合约定用途", "受托支付"):
        assert label in form.text, label
    token = CSRF.search(form.text)
    form_id = re.search(r'name="form_id" value="([0-9a-f]+)"', form.text)
    assert token
    assert form_id
    sent = console.client.post(
        path,
        data={
            "csrf_token": token.group(1),
            "form_id": form_id.group(1),
            "used_on": console.archive.today().isoformat(),
            "amount": "80000.00",
            "payee": "某投资咨询有限公司",
            "use": "购买理财产品",
            "matches_purpose": "false",
            "payment_method": "self",
            "doc_type": "payment_voucher",
        },
        files=[("documents", ("voucher.pdf", make_pdf("支付凭证"), "application/pdf"))],
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    shown = console.get(sent.headers["location"]).text
    assert "资金使用已登记。" in shown
    uses = shown.split('data-testid="funds-uses"', 1)[-1].split("</section>", 1)[0]
    assert "80,000.00" in uses
    assert "BEH-05" in uses
    warnings = shown.split('data-testid="warnings"', 1)[-1].split("</section>", 1)[0]
    assert "BEH-05" in warnings
    assert "橙色" in warnings
