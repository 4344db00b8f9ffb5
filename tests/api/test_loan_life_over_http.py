"""A loan's whole life over HTTP, read back event by event.

Disbursement with contract and drawdown receipt → first inspection → overdue →
downgrade → warning raised, handled, cleared → collection steps →
restructuring → repayments → settlement; then every event, in order, with its
actor, role and document hashes.
"""

from __future__ import annotations

import hashlib
import io

from pypdf import PdfReader

from tests.api.conftest import Api, answered, disburse, pdf

LOAN = "DK2025000101"


def test_a_loan_lives_its_whole_life_over_http_and_reads_back_in_order(api: Api) -> None:
    contract_hash = hashlib.sha256(pdf(f"loan contract {LOAN}")).hexdigest()
    disbursed = disburse(api, LOAN)
    assert disbursed["version"] == 1
    assert {d["doc_type"] for d in disbursed["documents"]} == {"loan_contract", "drawdown_receipt"}
    assert contract_hash in {d["sha256"] for d in disbursed["documents"]}

    report = pdf("first inspection report")
    inspected = api.upload(
        "am",
        f"/loans/{LOAN}/inspections",
        {
            "kind": "first_follow_up",
            "inspected_on": "2025-03-12",
            "reviewer_no": "RV001",
            "findings": "资金按约定用途使用，企业生产经营正常",
            **answered("corporate"),
        },
        [("first_inspection_report", ("首次跟踪检查报告.pdf", report, "application/pdf"))],
    )
    assert inspected.status_code == 201, inspected.text

    steps: list[tuple[str, str, dict[str, object]]] = [
        (
            "officer",
            "/overdue-status",
            {
                "as_of": "2025-09-05",
                "days_overdue": 35,
                "overdue_principal": "50000.00",
                "overdue_interest": "3625.00",
            },
        ),
    ]
    for who, path, body in steps:
        answer = api.post(who, f"/loans/{LOAN}{path}", body)
        assert answer.status_code == 201, answer.text

    proposed = api.post(
        "am",
        f"/loans/{LOAN}/classifications",
        {
            "grade": "special_mention",
            "sub_grade": "special_mention_2",
            "reason": "本金逾期35天",
            "as_of": "2025-09-05",
        },
    )
    assert proposed.status_code == 201, proposed.text
    proposal_id = proposed.json()["ids"]["proposal_id"]
    determined = api.post(
        "reviewer",
        f"/loans/{LOAN}/classifications/{proposal_id}/determine",
        {"grade": "special_mention", "sub_grade": "special_mention_2", "reason": "认定为关注二级"},
    )
    assert determined.status_code == 201, determined.text
    approved = api.upload(
        "risk",
        f"/loans/{LOAN}/classifications/{proposal_id}/approve",
        {"reason": "同意下调为关注类"},
        [
            (
                "classification_form",
                ("五级分类认定表.pdf", pdf("classification form"), "application/pdf"),
            )
        ],
    )
    assert approved.status_code == 201, approved.text

    raised = api.post(
        "officer",
        f"/loans/{LOAN}/warnings",
        {
            "colour": "orange",
            "code": "GUA-03",
            "raised_on": "2025-09-06",
            "reason": "担保人代偿能力下降",
        },
    )
    assert raised.status_code == 201, raised.text
    signal = raised.json()["ids"]["signal_id"]
    assert (
        api.post(
            "risk",
            f"/loans/{LOAN}/warnings/{signal}/handle",
            {"handled_on": "2025-09-08", "measures": "追加保证人并压缩授信"},
        ).status_code
        == 201
    )
    # 反馈 by the officer, 认定 by the reviewer, 消除 by the branch head: not the handler.
    for who, step, body in (
        ("officer", "feedback", {"feedback_on": "2025-10-10", "result": "新增保证人已签约"}),
        (
            "reviewer",
            "determine",
            {"determined_on": "2025-10-15", "confirmed": False, "opinion": "风险已化解"},
        ),
        ("head", "clear", {"cleared_on": "2025-10-20", "reason": "新增保证人已签约"}),
    ):
        answer = api.post(who, f"/loans/{LOAN}/warnings/{signal}/{step}", body)
        assert answer.status_code == 201, answer.text

    phone = api.post(
        "officer",
        f"/loans/{LOAN}/collection-steps",
        {
            "kind": "phone_call",
            "taken_on": "2025-09-06",
            "days_overdue": 36,
            "outcome": "借款人承诺月底还款",
            "promised_date": "2025-09-30",
        },
    )
    assert phone.status_code == 201, phone.text
    notice = api.upload(
        "am",
        f"/loans/{LOAN}/collection-steps",
        {
            "kind": "notice_served",
            "taken_on": "2025-09-10",
            "days_overdue": 40,
            "outcome": "已送达，借款人签收",
        },
        [
            ("collection_notice", ("逾期催收通知书.pdf", pdf("notice"), "application/pdf")),
            (
                "collection_receipt",
                ("催收通知书回执.pdf", pdf("receipt signed"), "application/pdf"),
            ),
        ],
    )
    assert notice.status_code == 201, notice.text

    restructured = api.upload(
        "head",
        f"/loans/{LOAN}/restructurings",
        {
            "restructured_on": "2025-10-15",
            "new_maturity_date": "2027-03-01",
            "new_interest_rate": "4.10%",
            "terms": "延长期限并按月等额还本",
            "reason": "借款人经营暂时困难但仍有还款意愿和能力",
        },
        [
            (
                "restructuring_agreement",
                ("贷款重组协议.pdf", pdf("restructuring agreement"), "application/pdf"),
            ),
            (
                "restructuring_approval",
                ("重组审批书.pdf", pdf("restructuring approval"), "application/pdf"),
            ),
        ],
    )
    assert restructured.status_code == 201, restructured.text
    assert (
        api.post(
            "officer",
            f"/loans/{LOAN}/overdue-status",
            {
                "as_of": "2025-10-15",
                "days_overdue": 0,
                "overdue_principal": "0.00",
                "overdue_interest": "0.00",
            },
        ).status_code
        == 201
    )

    for paid_on, principal in (("2025-11-15", "400000.00"), ("2025-12-15", "600000.00")):
        paid = api.post(
            "am",
            f"/loans/{LOAN}/repayments",
            {"paid_on": paid_on, "principal": principal, "interest": "3000.00"},
        )
        assert paid.status_code == 201, paid.text
    settled = api.upload(
        "am",
        f"/loans/{LOAN}/settlement",
        {"settled_on": "2025-12-15"},
        [("settlement_certificate", ("结清证明.pdf", pdf("settled"), "application/pdf"))],
    )
    assert settled.status_code == 201, settled.text
    assert api.get("am", f"/loans/{LOAN}").json()["status"] == "settled"

    events = api.get("auditor", f"/loans/{LOAN}/events").json()["data"]
    expected = [
        ("Disbursed", "account_manager"),
        ("InspectionRecorded", "account_manager"),
        ("OverdueStatusRecorded", "post_loan_officer"),
        ("ClassificationProposed", "account_manager"),
        ("ClassificationDetermined", "reviewer"),
        ("ClassificationApproved", "risk_manager"),
        ("WarningRaised", "post_loan_officer"),
        ("WarningHandled", "risk_manager"),
        ("WarningFeedbackGiven", "post_loan_officer"),
        ("WarningDetermined", "reviewer"),
        ("WarningCleared", "branch_head"),
        ("CollectionStepTaken", "post_loan_officer"),
        ("CollectionStepTaken", "account_manager"),
        ("Restructured", "branch_head"),
        ("OverdueStatusRecorded", "post_loan_officer"),
        ("RepaymentRecorded", "account_manager"),
        ("RepaymentRecorded", "account_manager"),
        ("Settled", "account_manager"),
    ]
    assert [(e["type"], e["role"]) for e in events] == expected
    assert [e["version"] for e in events] == list(range(1, len(expected) + 1))
    positions = [e["position"] for e in events]
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)
    assert all(e["actor_id"] for e in events)
    people = {e["type"]: e["actor_id"] for e in events}
    assert people["ClassificationProposed"] != people["ClassificationApproved"]
    assert people["ClassificationDetermined"] not in {
        people["ClassificationProposed"],
        people["ClassificationApproved"],
    }
    assert contract_hash in {d["sha256"] for d in events[0]["documents"]}
    assert events[1]["documents"][0]["sha256"] == hashlib.sha256(report).hexdigest()
    served = next(e for e in events if e["type"] == "CollectionStepTaken" and e["documents"])
    assert {d["doc_type"] for d in served["documents"]} == {
        "collection_notice",
        "collection_receipt",
    }
    assert events[5]["data"]["floor"] == "special_mention"

    dossier = api.get("am", f"/loans/{LOAN}/dossier").json()
    # Nine uploaded, and the first follow-up's generated 公司客户贷后检查报告.
    assert len(dossier["documents"]) == 10
    generated = [d for d in dossier["documents"] if d["filename"].endswith("first_follow_up.pdf")]
    assert [d["doc_type"] for d in generated] == ["first_inspection_report"]
    filed = {d["sha256"]: d for d in dossier["documents"]}
    assert filed[contract_hash]["evidences_version"] == 1
    original = api.get(
        "auditor", f"/loans/{LOAN}/documents/{contract_hash}?purpose=audit&original=true"
    )
    assert original.status_code == 200, original.text
    assert hashlib.sha256(original.content).hexdigest() == contract_hash
    assert original.headers["content-type"] == "application/pdf"

    copy = api.get("am", f"/loans/{LOAN}/documents/{contract_hash}?purpose=business")
    assert copy.status_code == 200, copy.text
    assert copy.headers["x-original-sha256"] == contract_hash
    assert hashlib.sha256(copy.content).hexdigest() == copy.headers["x-content-sha256"]
    assert hashlib.sha256(copy.content).hexdigest() != contract_hash
    stamped = PdfReader(io.BytesIO(copy.content)).pages[0].extract_text()
    assert "张伟" in stamped
    assert "AM001" in stamped
    assert "业务需要" in stamped
    refused = api.get("am", f"/loans/{LOAN}/documents/{contract_hash}?purpose=audit&original=true")
    assert refused.status_code == 403

    reads = [
        e
        for e in api.get("auditor", f"/loans/{LOAN}/dossier/events").json()["data"]
        if e["type"] == "DocumentRead"
    ]
    assert [(r["role"], r["data"]["watermarked"], r["data"]["purpose"]) for r in reads] == [
        ("auditor", False, "audit"),
        ("account_manager", True, "business"),
    ]
    assert reads[1]["data"]["copy_sha256"] == copy.headers["x-content-sha256"]


