"""The archive office over HTTP: transfer, receipt, catalogue, holds, appraisal, retention.

Each refusal answers with its status and bilingual error body and leaves events, blobs and data
keys as they were.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.api.conftest import Api, disburse

LOAN = "JJ-HTTP-ARCH-1"
D = f"/loans/{LOAN}/dossier"
ITEMS = [
    {"doc_type": "loan_contract", "title": "借款合同", "pages": 6},
    {"doc_type": "guarantee_contract", "title": "保证合同", "pages": 4},
]


def compliance(api: Api) -> None:
    answer = api.post(
        "admin",
        "/staff",
        {"staff_no": "CP001", "name": "郑洁", "branch": "总行", "roles": ["compliance"]},
    )
    assert answer.status_code == 201, answer.text
    api.headers["compliance"] = {"Authorization": f"Bearer {answer.json()['token']}"}


def refused(api: Api, who: str, path: str, body: dict[str, Any], status: int, code: str) -> None:
    before = api.counts()
    answer = api.post(who, path, body)
    assert answer.status_code == status, answer.text
    error = answer.json()
    assert error["error"] == code
    assert error["detail"]["zh"]
    assert error["detail"]["en"]
    assert api.counts() == before


def test_the_archive_office_over_http(api: Api) -> None:
    compliance(api)
    disburse(api, LOAN)
    transfer = {"kind": "originals", "items": ITEMS, "listed_on": "2025-03-03"}
    refused(api, "archivist", f"{D}/transfers", transfer, 403, "role_not_permitted")
    listed = api.post("am", f"{D}/transfers", transfer)
    assert listed.status_code == 201, listed.text
    assert listed.json()["ids"]["due_on"] == "2025-03-05"  # signed Sat 1 March → Wed 5th
    # The refused listing took no number: the first transfer list of the year is 0001.
    assert listed.json()["ids"]["transfer_no"] == "移交〔2025〕第0001号"
    transfer_id = listed.json()["ids"]["transfer_id"]

    receipt = {
        "checks": [
            {"item_no": 1, "condition": "present", "pages_counted": 6},
            {"item_no": 2, "condition": "damaged", "pages_counted": 4, "note": "水渍"},
        ],
        "received_on": "2025-03-04",
    }
    refused(api, "am", f"{D}/transfers/{transfer_id}/receive", receipt, 403, "role_not_permitted")
    short = {"checks": receipt["checks"][:1], "received_on": "2025-03-04"}
    refused(
        api, "archivist", f"{D}/transfers/{transfer_id}/receive", short, 422, "receipt_mismatch"
    )
    got = api.post("archivist", f"{D}/transfers/{transfer_id}/receive", receipt)
    assert got.status_code == 201, got.text
    defect_id = got.json()["ids"]["defect:2"]
    refused(
        api,
        "archivist",
        f"{D}/transfers/{transfer_id}/receive",
        receipt,
        409,
        "transfer_already_received",
    )
    cleared = api.post(
        "archivist",
        f"{D}/defects/{defect_id}/clear",
        {"cleared_on": "2025-03-10", "note": "已修复"},
    )
    assert cleared.status_code == 201, cleared.text

    full = {"kind": "full", "items": ITEMS, "listed_on": "2025-04-01"}
    refused(api, "am", f"{D}/transfers", full, 409, "loan_not_closed")

    shelf = {"shelf_location": "2-03-05-2", "catalogued_on": "2025-03-11"}
    refused(api, "am", f"{D}/catalogue", shelf, 403, "role_not_permitted")
    catalogued = api.post("archivist", f"{D}/catalogue", shelf)
    assert catalogued.status_code == 201, catalogued.text
    assert catalogued.json()["ids"]["reference_code"] == "J001-XD·2025-D30-XDB-0001"
    refused(api, "archivist", f"{D}/catalogue", shelf, 409, "already_catalogued")

    hold = {
        "kind": "litigation",
        "reason": "借款人涉诉",
        "reference": "(2025)浙0102民初9号",
        "placed_on": "2025-05-01",
    }
    refused(api, "archivist", f"{D}/holds", hold, 403, "role_not_permitted")
    placed = api.post("compliance", f"{D}/holds", hold)
    assert placed.status_code == 201, placed.text
    hold_id = placed.json()["ids"]["hold_id"]
    release = {"reason": "已结案", "released_on": "2025-06-01"}
    assert api.post("auditor", f"{D}/holds/{hold_id}/release", release).status_code == 201
    refused(api, "auditor", f"{D}/holds/{hold_id}/release", release, 409, "hold_already_released")

    appraisal = {"opened_on": "2025-06-02", "group_nos": ["AR001", "AU001"]}
    # Not settled yet: retention has not started.
    refused(api, "archhead", f"{D}/appraisals", appraisal, 409, "retention_not_started")
    refused(api, "archivist", f"{D}/appraisals", appraisal, 403, "role_not_permitted")
    extend = {"ends_on": "2099-12-31", "reason": "延长", "extended_on": "2025-06-02"}
    refused(api, "archhead", f"{D}/retention/extend", extend, 409, "retention_not_started")

    past = api.get("archhead", "/archive/past-retention", params={"on": "2100-01-01"})
    assert past.status_code == 200, past.text
    assert past.json() == {"data": [], "count": 0}


def test_after_settlement_the_dossier_expires_and_is_appraised(api: Api) -> None:
    disburse(api, LOAN)
    listed = api.post(
        "am", f"{D}/transfers", {"kind": "originals", "items": ITEMS[:1], "listed_on": "2025-03-03"}
    )
    transfer_id = listed.json()["ids"]["transfer_id"]
    checks = [{"item_no": 1, "condition": "present", "pages_counted": 6}]
    api.post(
        "archivist",
        f"{D}/transfers/{transfer_id}/receive",
        {"checks": checks, "received_on": "2025-03-04"},
    )
    api.post(
        "archivist", f"{D}/catalogue", {"shelf_location": "1-01", "catalogued_on": "2025-03-05"}
    )
    repaid = api.post(
        "am",
        f"/loans/{LOAN}/repayments",
        {"paid_on": "2025-09-01", "principal": "1000000.00", "interest": "0"},
    )
    assert repaid.status_code == 201, repaid.text
    settled = api.post("am", f"/loans/{LOAN}/settlement", {"settled_on": "2025-09-01"})
    assert settled.status_code == 201, settled.text

    # Retention D30 from 1 January 2026: the last day is 31 December 2055. The clock moves on
    # past it (staff keep their roles): nothing may be dated after today.
    api.archive.clock = lambda: datetime(2056, 3, 1, 9, tzinfo=UTC)
    assert (
        api.get("archhead", "/archive/past-retention", params={"on": "2055-12-31"}).json()["count"]
        == 0
    )
    past = api.get("archhead", "/archive/past-retention", params={"on": "2056-01-01"}).json()
    assert past["count"] == 1
    assert past["data"][0]["reference_code"] == "J001-XD·2025-D30-XDB-0001"
    assert past["data"][0]["retention_ends_on"] == "2055-12-31"

    early = {"opened_on": "2055-12-31", "group_nos": ["AR001", "AU001"]}
    refused(api, "archhead", f"{D}/appraisals", early, 409, "retention_not_expired")
    alone = {"opened_on": "2056-01-02", "group_nos": ["AR001", "AR001"]}
    refused(api, "archhead", f"{D}/appraisals", alone, 403, "appraisal_group_too_small")
    opened = api.post(
        "archhead", f"{D}/appraisals", {"opened_on": "2056-01-02", "group_nos": ["AR001", "AU001"]}
    )
    assert opened.status_code == 201, opened.text
    appraisal_id = opened.json()["ids"]["appraisal_id"]
    decided = api.post(
        "archhead",
        f"{D}/appraisals/{appraisal_id}/decide",
        {"opinion": "extend", "text": "仍在追偿", "decided_on": "2056-01-05"},
    )
    assert decided.status_code == 201, decided.text
    extended = api.post(
        "archhead",
        f"{D}/retention/extend",
        {
            "ends_on": "2060-12-31",
            "reason": "鉴定意见",
            "extended_on": "2056-01-06",
            "appraisal_id": appraisal_id,
        },
    )
    assert extended.status_code == 201, extended.text
    assert (
        api.get("archhead", "/archive/past-retention", params={"on": "2056-02-01"}).json()["count"]
        == 0
    )
