"""OFD (GB/T 33190) over HTTP: a benign package is filed with its page count and read back,
recorded, as the original (no watermark, and the answer says why); a hostile one is refused
with 422 ``document_rejected`` naming the reason in Chinese and English, and nothing is
recorded or stored.

The packages are built in the test with ``zipfile`` (``tests/archive/hostile.py``).
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tests.api.conftest import Api, answered, disburse
from tests.api.test_hostile_inputs_over_http import INSPECTION
from tests.api.test_refusals_over_http import refused
from tests.archive.hostile import KINDS, OFD, make_jpeg, make_ofd

LOAN = "DK2025000881"
HOSTILE_OFDS = sorted(k for k in KINDS if k.startswith("ofd_"))


def _file_report(api: Api, filename: str, data: bytes, media_type: str = OFD) -> Any:
    return api.upload(
        "am",
        f"/loans/{LOAN}/inspections",
        {**INSPECTION, **answered()},
        [
            ("site_photo", ("现场照片.jpg", make_jpeg(), "image/jpeg")),
            ("inspection_report", (filename, data, media_type)),
        ],
    )


def _filed(api: Api, filename: str) -> dict[str, Any]:
    documents = api.get("am", f"/loans/{LOAN}/dossier").json()["documents"]
    (document,) = [d for d in documents if d["filename"] == filename]
    return dict(document)


def test_a_benign_ofd_is_filed_with_its_pages_and_read_back_as_the_original(api: Api) -> None:
    disburse(api, LOAN)
    package = make_ofd()
    before = api.counts()

    answer = _file_report(api, "还款凭证.ofd", package)

    assert answer.status_code == 201, answer.text
    filed = _filed(api, "还款凭证.ofd")
    assert filed["media_type"] == "application/ofd"
    assert filed["pages"] == 2
    assert filed["sha256"] == hashlib.sha256(package).hexdigest()
    events, blobs, _keys = api.counts()
    assert events > before[0]
    assert blobs > before[1]  # the OFD, the photo and the generated inspection form

    stored = api.counts()
    copy = api.get("am", f"/loans/{LOAN}/documents/{filed['sha256']}?purpose=business")

    assert copy.status_code == 200, copy.text
    assert copy.content == package
    assert copy.headers["content-type"] == "application/ofd"
    assert copy.headers["x-watermarked"] == "false"
    assert "no maintained library stamps OFD" in copy.headers["x-watermark-note"]
    assert copy.headers["x-content-sha256"] == filed["sha256"]
    assert "filename*=UTF-8''%E8%BF%98" in copy.headers["content-disposition"]
    assert api.counts() == (stored[0] + 1, stored[1], stored[2])  # the read, nothing stored
    reads = [
        e
        for e in api.get("auditor", f"/loans/{LOAN}/dossier/events").json()["data"]
        if e["type"] == "DocumentRead"
    ]
    assert [(r["role"], r["data"]["watermarked"], r["data"]["sha256"]) for r in reads] == [
        ("account_manager", False, filed["sha256"])
    ]
    assert reads[0]["data"]["copy_sha256"] == filed["sha256"]


def test_a_pdf_is_still_watermarked_and_carries_no_ofd_note(api: Api) -> None:
    contract = disburse(api, LOAN)
    sha = next(d["sha256"] for d in contract["documents"] if d["doc_type"] == "loan_contract")

    copy = api.get("am", f"/loans/{LOAN}/documents/{sha}?purpose=business")

    assert copy.status_code == 200, copy.text
    assert copy.headers["x-watermarked"] == "true"
    assert "x-watermark-note" not in copy.headers


@pytest.mark.parametrize("kind", HOSTILE_OFDS)
def test_a_hostile_ofd_is_refused_with_its_reason_and_changes_nothing(api: Api, kind: str) -> None:
    disburse(api, LOAN)
    hostile = KINDS[kind]()
    before = api.counts()

    answer = _file_report(api, hostile.filename, hostile.data, hostile.media_type)

    body = refused(api, answer, before, 422, "document_rejected")
    assert hostile.reason in body["detail"]["en"], body
    assert hostile.filename in body["detail"]["zh"], body


def test_an_electronic_copy_of_a_dossier_holding_an_ofd_is_refused_and_changes_nothing(
    api: Api,
) -> None:
    disburse(api, LOAN)
    assert _file_report(api, "还款凭证.ofd", make_ofd()).status_code == 201
    request = {
        "purpose": "audit",
        "form": "electronic_copy",
        "reason": "年度审计抽查",
        "requested_on": "2025-06-02",
        "due_on": "2025-06-09",
    }
    asked = api.post("auditor", f"/loans/{LOAN}/dossier/borrowings", request)
    assert asked.status_code == 201, asked.text
    borrowing = asked.json()["aggregate_id"]
    assert api.post("archhead", f"/borrowings/{borrowing}/approve", {}).status_code == 201
    before = api.counts()

    answer = api.post(
        "archivist", f"/borrowings/{borrowing}/electronic-copy", {"issued_on": "2025-06-02"}
    )

    body = refused(api, answer, before, 409, "copy_not_stampable")
    assert "还款凭证.ofd" in body["detail"]["en"]
    assert "OFD takes no watermark" in body["detail"]["en"]


def test_a_filed_ofd_passes_the_fixity_check_that_reinspects_it(api: Api) -> None:
    disburse(api, LOAN)
    package = make_ofd()
    assert _file_report(api, "还款凭证.ofd", package).status_code == 201

    checked = api.post("auditor", f"/loans/{LOAN}/dossier/fixity-checks")

    assert checked.status_code == 201, checked.text
    results = {r["sha256"]: r["status"] for r in checked.json()["results"]}
    assert results[hashlib.sha256(package).hexdigest()] == "intact"
    assert checked.json()["passed"] is True
