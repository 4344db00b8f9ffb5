"""Guarantors (保证人) and their periodic re-assessment (代偿能力).

A guaranteed working-capital loan of 杭州示例机械制造有限公司, value date 1 March 2025, has two
guarantors registered by its account manager: 杭州示例融资担保有限公司 (a guarantee company,
¥600,000, contract BZ-2025-001) and the borrower's legal representative 王建国 (a person,
¥400,000, contract BZ-2025-002). Under the shipped rules (``[guarantors]
reassess_every_months``: a guarantee company every 3 months, a person every 6) the work queue
asks for each re-assessment when due. The guarantee company's re-assessment on 1 June finds its
capacity adequate; 王建国's on 1 September finds it weakened (his other business in arrears),
which raises warning signal GUA-03 (保证人代偿能力明显下降, orange) in the same save.
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, disburse, pdf

LOAN = "GU-001"
COMPANY = {
    "guarantor_name": "杭州示例融资担保有限公司",
    "kind": "guarantee_company",
    "id_no": "91330100MA2GU0001K",
    "amount": "600000.00",
    "contract_no": "BZ-2025-001",
    "registered_on": "2025-03-01",
    "rating": "AA",
}
PERSON = {
    "guarantor_name": "王建国",
    "kind": "person",
    "id_no": "33010619750312001x",
    "amount": "400000.00",
    "contract_no": "BZ-2025-002",
    "registered_on": "2025-03-01",
}


def register(api: Api, body: dict[str, Any], who: str = "am") -> Any:
    return api.upload(
        who,
        f"/loans/{LOAN}/guarantees",
        body,
        [
            (
                "guarantee_contract",
                (f"{body['contract_no']}.pdf", pdf("保证合同"), "application/pdf"),
            )
        ],
    )


def reassess(api: Api, guarantee_id: str, who: str = "am", **body: Any) -> Any:
    return api.upload(
        who,
        f"/loans/{LOAN}/guarantees/{guarantee_id}/reassess",
        body,
        [("guarantor_assessment", ("评估报告.pdf", pdf("代偿能力评估"), "application/pdf"))],
    )


def guaranteed(api: Api) -> tuple[str, str]:
    """The loan with both guarantees registered: their ids (company, person)."""
    disburse(api, LOAN)
    company = register(api, COMPANY)
    assert company.status_code == 201, company.text
    person = register(api, PERSON)
    assert person.status_code == 201, person.text
    return company.json()["ids"]["guarantee_id"], person.json()["ids"]["guarantee_id"]


def loan_read(api: Api) -> list[dict[str, Any]]:
    answer = api.get("auditor", f"/loans/{LOAN}")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["guarantees"]
    return found


def reassessment_tasks(api: Api, on: str, after: int) -> list[tuple[str, str, str, str]]:
    answer = api.get("head", f"/tasks?on={on}&after={after}&kind=guarantor_reassessment")
    assert answer.status_code == 200, answer.text
    return [(t["subject"], t["due_on"], t["owner_no"], t["rule"]) for t in answer.json()["data"]]


def test_a_guarantee_is_registered_with_its_contract_and_read_back(api: Api) -> None:
    """Rows 000-04, 000-10, 002-66: each guarantor of the loan — kind, ID or credit code,
    amount in 元, contract — is registered with the guarantee contract filed in the dossier,
    shown in the loan's read and in the guarantors section of the collateral register."""
    guaranteed(api)
    read = loan_read(api)
    assert [
        (g["guarantor_name"], g["kind"], g["id_no"], g["amount"], g["capacity"], g["rating"])
        for g in read
    ] == [
        ("杭州示例融资担保有限公司", "guarantee_company", "91330100MA2GU0001K", "600000.00",
         "adequate", "AA"),
        ("王建国", "person", "33010619750312001X", "400000.00", "adequate", ""),
    ]  # fmt: skip
    dossier = api.get("auditor", f"/loans/{LOAN}/dossier").json()["documents"]
    assert sum(d["doc_type"] == "guarantee_contract" for d in dossier) == 2
    position = api.get("auditor", f"/loans/{LOAN}/events").json()["data"][-1]["position"]
    rows = api.get(
        "auditor", f"/registers/collateral_register/guarantors?loan_no={LOAN}&after={position}"
    ).json()["data"]
    assert [(r["guarantor_name"], r["kind"], r["amount"], r["contract_no"]) for r in rows] == [
        ("杭州示例融资担保有限公司", "guarantee_company", "600000.00", "BZ-2025-001"),
        ("王建国", "person", "400000.00", "BZ-2025-002"),
    ]


