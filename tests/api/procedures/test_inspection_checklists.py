"""Inspections answer checklists (贷后检查表) kept as data in the rules, and file the form the
answers fill in: the 公司客户贷后检查报告 of a company, the 个人客户贷后检查表 of a person."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from domain.rules import RuleSet
from tests.api.conftest import Api, disburse, pdf

LOAN = "JK-CHK-001"


def checklist(api: Api, loan_no: str, kind: str) -> dict[str, Any]:
    answer = api.get("am", f"/loans/{loan_no}/inspection-checklist?kind={kind}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def all_normal(found: dict[str, Any], **abnormal: str) -> list[dict[str, str]]:
    """Every item answered normal but those of ``abnormal`` (item code → note)."""
    return [
        {"item": i["code"], "result": "abnormal", "note": abnormal[i["code"]]}
        if i["code"] in abnormal
        else {"item": i["code"], "result": "normal"}
        for i in found["items"]
    ]


FIGURES = {
    "total_assets": "52000000.00",
    "total_liabilities": "31000000.00",
    "sales_revenue": "18500000.00",
    "net_profit": "-120000.50",
    "operating_cash_flow": "2300000.00",
    "other_bank_financing": "8000000.00",
    "external_guarantees": "0",
}


def inspect(api: Api, loan_no: str, body: dict[str, Any]) -> Any:
    return api.post(
        "am",
        f"/loans/{loan_no}/inspections",
        {"inspected_on": "2025-06-10", "reviewer_no": "RV001", **body},
    )


def filed_text(api: Api, loan_no: str, doc_type: str) -> list[str]:
    """The text of each document of ``doc_type`` filed in the loan's dossier."""
    dossier = api.get("auditor", f"/loans/{loan_no}/dossier")
    assert dossier.status_code == 200, dossier.text
    texts = []
    for document in dossier.json()["documents"]:
        if document["doc_type"] != doc_type:
            continue
        read = api.get(
            "auditor",
            f"/loans/{loan_no}/documents/{document['sha256']}?purpose=audit&original=true",
        )
        assert read.status_code == 200, read.text
        reader = PdfReader(io.BytesIO(read.content))
        texts.append("\n".join(page.extract_text() for page in reader.pages))
    return texts


