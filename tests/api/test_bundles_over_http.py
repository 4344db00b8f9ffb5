"""POST /loans/{loan_no}/audit-bundles: the zip downloads and the standalone verifier accepts it.

An auditor asks for a loan's audit bundle and gets a zip (201) naming the bundle and the
checkpoint's tree size in its headers; ``dossier_verify`` checks it offline, and the issue is in
the dossier's trail as reads and as an ``AuditBundle`` event. An account manager gets 403 with
the error body, and nothing is recorded.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from uuid import UUID

from domain.integrity import AuditBundle
from dossier_verify import verify_path
from tests.api.conftest import Api, disburse, pdf

LOAN = "JJ2025070100088"


def test_an_auditor_downloads_a_zip_that_verifies(api: Api, tmp_path: Path) -> None:
    disburse(api, LOAN)
    filed = api.upload(
        "am",
        f"/loans/{LOAN}/dossier/documents",
        {"stage": "disbursement"},
        [
            (
                "registration_certificate",
                ("抵押登记证明.pdf", pdf("registration"), "application/pdf"),
            )
        ],
    )
    assert filed.status_code == 201, filed.text

    answer = api.post("auditor", f"/loans/{LOAN}/audit-bundles", {"purpose": "年度审计"})

    assert answer.status_code == 201, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert f"audit-bundle-{LOAN}.zip" in answer.headers["content-disposition"]
    bundle_id = UUID(answer.headers["X-Bundle-Id"])
    tree_size = int(answer.headers["X-Checkpoint-Size"])
    zipped = tmp_path / "downloaded.zip"
    zipped.write_bytes(answer.content)
    report = verify_path(zipped)
    assert report.ok, report.problems
    assert report.documents == 3
    assert report.checkpoint["tree_size"] == tree_size

    recorded = api.archive.repository.get(bundle_id)
    assert isinstance(recorded, AuditBundle)
    assert recorded.purpose == "年度审计"
    assert recorded.tree_size == tree_size
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        [tagmanifest] = [n for n in archive.namelist() if n.endswith("/tagmanifest-sha256.txt")]
        digest = hashlib.sha256(archive.read(tagmanifest)).hexdigest()
    assert recorded.tagmanifest_sha256 == digest == answer.headers["X-Tagmanifest-SHA256"]

    reads = api.get("auditor", f"/loans/{LOAN}/dossier/events").json()["data"]
    assert sum(1 for e in reads if e["type"] == "DocumentRead") == 3


def test_an_account_manager_gets_403_and_nothing_is_recorded(api: Api) -> None:
    disburse(api, LOAN)
    before = api.counts()

    answer = api.post("am", f"/loans/{LOAN}/audit-bundles", {"purpose": "想看看"})

    assert answer.status_code == 403, answer.text
    assert answer.json()["error"] == "role_not_permitted"
    assert api.counts() == before

    blank = api.post("auditor", f"/loans/{LOAN}/audit-bundles", {"purpose": ""})
    assert blank.status_code == 422
    unknown = api.post("auditor", "/loans/JJ0000000000/audit-bundles", {"purpose": "审计"})
    assert unknown.status_code == 404
    assert api.counts() == before