def test_bad_guarantees_are_refused_in_both_languages_and_nothing_recorded(api: Api) -> None:
    """Rows 000-04, 002-66: a malformed ID card or credit code, a zero amount, the same
    guarantor twice, a guarantee before the value date, or one registered by someone the role
    table does not allow: refused, naming the field, nothing recorded."""
    guaranteed(api)
    before = api.counts()
    for body, field in [
        ({**PERSON, "id_no": "330106197503"}, "id_no"),
        ({**COMPANY, "id_no": "91330100MA2GU0001Z"}, "id_no"),
        ({**COMPANY, "amount": "0"}, "amount"),
        ({**PERSON, "registered_on": "2025-02-01"}, "registered_on"),
    ]:
        refused = api.post("am", f"/loans/{LOAN}/guarantees", body)
        assert refused.status_code == 422, refused.text
        assert field in refused.text
        assert refused.json()["detail"]["zh"]
        assert refused.json()["detail"]["en"]
    twice = api.post("am", f"/loans/{LOAN}/guarantees", {**PERSON, "contract_no": "BZ-9"})
    assert twice.status_code == 409, twice.text
    assert "保证人" in twice.json()["detail"]["zh"]
    by_archivist = api.post("archivist", f"/loans/{LOAN}/guarantees", COMPANY)
    assert by_archivist.status_code == 403, by_archivist.text
    assert api.counts() == before


