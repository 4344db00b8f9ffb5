"""A dossier hold puts every object of the dossier under an S3 legal hold, released with the last
hold — against the real SeaweedFS the tests start."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from api.composition import build_archive
from api.metrics import CountedBlobStore
from api.settings import Settings
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext, blob_key
from domain.values import HoldKind, Role
from storage.envelope import EncryptingBlobStore
from storage.s3.store import S3BlobStore
from tests import steps
from tests.factories import make_disbursement, make_upload
from tests.storage.seaweed import SeaweedFS, unique_bucket


def test_dossier_holds_are_mirrored_as_s3_legal_holds(
    seaweedfs: SeaweedFS, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_BLOB_STORE", "s3")
    monkeypatch.setenv("DOSSIER_S3_ENDPOINT", seaweedfs.endpoint)
    monkeypatch.setenv("DOSSIER_S3_SECURE", "false")
    monkeypatch.setenv("DOSSIER_S3_BUCKET", unique_bucket())
    monkeypatch.setenv("DOSSIER_S3_ACCESS_KEY", seaweedfs.access_key)
    monkeypatch.setenv("DOSSIER_S3_SECRET_KEY", seaweedfs.secret_key)
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
        people = {}
        for no, role in (
            ("am", Role.ACCOUNT_MANAGER),
            ("cp", Role.COMPLIANCE),
            ("au", Role.AUDITOR),
        ):
            token = archive.execute(
                console, EnrolStaff(staff_no=no, name=no, branch="营业部", roles=[role])
            ).token
            assert token is not None
            people[no] = CommandContext(archive.authenticate(token.token))
        result = archive.execute(
            people["am"], make_disbursement("JJ-S3-HOLD"), [make_upload("loan_contract")]
        )
        dossier = archive.dossier_of(archive.loan("JJ-S3-HOLD"))
        key = blob_key(dossier.id, result.documents[0].sha256)
        assert not s3.legal_hold(key)

        first = steps.place_hold(
            archive,
            people["cp"],
            "JJ-S3-HOLD",
            HoldKind.LITIGATION,
            "涉诉",
            "(2025)沪01民初1号",
            date(2025, 3, 1),
        )
        assert s3.legal_hold(key)
        second = steps.place_hold(
            archive, people["au"], "JJ-S3-HOLD", HoldKind.AUDIT, "审计", "审-1", date(2025, 3, 2)
        )

        steps.release_hold(archive, people["cp"], "JJ-S3-HOLD", first, "结案", date(2025, 4, 1))
        assert s3.legal_hold(key), "one hold is still open"
        steps.release_hold(archive, people["au"], "JJ-S3-HOLD", second, "结束", date(2025, 4, 2))
        assert not s3.legal_hold(key)
    finally:
        archive.close()