def test_a_corporate_inspection_answers_the_four_areas_and_files_its_report(api: Api) -> None:
    """Rows 000-01, 000-02, 000-03, 000-04, 000-05, 000-06, 003-80: a company's routine
    inspection answers the checklist of the four areas with its key figures and an overall
    judgment and measures; the 公司客户贷后检查报告 is generated from the answers and filed as
    the inspection's report."""
    disburse(api, LOAN)
    found = checklist(api, LOAN, "routine")
    assert (found["applies"], found["code"], found["zh"]) == (
        True,
        "corporate",
        "公司客户贷后检查报告",
    )
    areas = {i["area"] for i in found["items"]}
    assert areas == {"客户及内部管理", "生产经营", "财务状况", "担保情况"}
    assert {f["code"] for f in found["figures"]} == set(FIGURES)
    assert [j["code"] for j in found["judgments"]] == ["normal", "watch", "warning"]

    recorded = inspect(
        api,
        LOAN,
        {
            "kind": "routine",
            "findings": "企业经营基本正常，应收账款增加，需关注",
            "answers": all_normal(
                found, **{"C-08": "应收账款较上季增加 30%", "C-11": "保证人涉诉"}
            ),
            "figures": FIGURES,
            "judgment": "watch",
            "measures": "要求企业按月报送应收账款明细；下月再次现场检查",
        },
    )
    assert recorded.status_code == 201, recorded.text
    generated = [d for d in recorded.json()["documents"] if d["doc_type"] == "inspection_report"]
    assert len(generated) == 1

    loan = api.get("am", f"/loans/{LOAN}").json()
    [inspection] = loan["inspection_records"]
    assert inspection["free_text"] is False
    assert (inspection["checklist"], inspection["judgment"], inspection["abnormal"]) == (
        "corporate",
        "watch",
        2,
    )
    assert inspection["figures"]["net_profit"] == "-120000.50"
    notes = {a["item"]: a["note"] for a in inspection["answers"] if a["result"] == "abnormal"}
    assert notes == {"C-08": "应收账款较上季增加 30%", "C-11": "保证人涉诉"}

    [text] = filed_text(api, LOAN, "inspection_report")
    for expected in (
        "公司客户贷后检查报告",
        "客户及内部管理",
        "应收账款较上季增加",
        "保证人涉诉",
        "异常",
        "52,000,000.00",
        "-120,000.50",
        "关注",
        "要求企业按月报送应收账款明细",
        "张伟（AM001）",
        "李娜（RV001）",
        "杭州示例机械制造有限公司",
    ):
        assert expected in text.replace(" ", "").replace("\n", "") or expected in text, expected

    # The loan ledger (贷后管理台账) shows the last checklist's judgment and abnormal items.
    position = recorded.json()["position"]
    ledger = api.get("officer", f"/registers/loan_ledger?loan_no={LOAN}&after={position}")
    assert ledger.status_code == 200, ledger.text
    [row] = ledger.json()["data"]
    assert (row["last_judgment"], row["last_abnormal"], row["last_checklist_on"]) == (
        "关注",
        2,
        "2025-06-10",
    )

    # The generated report satisfies the completeness rule of the inspection.
    rows = api.get(
        "auditor", f"/registers/completeness/requirements?limit=1000&after={position}"
    ).json()["data"]
    reports = [r for r in rows if r["loan_no"] == LOAN and r["doc_type"] == "inspection_report"]
    assert [r["status"] for r in reports] == ["filed"]


def test_refused_answers_record_nothing(api: Api) -> None:
    """Rows 000-01, 000-02, 003-80: a missing item, an unknown one, an abnormal answer without
    its note, a bad or missing figure, an unknown judgment, a warning without measures are each
    refused with the field named, and nothing is recorded or stored."""
    disburse(api, LOAN)
    found = checklist(api, LOAN, "on_site")
    good = {
        "kind": "on_site",
        "findings": "现场检查",
        "answers": all_normal(found),
        "figures": FIGURES,
        "judgment": "normal",
    }
    before = api.counts()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"answers": None}, "answers"),
        ({"answers": all_normal(found)[1:]}, "answers"),
        (
            {"answers": [*all_normal(found), {"item": "Z-99", "result": "normal"}]},
            "answers[14].item",
        ),
        (
            {"answers": [*all_normal(found), {"item": "C-01", "result": "normal"}]},
            "answers[14].item",
        ),
        ({"answers": all_normal(found, **{"C-04": " "})}, "answers[3].note"),
        ({"figures": {**FIGURES, "total_assets": "12.345"}}, "figures.total_assets"),
        ({"figures": {**FIGURES, "sales_revenue": "-5"}}, "figures.sales_revenue"),
        (
            {"figures": {k: v for k, v in FIGURES.items() if k != "net_profit"}},
            "figures.net_profit",
        ),
        ({"judgment": "grave"}, "judgment"),
        ({"judgment": "warning"}, "measures"),
    ]
    for change, field in cases:
        answer = inspect(api, LOAN, {**good, **change})
        assert answer.status_code == 422, (field, answer.text)
        body = answer.json()
        assert body["context"]["field"] == field, (field, body)
        assert body["detail"]["zh"], body
        assert body["detail"]["en"], body
    assert api.counts() == before
    assert api.get("am", f"/loans/{LOAN}").json()["inspections"] == 0

    # A phone visit has no checklist: it stays free text, and may not answer one.
    phone = {"kind": "phone_visit", "findings": "电话回访，企业经营正常"}
    refused = inspect(api, LOAN, {**phone, "judgment": "normal"})
    assert (refused.status_code, refused.json()["context"]["field"]) == (422, "answers")
    assert inspect(api, LOAN, phone).status_code == 201
    [visit] = api.get("am", f"/loans/{LOAN}").json()["inspection_records"]
    assert (visit["free_text"], visit["answers"], visit["abnormal"]) == (True, None, None)


