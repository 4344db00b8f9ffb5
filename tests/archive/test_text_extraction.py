"""Extracted text: recorded beside the document (encrypted like it), never in an event,
and off the command's critical path."""

from __future__ import annotations

from pathlib import Path

from archive.application import DossierArchive
from archive.config import ArchiveConfig
from storage.blobs import LocalBlobStore
from storage.crypto import MasterKey
from storage.envelope import EncryptingBlobStore, Envelope
from storage.keystore import SQLiteKeyStore
from tests.factories import make_disbursement, make_plain_pdf, make_staff, make_upload

MARKER = "MARKERZQX7734"


def test_text_is_extracted_after_the_save_encrypted_and_never_in_an_event(
    store_env: dict[str, str], tmp_path: Path
) -> None:
    keys = SQLiteKeyStore(tmp_path / "keys.sqlite")
    raw = tmp_path / "blobs"
    blobs = EncryptingBlobStore(LocalBlobStore(raw), Envelope(keys, MasterKey.generate()))
    config = ArchiveConfig(extract_text=True)
    app = DossierArchive(store_env, blobs=blobs, config=config, on_close=(keys.close,))
    try:
        staff = make_staff(app)
        plain = make_plain_pdf(f"Loan contract {MARKER} article 3 repayment")
        assert MARKER.encode() in plain, "the test needs the marker visible in the plaintext"
        result = app.execute(
            staff["account_manager"],
            make_disbursement("JJ-TEXT-1"),
            [make_upload("loan_contract", data=plain, filename="contract.pdf")],
        )
        app.wait_for_text_extraction()
        [ref] = result.documents
        dossier_id = app.dossier_of(app.loan("JJ-TEXT-1")).id

        text = app.text_of(dossier_id, ref.sha256)
        assert text is not None
        assert MARKER in text
        assert "repayment" in text

        for path in raw.rglob("*"):
            if path.is_file():
                assert MARKER.encode() not in path.read_bytes(), path
        for notification in app.recorder.select_notifications(start=None, limit=10_000):
            assert MARKER.encode() not in notification.state
    finally:
        app.close()
