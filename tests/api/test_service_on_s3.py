"""The service as configured for production documents: encrypted objects in an S3 bucket.

Runs against the real SeaweedFS the tests start; the event store is each backend in turn.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.composition import build_archive
from api.metrics import CountedBlobStore
from api.settings import Settings
from archive.commands.integrity import CheckFixity
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from domain.values import Role
from storage.envelope import EncryptingBlobStore
from storage.s3.store import S3BlobStore
from tests.factories import make_disbursement, make_plain_pdf
from tests.storage.seaweed import SeaweedFS, unique_bucket


def test_documents_filed_through_the_service_are_encrypted_objects_in_s3(
    seaweedfs: SeaweedFS, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = unique_bucket()
    monkeypatch.setenv("DOSSIER_BLOB_STORE", "s3")
    monkeypatch.setenv("DOSSIER_S3_ENDPOINT", seaweedfs.endpoint)
    monkeypatch.setenv("DOSSIER_S3_SECURE", "false")
    monkeypatch.setenv("DOSSIER_S3_BUCKET", bucket)
    monkeypatch.setenv("DOSSIER_S3_ACCESS_KEY", seaweedfs.access_key)
    monkeypatch.setenv("DOSSIER_S3_SECRET_KEY", seaweedfs.secret_key)
    marker = "S3-PLAINTEXT-MARKER-7f3a"
    plain = make_plain_pdf(f"Loan contract {marker}")
    assert marker.encode() in plain

    archive = build_archive(Settings())
    try:
        blobs = archive.blobs
        assert isinstance(blobs, EncryptingBlobStore)
        # The S3 store under the counter of its errors (dossier_blob_store_errors_total).
        assert isinstance(blobs.inner, CountedBlobStore)
        s3 = blobs.inner.inner
        assert isinstance(s3, S3BlobStore)
        assert s3.object_lock
        console = CommandContext(SYSTEM_ID)
        am = archive.execute(
            console,
            EnrolStaff(staff_no="am", name="张伟", branch="营业部", roles=[Role.ACCOUNT_MANAGER]),
        ).token
        archivist = archive.execute(
            console, EnrolStaff(staff_no="ar", name="黄丽", branch="总行", roles=[Role.ARCHIVIST])
        ).token
        assert am is not None
        assert archivist is not None
        from archive.documents.ingest import from_bytes

        result = archive.execute(
            CommandContext(archive.authenticate(am.token)),
            make_disbursement("JJ-S3-1"),
            [from_bytes("loan_contract", "contract.pdf", plain)],
        )
        archive.wait_for_text_extraction()
        client = seaweedfs.client()
        names = [o.object_name for o in client.list_objects(bucket_name=bucket, recursive=True)]
        assert any(n and n.endswith(result.documents[0].sha256) for n in names)
        for name in names:
            assert name is not None
            response = client.get_object(bucket_name=bucket, object_name=name)
            try:
                assert marker.encode() not in response.read()
            finally:
                response.close()
                response.release_conn()
        document_name = next(n for n in names if n and n.endswith(result.documents[0].sha256))
        retention = client.get_object_retention(bucket_name=bucket, object_name=document_name)
        assert retention is not None
        assert retention.mode == "COMPLIANCE"
        assert retention.retain_until_date is not None
        assert retention.retain_until_date.year >= datetime.now(UTC).year + 10
        [outcome] = archive.execute(
            CommandContext(archive.authenticate(archivist.token)), CheckFixity(loan_no="JJ-S3-1")
        )
        assert outcome.passed
    finally:
        archive.close()
