"""A loan's collateral (押品) over HTTP: registered, its certificate lodged, taken out and
returned by two archivists, revalued, insured, released — then read back; and the refusals,
each with its status and bilingual error body, changing nothing.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.conftest import Api, disburse, pdf
from tests.archive.test_collateral import FILED_IN_ITS_LIFE

LOAN = "DK2025000301"
NO = "YP2025-0001"
BASE = f"/loans/{LOAN}/collateral"
CUSTODIANS = ["AR001", "AR002"]
CJK = re.compile(r"[\u4e00-\u9fff]")

REGISTRATION = {
    "collateral_no": NO,
    "kind": "real_estate",
    "description": "杭州市西湖区示例路 88 号厂房",
    "owner_name": "杭州示例机械制造有限公司",
    "appraised_value": "2500000.00",
    "appraised_on": "2025-02-20",
    "registration_no": "浙(2025)杭州市不动产证明第0012345号",
    "registered_on": "2025-02-26",
}
LODGING = {"certificate_no": "0012345", "lodged_on": "2025-03-02", "custodian_nos": CUSTODIANS}


def document(doc_type: str, text: str) -> tuple[str, tuple[str, bytes, str]]:
    return doc_type, (f"{doc_type}.pdf", pdf(text), "application/pdf")


def created(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def refused(api: Api, answer: Any, before: tuple[int, int, int], status: int, error: str) -> Any:
    """Assert the refusal's status, error code, bilingual detail — and that nothing changed."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["error"] == error, body
    assert CJK.search(body["detail"]["zh"]), body
    assert re.search(r"[a-z]", body["detail"]["en"]), body
    assert api.counts() == before, "a refused command must record nothing and store nothing"
    return body


@pytest.fixture
def registered(api: Api) -> Api:
    """A loan disbursed, with a flat registered as its collateral."""
    disburse(api, LOAN)
    created(api.post("am", BASE, REGISTRATION))
    return api


def test_a_collateral_lives_its_whole_life_over_http_and_reads_back(api: Api) -> None:
    disburse(api, LOAN)
    registration = created(
        api.upload(
            "am",
            BASE,
            REGISTRATION,
            [
                document("mortgage_contract", "mortgage contract"),
                document("valuation_report", "valuation report"),
                document("registration_certificate", "registration certificate"),
            ],
        )
    )
    collateral_id = registration["ids"]["collateral_id"]
    assert (registration["aggregate_id"], registration["version"]) == (collateral_id, 1)
    assert registration["events"] == ["Registered"]

    steps: list[tuple[str, str, dict[str, Any], list[Any]]] = [
        ("archivist", "lodge", LODGING, [document("custody_form", "lodged")]),
        (
            "archivist2",
            "take-out",
            {
                "taken_out_on": "2025-06-01",
                "purpose": "办理抵押变更登记",
                "custodian_nos": CUSTODIANS,
            },
            [document("custody_form", "taken out")],
        ),
        (
            "archivist",
            "return",
            {"returned_on": "2025-06-03", "custodian_nos": CUSTODIANS},
            [document("custody_form", "returned")],
        ),
        (
            "officer",
            "revalue",
            {"revalued_on": "2025-07-01", "value": "2200000.00"},
            [document("revaluation_report", "revaluation")],
        ),
        (
            "officer",
            "insurance/renew",
            {
                "policy_no": "PICC-2025-001",
                "insurer": "中国人民财产保险",
                "expires_on": "2026-02-28",
            },
            [document("insurance_policy", "policy")],
        ),
    ]
    for who, action, body, files in steps:
        created(api.upload(who, f"{BASE}/{NO}/{action}", body, files))
    created(api.post("officer", f"{BASE}/{NO}/insurance/lapse", {"lapsed_on": "2025-09-01"}))
    released = api.upload(
        "head",
        f"{BASE}/{NO}/release",
        {"released_on": "2025-10-15", "reason": "借款人以存单置换抵押物"},
        [document("release_certificate", "released")],
    )
    assert created(released)["version"] == 8
    assert released.headers["etag"] == '"8"'

    listed = api.get("am", BASE).json()
    assert listed["count"] == 1
    (state,) = listed["data"]
    assert state["id"] == collateral_id
    assert (state["status"], state["certificate_status"]) == ("released", "released")
    assert (state["value"], state["appraised_value"]) == ("2200000.00", "2500000.00")
    assert (state["kind"], state["insurance_status"]) == ("real_estate", "lapsed")
    assert len(state["custodian_ids"]) == 2
    one = api.get("auditor", f"{BASE}/{NO}")
    assert one.status_code == 200
    assert (one.json(), one.headers["etag"]) == (state, '"8"')

    events = api.get("auditor", f"{BASE}/{NO}/events").json()["data"]
    assert [(e["type"], e["role"]) for e in events] == [
        ("Registered", "account_manager"),
        ("CertificateLodged", "archivist"),
        ("CertificateTakenOut", "archivist"),
        ("CertificateReturned", "archivist"),
        ("Revalued", "post_loan_officer"),
        ("InsuranceRenewed", "post_loan_officer"),
        ("InsuranceLapsed", "post_loan_officer"),
        ("Released", "branch_head"),
    ]
    assert events[1]["actor_id"] != events[2]["actor_id"]
    assert {events[1]["actor_id"], events[2]["actor_id"]} == set(events[1]["data"]["custodian_ids"])
    assert events[4]["data"]["previous_value"] == "2500000.00"

    dossier = api.get("am", f"/loans/{LOAN}/dossier").json()
    evidence = [
        (d["doc_type"], d["evidences_version"])
        for d in dossier["documents"]
        if d["evidences_id"] == collateral_id
    ]
    assert evidence == FILED_IN_ITS_LIFE