def test_an_individual_production_loan_answers_the_individual_form(api: Api) -> None:
    """Rows 000-08, 000-09, 000-10, 000-11, 000-12: the first follow-up of an individual
    production loan answers the 个人客户贷后检查表 (funds use, security, guarantor, income,
    health, marriage, assets, unlawful conduct); the form is filed as the first inspection
    report."""
    loan = "JK-CHK-IND"
    disburse(
        api,
        loan,
        borrower_id="330102198001011234",
        borrower_name="王小明",
        borrower_type="individual",
        product="individual_production",
        principal="200000.00",
    )
    found = checklist(api, loan, "first_follow_up")
    assert (found["code"], found["figures"]) == ("individual_production", [])
    assert {"P-01", "P-04", "P-06", "P-07", "P-09"} <= {i["code"] for i in found["items"]}
    recorded = inspect(
        api,
        loan,
        {
            "kind": "first_follow_up",
            "inspected_on": "2025-03-20",
            "findings": "资金用于购买饲料，借款人离婚，需关注还款能力",
            "answers": all_normal(found, **{"P-07": "借款人于 2025 年 3 月离婚"}),
            "judgment": "watch",
            "measures": "追加配偶共同还款承诺",
        },
    )
    assert recorded.status_code == 201, recorded.text
    [text] = filed_text(api, loan, "first_inspection_report")
    flat = text.replace(" ", "").replace("\n", "")
    for expected in ("个人客户贷后检查表", "婚姻状况无变化", "借款人于2025年3月离婚", "王小明"):
        assert expected in flat, expected


def test_a_consumer_loan_answers_repayment_and_family_events(api: Api) -> None:
    """Rows 000-13, 000-14: a consumer loan's inspection asks whether the customer can repay
    and whether the family had a major event."""
    loan = "JK-CHK-CON"
    disburse(
        api,
        loan,
        borrower_type="individual",
        borrower_name="李四",
        product="consumer",
        principal="50000.00",
        repayment_method="bullet",
    )
    found = checklist(api, loan, "routine")
    texts = {i["code"]: i["zh"] for i in found["items"]}
    assert found["code"] == "consumer"
    assert "家庭无较大变故" in texts.values()
    assert "能正常还款，无拖欠" in texts.values()
    special = checklist(api, loan, "special")
    assert special["code"] == "special"
    assert checklist(api, loan, "phone_visit")["applies"] is False


def test_a_free_text_inspection_recorded_before_checklists_still_loads(api: Api) -> None:
    """Row 000-12: an inspection recorded before the checklists (an event without their
    fields, as earlier releases stored it) loads as free text."""
    disburse(api, LOAN)
    earlier = dict(api.archive.rule_set().source)
    del earlier["checklists"]
    assert api.archive.adopt_rules(RuleSet.from_mapping(earlier), source="before checklists")
    assert checklist(api, LOAN, "routine")["applies"] is False
    recorded = api.upload(
        "am",
        f"/loans/{LOAN}/inspections",
        {
            "kind": "routine",
            "inspected_on": "2025-06-10",
            "reviewer_no": "RV001",
            "findings": "经营正常",
        },
        [("inspection_report", ("检查报告.pdf", pdf("inspection"), "application/pdf"))],
    )
    assert recorded.status_code == 201, recorded.text
    [inspection] = api.get("am", f"/loans/{LOAN}").json()["inspection_records"]
    assert (inspection["free_text"], inspection["checklist"], inspection["findings"]) == (
        True,
        None,
        "经营正常",
    )
