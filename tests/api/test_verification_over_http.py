"""``POST /api/v1/integrity/verifications``: the whole verification over HTTP, recorded.

An auditor (or compliance) runs it and gets 201 with the report and the recorded run's id,
which ``GET /integrity/verifications/{id}`` reads back; a run that finds a discrepancy is
recorded and answered all the same. An account manager is refused with 403 and nothing is
recorded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api.composition import Integrity
from tests.api.conftest import Api, disburse

LOAN = "JJ-HTTP-VERIFY-1"


def sealed(api: Api) -> Integrity:
    """One loan with its two PDFs, sealed into a checkpoint by the app's own sealer."""
    disburse(api, LOAN)
    integrity: Integrity = api.client.app.state.integrity  # type: ignore[attr-defined]
    integrity.sealer.catch_up()
    integrity.sealer.seal()
    assert integrity.store.latest_checkpoint() is not None
    return integrity


def run(api: Api, who: str, body: dict[str, Any] | None = None) -> Any:
    return api.post(who, "/integrity/verifications", body)


def test_an_auditor_verifies_the_record_and_reads_the_recorded_run_back(api: Api) -> None:
    integrity = sealed(api)

    answer = run(api, "auditor")

    assert answer.status_code == 201, answer.text
    body = answer.json()
    report = body["report"]
    assert report["intact"] is True
    assert report["discrepancies"] == []
    assert report["documents_checked"] == 2
    latest = integrity.store.latest_checkpoint()
    assert latest is not None
    assert report["tree_size"] == latest.tree_size
    assert answer.headers["Location"] == f"/api/v1/integrity/verifications/{body['run_id']}"

    read = api.get("auditor", f"/integrity/verifications/{body['run_id']}")
    assert read.status_code == 200, read.text
    recorded = read.json()
    assert recorded["intact"] is True
    assert recorded["events_checked"] == report["events_checked"]
    assert recorded["tree_size"] == report["tree_size"]
    assert recorded["role"] == "auditor"


def test_a_run_that_finds_a_missing_document_is_answered_and_recorded(
    api: Api, tmp_path: Path
) -> None:
    sealed(api)
    blob = next(p for p in (tmp_path / "blobs").rglob("*") if p.is_file() and "." not in p.name)
    blob.unlink()

    answer = run(api, "auditor")

    assert answer.status_code == 201, answer.text
    report = answer.json()["report"]
    assert report["intact"] is False
    [finding] = report["discrepancies"]
    assert finding["check"] == "document_missing"
    assert finding["document"] == {"dossier_id": blob.parent.name, "sha256": blob.name}
    recorded = api.get("auditor", f"/integrity/verifications/{answer.json()['run_id']}").json()
    assert recorded["intact"] is False
    assert recorded["discrepancy_count"] == 1
    assert recorded["discrepancies"][0]["check"] == "document_missing"

    # The log and checkpoints alone still verify.
    logs_only = run(api, "auditor", {"documents": False})
    assert logs_only.status_code == 201, logs_only.text
    assert logs_only.json()["report"]["intact"] is True
    assert logs_only.json()["report"]["documents"] is False


def test_an_account_manager_may_not_verify_or_read_a_run(api: Api) -> None:
    sealed(api)
    before = api.counts()

    refused = run(api, "am")

    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]
    assert refused.json()["detail"]["zh"]
    assert refused.json()["detail"]["en"]
    assert api.counts() == before
    made = run(api, "auditor").json()
    assert api.get("am", f"/integrity/verifications/{made['run_id']}").status_code == 403


def test_an_unknown_run_is_404(api: Api) -> None:
    answer = api.get("auditor", "/integrity/verifications/00000000-0000-4000-8000-000000000000")
    assert answer.status_code == 404, answer.text


def test_a_management_papers_damaged_pdf_is_found_like_a_dossiers(api: Api, tmp_path: Path) -> None:
    """A work report sent up is kept under the paper's own key: verify reads it back too."""
    from tests.api.procedures.test_management_papers import REPORT, draft

    made = draft(api, "officer", REPORT)
    assert made.status_code == 201, made.text
    paper_id = made.json()["ids"]["paper_id"]
    sealed(api)
    [blob] = [p for p in (tmp_path / "blobs" / paper_id).rglob("*") if "." not in p.name]
    blob.write_bytes(b"not the report any more")

    report = run(api, "auditor").json()["report"]
    assert report["intact"] is False
    [finding] = report["discrepancies"]
    assert finding["check"] == "document_undecryptable"
    assert finding["document"] == {"dossier_id": paper_id, "sha256": blob.name}