def test_an_account_manager_may_not_move_a_certificate(registered: Api) -> None:
    api = registered
    before = api.counts()

    answer = api.upload(
        "am", f"{BASE}/{NO}/lodge", LODGING, [document("custody_form", "by the wrong person")]
    )

    body = refused(api, answer, before, 403, "role_not_permitted")
    assert "archivist" in body["detail"]["en"]


def test_one_custodian_alone_may_not_lodge_a_certificate(registered: Api) -> None:
    api = registered
    before = api.counts()

    answer = api.upload(
        "archivist",
        f"{BASE}/{NO}/lodge",
        {**LODGING, "custodian_nos": ["AR001"]},
        [document("custody_form", "alone")],
    )

    body = refused(api, answer, before, 403, "segregation_of_duties")
    assert "two different custodians" in body["detail"]["en"]


def test_a_certificate_in_the_vault_is_not_lodged_twice(registered: Api) -> None:
    api = registered
    created(api.post("archivist", f"{BASE}/{NO}/lodge", LODGING))
    before = api.counts()

    answer = api.upload(
        "archivist2",
        f"{BASE}/{NO}/lodge",
        {**LODGING, "lodged_on": "2025-03-03"},
        [document("custody_form", "twice")],
    )

    body = refused(api, answer, before, 409, "invalid_transition")
    assert body["context"]["certificate_status"] == "in_vault"


def test_nothing_is_recorded_on_a_released_collateral(registered: Api) -> None:
    api = registered
    created(
        api.post("head", f"{BASE}/{NO}/release", {"released_on": "2025-04-01", "reason": "置换"})
    )
    before = api.counts()

    answer = api.upload(
        "officer",
        f"{BASE}/{NO}/revalue",
        {"revalued_on": "2025-05-01", "value": "100.00"},
        [document("revaluation_report", "after release")],
    )

    body = refused(api, answer, before, 409, "invalid_transition")
    assert "released" in body["detail"]["en"]
    assert refused(
        api,
        api.post("archivist", f"{BASE}/{NO}/lodge", LODGING),
        before,
        409,
        "invalid_transition",
    )


def test_before_settlement_an_account_manager_may_not_release_collateral(
    registered: Api,
) -> None:
    api = registered
    before = api.counts()

    answer = api.post("am", f"{BASE}/{NO}/release", {"released_on": "2025-04-01", "reason": "解押"})

    body = refused(api, answer, before, 403, "role_not_permitted")
    assert body["context"]["allowed"] == ["branch_head"]


def test_collateral_on_an_unknown_loan_is_not_found(api: Api) -> None:
    before = api.counts()

    answer = api.upload(
        "am",
        "/loans/DK-NO-SUCH/collateral",
        REGISTRATION,
        [document("valuation_report", "nowhere")],
    )

    body = refused(api, answer, before, 404, "not_found")
    assert "DK-NO-SUCH" in body["detail"]["en"]
    assert api.get("am", "/loans/DK-NO-SUCH/collateral").status_code == 404


def test_an_unknown_collateral_is_not_found(registered: Api) -> None:
    api = registered
    before = api.counts()

    answer = api.post("archivist", f"{BASE}/YP-NONE/lodge", LODGING)

    refused(api, answer, before, 404, "not_found")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"appraised_value": "-1.00"}, "appraised_value"),
        ({"kind": "castle"}, "kind"),
        ({"collateral_no": "押品/1"}, "collateral_no"),
        ({"registered_on": "2025-02-30"}, "registered_on"),
        ({"actor_id": "00000000-0000-0000-0000-000000000000"}, "actor_id"),
    ],
)
def test_a_malformed_registration_is_refused_naming_the_field(
    api: Api, change: dict[str, Any], field: str
) -> None:
    disburse(api, LOAN)
    before = api.counts()

    answer = api.upload(
        "am", BASE, {**REGISTRATION, **change}, [document("valuation_report", "malformed")]
    )

    body = refused(api, answer, before, 422, "invalid_input")
    assert field in [p["field"] for p in body["context"]["problems"]]