def test_reassessment_falls_due_by_kind_and_a_weakened_guarantor_raises_gua_03(api: Api) -> None:
    """Rows 000-04, 000-10, 002-66: the work queue asks for each guarantor's re-assessment by
    its kind's schedule (a guarantee company 3 months after registration, a person 6); an
    adequate finding moves the next date on; a weakened one raises GUA-03 (orange) with the
    assessment report filed beside it, and a second weakened finding raises no second
    signal while the first is open."""
    company_id, person_id = guaranteed(api)
    position = api.get("auditor", f"/loans/{LOAN}/events").json()["data"][-1]["position"]
    assert reassessment_tasks(api, "2025-05-15", position) == [
        (
            "杭州示例融资担保有限公司",
            "2025-06-01",
            "AM001",
            "guarantors.reassess_every_months.guarantee_company = 3",
        )
    ]
    assert [t[:2] for t in reassessment_tasks(api, "2025-08-15", position)] == [
        ("杭州示例融资担保有限公司", "2025-06-01"),
        ("王建国", "2025-09-01"),
    ]

    adequate = reassess(
        api,
        company_id,
        assessed_on="2025-06-01",
        capacity="adequate",
        rating="AA-",
        findings="担保公司在保余额与净资产之比正常，代偿能力充足",
    )
    assert adequate.status_code == 201, adequate.text
    assert adequate.json()["events"] == ["GuarantorReassessed"]
    after = adequate.json()["position"]
    assert [t[:2] for t in reassessment_tasks(api, "2025-08-15", after)] == [
        ("杭州示例融资担保有限公司", "2025-09-01"),
        ("王建国", "2025-09-01"),
    ]

    weakened = reassess(
        api,
        person_id,
        "officer",
        assessed_on="2025-09-01",
        capacity="weakened",
        findings="保证人名下另一企业贷款逾期，个人负债上升",
    )
    assert weakened.status_code == 201, weakened.text
    assert weakened.json()["events"] == ["WarningRaised", "GuarantorReassessed"]
    signal_id = weakened.json()["ids"]["signal_id"]
    after = weakened.json()["position"]
    signals = api.get("auditor", f"/registers/warning_ledger?loan_no={LOAN}&after={after}").json()[
        "data"
    ]
    assert [(s["code"], s["colour"], s["raised_on"]) for s in signals] == [
        ("GUA-03", "orange", "2025-09-01")
    ]
    assert "王建国代偿能力明显下降" in signals[0]["reason"]
    person = next(g for g in loan_read(api) if g["id"] == person_id)
    assert (person["capacity"], person["assessed_on"], person["reassessments"]) == (
        "weakened",
        "2025-09-01",
        1,
    )
    rows = api.get(
        "auditor",
        f"/registers/collateral_register/guarantors?loan_no={LOAN}&capacity=weakened&after={after}",
    ).json()["data"]
    assert [(r["guarantor_name"], r["assessed_on"], r["reassessments"]) for r in rows] == [
        ("王建国", "2025-09-01", 1)
    ]
    dossier = api.get("auditor", f"/loans/{LOAN}/dossier").json()["documents"]
    assert sum(d["doc_type"] == "guarantor_assessment" for d in dossier) == 2

    lost = reassess(
        api,
        person_id,
        assessed_on="2025-10-01",
        capacity="lost",
        findings="保证人被列为失信被执行人",
    )
    assert lost.status_code == 201, lost.text
    assert lost.json()["events"] == ["GuarantorReassessed"]
    signals = api.get(
        "auditor", f"/registers/warning_ledger?loan_no={LOAN}&after={lost.json()['position']}"
    ).json()["data"]
    assert [(s["code"], s["raised_on"]) for s in signals] == [("GUA-03", "2025-09-01")]
    loan = api.get("auditor", f"/loans/{LOAN}").json()
    assert loan["open_warnings"] == 1
    events = api.get("auditor", f"/loans/{LOAN}/events").json()["data"]
    raised = [e["data"]["signal_id"] for e in events if e["type"] == "WarningRaised"]
    assert raised == [signal_id]


def test_a_reassessment_out_of_order_or_of_no_guarantee_is_refused(api: Api) -> None:
    """Rows 000-10, 002-66: a re-assessment dated before the last, of a guarantee the loan does
    not have, with no findings, or by a reviewer: refused, nothing recorded."""
    company_id, _ = guaranteed(api)
    before = api.counts()
    body = {"assessed_on": "2025-06-01", "capacity": "adequate", "findings": "正常"}
    early = api.post(
        "am",
        f"/loans/{LOAN}/guarantees/{company_id}/reassess",
        {**body, "assessed_on": "2025-02-27"},
    )
    assert early.status_code == 422, early.text
    assert early.json()["context"]["field"] == "assessed_on"
    unknown = api.post(
        "am", f"/loans/{LOAN}/guarantees/00000000-0000-0000-0000-000000000001/reassess", body
    )
    assert unknown.status_code == 404, unknown.text
    blank = api.post(
        "am", f"/loans/{LOAN}/guarantees/{company_id}/reassess", {**body, "findings": " "}
    )
    assert blank.status_code == 422, blank.text
    by_reviewer = api.post("reviewer", f"/loans/{LOAN}/guarantees/{company_id}/reassess", body)
    assert by_reviewer.status_code == 403, by_reviewer.text
    assert api.counts() == before


def test_a_loan_without_guarantors_reads_as_before(api: Api) -> None:
    """Row 000-04: a loan with no guarantee registered reads with an empty list and no
    re-assessment falls due."""
    answer = disburse(api, LOAN, guarantee_type="mortgage")
    assert loan_read(api) == []
    assert reassessment_tasks(api, "2026-01-01", answer["position"]) == []
