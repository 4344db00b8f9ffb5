"""Sweeping uncited blobs: old orphans go, recent ones and every cited blob stay."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta
from pathlib import Path

from archive.application import DossierArchive
from archive.core import blob_key
from storage.blobs import LocalBlobStore
from tests.factories import make_disbursement, make_staff, make_upload

DAY = 24 * 3600


def test_a_sweep_removes_old_uncited_blobs_and_never_a_cited_one(
    store_env: dict[str, str], tmp_path: Path
) -> None:
    root = tmp_path / "blobs"
    app = DossierArchive(store_env, blobs=LocalBlobStore(root))
    try:
        staff = make_staff(app)
        result = app.execute(
            staff["account_manager"],
            make_disbursement("JJ-GC-1"),
            [make_upload("loan_contract", "借款合同")],
        )
        dossier_id = app.dossier_of(app.loan("JJ-GC-1")).id
        cited = blob_key(dossier_id, result.documents[0].sha256)
        cited_text = cited + ".text"
        old_orphan = blob_key(dossier_id, "a" * 64)
        new_orphan = blob_key(dossier_id, "b" * 64)
        for key in (cited_text, old_orphan, new_orphan):
            app.blobs.put(key, io.BytesIO(b"left behind"))
        two_days_ago = time.time() - 2 * DAY
        for key in (cited, cited_text, old_orphan):
            os.utime(root / key, (two_days_ago, two_days_ago))

        dry = app.sweep(grace=timedelta(hours=24), dry_run=True)
        assert dry.removed == [old_orphan]
        assert app.blobs.exists(old_orphan)

        report = app.sweep(grace=timedelta(hours=24))
        assert report.removed == [old_orphan]
        assert report.too_recent == [new_orphan]
        assert report.cited == 1
        assert not app.blobs.exists(old_orphan)
        for kept in (cited, cited_text, new_orphan):
            assert app.blobs.exists(kept)
    finally:
        app.close()
