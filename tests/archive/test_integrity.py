"""Fixity and the four properties (四性检测), on the encrypted store, recorded as events.

The check passes on intact documents and names the document when its stored
bytes are altered by one byte, replaced by another document's, or deleted.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.application import DossierArchive
from archive.commands.integrity import CheckFixity
from archive.core import CommandContext, blob_key
from domain.values import FixityStatus
from storage.blobs import LocalBlobStore
from storage.crypto import MasterKey
from storage.envelope import EncryptingBlobStore, Envelope
from storage.keystore import SQLiteKeyStore
from tests.factories import make_disbursement, make_staff, make_upload

LOAN = "JJ-FIXITY-1"

Staff = dict[str, CommandContext]


@pytest.fixture
def encrypted(store_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[DossierArchive, Path]]:
    """The application on an encrypting local blob store; also the raw blob folder."""
    keys = SQLiteKeyStore(tmp_path / "keys.sqlite")
    raw = tmp_path / "blobs"
    blobs = EncryptingBlobStore(LocalBlobStore(raw), Envelope(keys, MasterKey.generate()))
    app = DossierArchive(store_env, blobs=blobs, on_close=(keys.close,))
    try:
        yield app, raw
    finally:
        app.close()


def _file_two(app: DossierArchive, staff: dict[str, CommandContext]) -> tuple[str, str]:
    result = app.execute(
        staff["account_manager"],
        make_disbursement(LOAN),
        [make_upload("loan_contract", "借款合同 正本"), make_upload("drawdown_receipt", "借据")],
    )
    contract, receipt = (d.sha256 for d in result.documents)
    return contract, receipt


def _raw_file(raw: Path, app: DossierArchive, sha256: str) -> Path:
    dossier = app.dossier_of(app.loan(LOAN))
    return raw / blob_key(dossier.id, sha256)


@pytest.fixture
def filed(encrypted: tuple[DossierArchive, Path]) -> tuple[DossierArchive, Staff]:
    """The encrypted store with the staff, and a loan's contract and receipt filed."""
    app, _raw = encrypted
    staff = make_staff(app)
    _file_two(app, staff)
    return app, staff


def test_intact_documents_pass_and_the_check_is_an_event(
    filed: tuple[DossierArchive, Staff],
) -> None:
    app, staff = filed

    [outcome] = app.execute(staff["archivist"], CheckFixity(loan_no=LOAN))

    assert outcome.passed
    assert {r.status for r in outcome.results} == {FixityStatus.INTACT}
    events = app.dossier_events(staff["auditor"], LOAN)
    checked = [e for e in events if e.type == "FixityChecked"]
    assert len(checked) == 1
    assert checked[0].data["passed"] is True
    assert checked[0].role == "archivist"
    assert checked[0].position == outcome.position


@pytest.mark.parametrize("damage", ["flip_one_byte", "replace", "delete"])
def test_damaged_storage_fails_the_check_naming_the_document(
    encrypted: tuple[DossierArchive, Path], damage: str
) -> None:
    app, raw = encrypted
    staff = make_staff(app)
    contract, receipt = _file_two(app, staff)
    target = _raw_file(raw, app, contract)
    if damage == "flip_one_byte":
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0x01
        target.write_bytes(bytes(data))
    elif damage == "replace":
        target.write_bytes(_raw_file(raw, app, receipt).read_bytes())
    else:
        target.unlink()

    [outcome] = app.execute(staff["auditor"], CheckFixity(loan_no=LOAN))

    assert not outcome.passed
    statuses = {r.sha256: r.status for r in outcome.results}
    assert statuses[receipt] is FixityStatus.INTACT
    expected = FixityStatus.MISSING if damage == "delete" else FixityStatus.UNREADABLE
    assert statuses[contract] is expected
    recorded = [e for e in app.dossier_events(staff["auditor"], LOAN) if e.type == "FixityChecked"]
    assert recorded[-1].data["passed"] is False
    assert {r["sha256"]: r["status"] for r in recorded[-1].data["results"]}[contract] == (
        expected.value
    )


def test_a_plaintext_store_altered_under_the_same_name_is_a_hash_mismatch(
    store_env: dict[str, str], tmp_path: Path
) -> None:
    raw = tmp_path / "plain"
    app = DossierArchive(store_env, blobs=LocalBlobStore(raw))
    try:
        staff = make_staff(app)
        contract, _receipt = _file_two(app, staff)
        path = _raw_file(raw, app, contract)
        data = bytearray(path.read_bytes())
        data[-10] ^= 0x20
        path.write_bytes(bytes(data))
        [outcome] = app.execute(staff["auditor"], CheckFixity(loan_no=LOAN))
        statuses = {r.sha256: r.status for r in outcome.results}
        assert statuses[contract] is FixityStatus.HASH_MISMATCH
    finally:
        app.close()


def test_only_archive_compliance_and_audit_roles_run_checks(
    filed: tuple[DossierArchive, Staff],
) -> None:
    from domain.errors import AuthorizationError

    app, staff = filed
    before = app.recorder.max_notification_id()
    with pytest.raises(AuthorizationError):
        app.execute(staff["account_manager"], CheckFixity(loan_no=LOAN))
    assert app.recorder.max_notification_id() == before