def test_a_disbursement_names_who_investigated_reviewed_and_approved_and_reads_them_back(
    api: Api,
) -> None:
    ids = {s["staff_no"]: s["id"] for s in api.get("auditor", "/staff").json()["data"]}
    disburse(api, "DK2025000102", origination_reviewer="RV001", approver="BH001")
    disburse(api, "DK2025000103", investigator="AM002", approver="RM001")
    disburse(api, "DK2025000104")

    named = api.get("auditor", "/loans/DK2025000102").json()
    assert (
        named["account_manager_id"],
        named["investigator_id"],
        named["origination_reviewer_id"],
        named["approver_id"],
    ) == (ids["AM001"], ids["AM001"], ids["RV001"], ids["BH001"])
    other = api.get("auditor", "/loans/DK2025000103").json()
    assert (other["investigator_id"], other["origination_reviewer_id"], other["approver_id"]) == (
        ids["AM002"],
        None,
        ids["RM001"],
    )
    unnamed = api.get("auditor", "/loans/DK2025000104").json()
    assert (unnamed["investigator_id"], unnamed["origination_reviewer_id"]) == (ids["AM001"], None)
    assert unnamed["approver_id"] is None

    listed = {x["loan_no"]: x for x in api.get("auditor", "/loans").json()["data"]}
    assert listed["DK2025000102"]["approver_id"] == ids["BH001"]
    (disbursed,) = api.get("auditor", "/loans/DK2025000102/events").json()["data"]
    assert disbursed["data"]["origination_reviewer_id"] == ids["RV001"]
    assert disbursed["data"]["approver_id"] == ids["BH001"]
