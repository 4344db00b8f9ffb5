"""Fixity checks over HTTP, and what is actually on disk after filing over HTTP."""

from __future__ import annotations

import io
from pathlib import Path

from storage.envelope import EncryptingBlobStore
from tests.api.conftest import Api, disburse
from tests.factories import make_plain_pdf

LOAN = "DK2025000401"


def test_a_dossier_fixity_check_over_http_is_recorded_and_names_damage(api: Api) -> None:
    disburse(api, LOAN)
    ok = api.post("auditor", f"/loans/{LOAN}/dossier/fixity-checks")
    assert ok.status_code == 201, ok.text
    assert ok.json()["passed"] is True
    assert {r["status"] for r in ok.json()["results"]} == {"intact"}

    blobs = api.archive.blobs
    assert isinstance(blobs, EncryptingBlobStore)
    dossier_id = ok.json()["dossier_id"]
    victim = next(k for k in blobs.keys() if k.startswith(dossier_id))  # noqa: SIM118
    blobs.inner.delete(victim)

    failed = api.post("auditor", "/integrity/fixity-checks").json()
    assert failed["passed"] is False
    [dossier] = failed["failures"]
    assert [(r["sha256"], r["status"]) for r in dossier["results"] if r["status"] != "intact"] == [
        (victim.rsplit("/", 1)[1], "missing")
    ]
    events = api.get("auditor", f"/loans/{LOAN}/dossier/events").json()["data"]
    assert [e["data"]["passed"] for e in events if e["type"] == "FixityChecked"] == [True, False]
    assert api.post("am", f"/loans/{LOAN}/dossier/fixity-checks").status_code == 403


def test_no_stored_byte_holds_the_plaintext_of_a_document_filed_over_http(
    api: Api, tmp_path: Path
) -> None:
    marker = "PLAINTEXT-MARKER-5d41402abc"
    plain = make_plain_pdf(f"Loan contract {marker}")
    assert marker.encode() in plain
    answer = api.upload(
        "am",
        "/loans",
        {**_facts(), "loan_no": LOAN},
        [("loan_contract", ("contract.pdf", plain, "application/pdf"))],
    )
    assert answer.status_code == 201, answer.text
    stored = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any("blobs" in p.parts for p in stored)
    for path in stored:
        assert marker.encode() not in path.read_bytes(), path


def _facts() -> dict[str, str]:
    from tests.api.conftest import DISBURSEMENT

    return dict(DISBURSEMENT)


def test_damaged_stored_content_is_never_served_and_no_read_is_recorded(api: Api) -> None:
    disbursed = disburse(api, "DK2025000402")
    sha256 = disbursed["documents"][0]["sha256"]
    blobs = api.archive.blobs
    assert isinstance(blobs, EncryptingBlobStore)
    key = next(k for k in blobs.keys() if k.endswith(sha256))  # noqa: SIM118
    raw = bytearray(blobs.inner.get(key))
    raw[len(raw) // 2] ^= 0x01
    blobs.inner.delete(key)
    blobs.inner.put(key, io.BytesIO(bytes(raw)))
    before = api.counts()

    answer = api.get("auditor", f"/loans/DK2025000402/documents/{sha256}?purpose=audit")

    assert answer.status_code == 500
    assert answer.json()["error"] == "stored_document_altered"
    assert sha256 in answer.json()["detail"]["en"]
    assert api.counts() == before
