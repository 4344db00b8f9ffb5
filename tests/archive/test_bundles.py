"""Audit bundles (审计证据包) through the application, on SQLite and PostgreSQL.

A loan is disbursed with its contract and drawdown receipt, a registration certificate is
filed later, and an auditor asks to borrow the dossier. An auditor then has its audit bundle
made: the log is sealed, each document is read through the audited read path (and that read is
recorded), the bag is written and the issue recorded with the SHA-256 of its tag manifest. The
LoC ``bagit`` library and the standalone verifier both accept the bag; any single alteration —
an event's stored bytes, an event's field, a proof, a document, the checkpoint, the public
keys — makes the verifier fail and name the file, even when the forger rewrites the manifests.
A destroyed dossier's bundle lists its documents as destroyed and holds none of them. An account
manager is refused, and nothing is written.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import stat
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import bagit
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from archive.application import DossierArchive
from archive.commands.borrowing import ApproveBorrowing
from archive.core import CommandContext
from archive.reports.bundles import BundleIntegrityError, BundlePathExistsError, IssuedBundle
from domain.errors import InvalidInputError, RoleNotPermittedError
from domain.integrity import AuditBundle
from domain.values import Actor, BorrowingPurpose, ReadPurpose, Role
from dossier_verify import verify_path
from dossier_verify.check import verify_directory
from storage.checkpoints import Checkpoint
from storage.integrity_store import IntegrityStore, integrity_store_beside
from storage.positions import notification_id_of
from storage.sealing import Sealer
from storage.signing import Signer
from tests import steps
from tests.archive.test_collateral import register as register_collateral
from tests.archive.test_disposition import (
    AFTER_RETENTION,
    approved_batch,
    execute,
    prepare,
    with_it_and_second_head,
)
from tests.archive.test_disposition import LOAN_NO as DESTROYED_LOAN
from tests.factories import make_disbursement, make_pdf, make_upload
from tests.verifier.bundles import b64, raw_public_key, read_json, seal
from tests.verifier.bundles import write_json as write_canonical_json

LOAN = "JJ2025031500042"
OTHER_LOAN = "JJ2025031500043"
ORIGIN = "dossier.test-bank"


class Integrity:
    """The integrity store beside the test's event store and a sealer over the app's log."""

    def __init__(self, app: DossierArchive, store: IntegrityStore) -> None:
        self.store = store
        self.sealer = Sealer(app.recorder, store, Signer.generate(), ORIGIN)
        self.seals = 0

    def seal(self) -> Checkpoint | None:
        self.seals += 1
        self.sealer.catch_up()
        return self.sealer.seal()


@pytest.fixture
def integrity(
    app: DossierArchive, store_env: dict[str, str], tmp_path: Path
) -> Iterator[Integrity]:
    store = integrity_store_beside(store_env, tmp_path)
    try:
        yield Integrity(app, store)
    finally:
        store.close()


def issue(
    app: DossierArchive,
    integrity: Integrity,
    who: CommandContext,
    out: Path,
    loan_no: str = LOAN,
    purpose: str = "年度内部审计抽查 / annual internal audit",
) -> IssuedBundle:
    return app.issue_audit_bundle(
        who,
        loan_no,
        purpose=purpose,
        out=out,
        integrity_store=integrity.store,
        seal=integrity.seal,
        signer=integrity.sealer.signer,
    )


def a_loan_with_documents_and_a_borrowing(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> list[UUID]:
    """Disbursed with two PDFs, one more filed later, a collateral registered, and a borrowing
    requested and approved; beside it another loan with a collateral of its own.

    Returns the ids of the loan's borrowing and collateral.
    """
    app.execute(
        staff["account_manager"],
        make_disbursement(LOAN),
        [
            make_upload("loan_contract", data=make_pdf(f"借款合同 {LOAN}", pages=3)),
            make_upload("drawdown_receipt", data=make_pdf(f"借据 {LOAN}")),
        ],
    )
    app.file_supplement(
        staff["account_manager"],
        LOAN,
        stage="disbursement",
        uploads=[make_upload("registration_certificate", data=make_pdf(f"抵押登记证明 {LOAN}"))],
    )
    requested = steps.request_borrowing(
        app,
        staff["auditor"],
        LOAN,
        BorrowingPurpose.AUDIT,
        "审计抽查原件",
        date(2025, 4, 1),
        due_on=date(2025, 4, 1) + timedelta(days=3),
    )
    app.execute(
        staff["archive_head"],
        ApproveBorrowing(borrowing_id=requested.aggregate_id, archivist_no="archivist"),
    )
    collateral = register_collateral(app, staff["account_manager"], LOAN)
    app.execute(staff["account_manager"], make_disbursement(OTHER_LOAN))
    register_collateral(app, staff["account_manager"], OTHER_LOAN)
    return [requested.aggregate_id, collateral.aggregate_id]


def positions_of(app: DossierArchive, *aggregate_ids: UUID) -> set[int]:
    found: set[int] = set()
    for aggregate_id in aggregate_ids:
        for stored in app.recorder.select_events(aggregate_id):
            nid = notification_id_of(app.recorder, aggregate_id, stored.originator_version)
            assert nid is not None
            found.add(nid)
    return found


def held_positions(bag: Path) -> set[int]:
    return {int(p.stem) for p in (bag / "data/events").glob("*.json")}


def test_an_auditor_gets_a_bag_that_bagit_and_the_standalone_verifier_accept(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: Integrity,
    tmp_path: Path,
) -> None:
    belonging = a_loan_with_documents_and_a_borrowing(app, staff)
    loan = app.loan(LOAN)
    dossier = app.dossier_of(loan)
    shas = {d.ref.sha256 for d in dossier.documents}
    assert len(shas) == 3

    out = tmp_path / "bundle"
    issued = issue(app, integrity, staff["auditor"], out)

    assert bagit.Bag(str(out)).validate()
    report = verify_path(out)
    assert report.ok, report.problems
    assert report.documents == 3
    assert report.events == issued.events
    assert report.checkpoint["signature_valid"] is True
    assert report.checkpoint["tree_size"] == issued.checkpoint.tree_size
    assert integrity.seals == 1

    # Each document was read through the audited path, in the auditor's name, for the audit.
    reads = [e for e in app.events.get(dossier.id) if type(e).__name__ == "DocumentRead"]
    assert sorted(e.sha256 for e in reads) == sorted(shas)  # type: ignore[attr-defined]
    for read in reads:
        assert read.actor_id == staff["auditor"].staff_id  # type: ignore[attr-defined]
        assert read.purpose is ReadPurpose.AUDIT  # type: ignore[attr-defined]
        assert read.watermarked is False  # type: ignore[attr-defined]

    # Every event of the loan, its dossier (those reads included), its borrowing and its
    # collateral; none of the other loan's.
    expected = positions_of(app, loan.id, dossier.id, *belonging)
    assert held_positions(out) == expected
    topics = {read_json(out / f"data/events/{n}.json")["topic"] for n in expected}
    assert {t.split(":")[0].split(".")[1] for t in topics} == {
        "loan",
        "dossier",
        "borrowing",
        "collateral",
    }
    leaves = [read_json(out / f"data/events/{n}.json")["leaf_index"] for n in sorted(expected)]
    assert leaves == sorted(leaves)
    assert leaves[-1] < issued.checkpoint.tree_size  # sealed: the checkpoint covers them all

    # Documents: the plaintext as filed, listed against the event that filed each one.
    listing = read_json(out / "data/documents.json")
    assert {d["sha256"] for d in listing} == shas
    assert all(d["destroyed"] is False for d in listing)
    for entry in listing:
        files = list((out / "data/documents").glob(f"{entry['sha256']}.*"))
        assert [f.suffix for f in files] == [".pdf"]
        assert hashlib.sha256(files[0].read_bytes()).hexdigest() == entry["sha256"]
        filing = read_json(out / f"data/events/{entry['event']}.json")
        assert filing["topic"].endswith("Dossier.DocumentFiled")
        assert filing["decoded"]["document"]["sha256"] == entry["sha256"]

    decoded = read_json(out / f"data/events/{min(expected)}.json")["decoded"]
    assert decoded["loan_no"] == LOAN
    assert decoded["principal"] == "1000000.00"
    assert decoded["value_date"] == "2025-01-10"

    readme = (out / "data/README.txt").read_text(encoding="utf-8")
    for needle in (LOAN, "python -m dossier_verify", issued.checkpoint.key_id, "审计", "赵敏"):
        assert needle in readme
    info = (out / "bag-info.txt").read_text(encoding="utf-8")
    for label in (
        "Source-Organization: dossier.test-bank",
        "External-Description:",
        "Bagging-Date:",
    ):
        assert label in info
    assert f"External-Identifier: {issued.bundle_id}" in info
    assert stat.S_IMODE(out.stat().st_mode) == 0o700  # plaintext documents inside

    # The issue is recorded after the bag, with the hash of its tag manifest.
    recorded = app.repository.get(issued.bundle_id)
    assert isinstance(recorded, AuditBundle)
    tagmanifest = hashlib.sha256((out / "tagmanifest-sha256.txt").read_bytes()).hexdigest()
    assert recorded.tagmanifest_sha256 == tagmanifest == issued.tagmanifest_sha256
    assert recorded.loan_no == LOAN
    assert recorded.tree_size == issued.checkpoint.tree_size
    assert recorded.root_hash == b64(issued.checkpoint.root_hash)
    assert (recorded.events, recorded.document_count) == (issued.events, 3)
    assert recorded.issued_by == staff["auditor"].staff_id
    assert issued.position > max(expected)
    assert issued.position not in held_positions(out)

    # A zip of the same, to a new file; a destination that exists is never overwritten.
    zipped = issue(app, integrity, staff["compliance"], tmp_path / "bundle.zip")
    assert verify_path(zipped.path).ok
    assert stat.S_IMODE(zipped.path.stat().st_mode) == 0o600
    with zipfile.ZipFile(zipped.path) as archive:
        assert "bundle/bagit.txt" in archive.namelist()
    assert zipped.bundle_id != issued.bundle_id
    head = app.recorder.max_notification_id()
    with pytest.raises(BundlePathExistsError):
        issue(app, integrity, staff["auditor"], out)
    assert app.recorder.max_notification_id() == head
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".bundle")) == []


def _state_byte(bag: Path, nid: int) -> str:
    path = bag / f"data/events/{nid}.state"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return f"data/events/{nid}.state"


def _event_field(bag: Path, nid: int) -> str:
    path = bag / f"data/events/{nid}.json"
    record = read_json(path)
    record["originator_version"] += 1
    write_canonical_json(path, record)
    return f"data/events/{nid}.json"


def _proof_element(bag: Path, nid: int) -> str:
    path = bag / f"data/proofs/{nid}.json"
    proof = read_json(path)
    proof["audit_path"][0] = b64(hashlib.sha256(b"forged").digest())
    write_canonical_json(path, proof)
    return f"data/proofs/{nid}.json"


def _document_byte(bag: Path, nid: int) -> str:
    path = sorted((bag / "data/documents").iterdir())[0]
    data = bytearray(path.read_bytes())
    data[200] ^= 0x01
    path.write_bytes(bytes(data))
    return f"data/documents/{path.name}"


def _checkpoint_root(bag: Path, nid: int) -> str:
    path = bag / "data/checkpoint.json"
    checkpoint = read_json(path)
    root = bytearray(base64.b64decode(checkpoint["root_hash"]))
    root[0] ^= 0x01
    # In the note too, so that the fields agree with it: only the signature can tell.
    checkpoint["note"] = checkpoint["note"].replace(checkpoint["root_hash"], b64(bytes(root)))
    checkpoint["root_hash"] = b64(bytes(root))
    write_canonical_json(path, checkpoint)
    return "data/checkpoint.json"


def _public_keys(bag: Path, nid: int) -> str:
    path = bag / "data/public-keys.json"
    keys = read_json(path)
    [key_id] = keys
    keys[key_id] = b64(raw_public_key(Ed25519PrivateKey.generate()))
    write_canonical_json(path, keys)
    return "data/public-keys.json"


ALTERATIONS: dict[str, tuple[Callable[[Path, int], str], str]] = {
    "an event's stored byte": (_state_byte, "event.state_sha256"),
    "an event's JSON field": (_event_field, "event.leaf_hash"),
    "a proof element": (_proof_element, "proof.inclusion"),
    "a document byte": (_document_byte, "document.sha256"),
    "the checkpoint's root": (_checkpoint_root, "checkpoint.signature"),
    "a public key": (_public_keys, "keys.key_id"),
}


def test_any_single_alteration_fails_verification_naming_the_file(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: Integrity,
    tmp_path: Path,
) -> None:
    a_loan_with_documents_and_a_borrowing(app, staff)
    bag = issue(app, integrity, staff["auditor"], tmp_path / "bundle").path
    nid = min(held_positions(bag))
    for name, (alter, check) in ALTERATIONS.items():
        # The forger also rewrites the manifests: only the bundle's own checks remain.
        forged = Path(shutil.copytree(bag, tmp_path / f"forged-{check}"))
        file = alter(forged, nid)
        seal(forged)
        assert bagit.Bag(str(forged)).is_valid(), name
        report = verify_directory(forged)
        assert not report.ok, name
        assert (file, check) in {(p.file, p.check) for p in report.problems}, (name, report)

        # Left as it is, the manifest names the altered file already.
        clumsy = Path(shutil.copytree(bag, tmp_path / f"clumsy-{check}"))
        file = alter(clumsy, nid)
        problems = {(p.file, p.check) for p in verify_directory(clumsy).problems}
        assert (file, "bagit.checksum") in problems, (name, problems)


def test_a_destroyed_dossiers_bundle_lists_its_documents_as_destroyed_and_holds_none(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: Integrity,
    tmp_path: Path,
) -> None:
    people = with_it_and_second_head(app, staff)
    app.clock = lambda: AFTER_RETENTION
    facts = prepare(app, people)
    execute(app, people, approved_batch(app, people))

    issued = issue(app, integrity, people["auditor"], tmp_path / "bundle", DESTROYED_LOAN)

    bag = issued.path
    assert bagit.Bag(str(bag)).validate()
    report = verify_path(bag)
    assert report.ok, report.problems
    assert issued.destroyed
    assert (issued.documents, report.documents) == (0, 0)
    assert list((bag / "data/documents").iterdir()) == []
    listing = read_json(bag / "data/documents.json")
    assert sorted(d["sha256"] for d in listing) == sorted(facts["shas"])
    assert all(d["destroyed"] is True for d in listing)
    topics = {read_json(bag / f"data/events/{n}.json")["topic"] for n in held_positions(bag)}
    assert any(t.endswith("Dossier.Destroyed") for t in topics)
    assert not any(t.endswith("Dossier.DocumentRead") for t in topics)  # nothing was read
    assert "销毁" in (bag / "data/README.txt").read_text(encoding="utf-8")
    recorded = app.repository.get(issued.bundle_id)
    assert isinstance(recorded, AuditBundle)
    assert recorded.document_count == 0
    # The batch that destroyed it, and the roles of the people it names, are in the bag: the
    # verifier found the destruction lawful from them. Nothing else of the staff goes in.
    assert "Dossier-Bundle-Version: 3" in (bag / "bag-info.txt").read_text(encoding="utf-8")
    names = {t.rpartition(":")[2] for t in topics}
    assert {
        "DestructionBatch.Proposed",
        "DestructionBatch.Approved",
        "DestructionBatch.ComplianceApproved",
        "DestructionBatch.Executed",
        "Staff.RoleGranted",
    } <= names
    assert not {n for n in names if n.startswith("Staff.")} - {
        "Staff.RoleGranted",
        "Staff.RoleRevoked",
    }


def destroyed_bag(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: Integrity,
    tmp_path: Path,
) -> tuple[Path, dict[str, int]]:
    """A lawfully destroyed dossier's bag, and the positions of its events by class."""
    people = with_it_and_second_head(app, staff)
    app.clock = lambda: AFTER_RETENTION
    prepare(app, people)
    execute(app, people, approved_batch(app, people))
    bag = issue(app, integrity, people["auditor"], tmp_path / "bundle", DESTROYED_LOAN).path
    where = {}
    for nid in held_positions(bag):
        name = read_json(bag / f"data/events/{nid}.json")["topic"].rpartition(":")[2]
        where.setdefault(name, nid)
    return bag, where


@pytest.mark.parametrize(
    "removed", ["DestructionBatch.Executed", "DestructionBatch.ComplianceApproved"]
)
def test_a_destroyed_dossiers_bag_without_its_batchs_step_fails_naming_the_destruction(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: Integrity,
    tmp_path: Path,
    removed: str,
) -> None:
    bag, where = destroyed_bag(app, staff, integrity, tmp_path)
    assert verify_path(bag).ok
    forged = Path(shutil.copytree(bag, tmp_path / "forged"))
    nid = where[removed]
    for file in (f"events/{nid}.json", f"events/{nid}.state", f"proofs/{nid}.json"):
        (forged / "data" / file).unlink()
    bagit.Bag(str(forged)).save(manifests=True)  # the forger rewrites the manifests
    assert bagit.Bag(str(forged)).is_valid()

    report = verify_directory(forged)

    destroyed = where["Dossier.Destroyed"]
    [problem] = [p for p in report.problems if p.check == "destruction.unfounded"]
    assert (problem.file, problem.event) == (f"data/events/{destroyed}.json", destroyed)
    assert "recorded destroyed" in problem.detail
    assert "记录为已销毁" in problem.detail_zh
    listed = [p for p in report.problems if p.check == "document.destroyed"]
    assert listed
    assert all("no lawful destruction" in p.detail for p in listed)


def test_a_destroyed_dossiers_bag_without_its_it_supervisors_role_fails_naming_the_rule(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: Integrity,
    tmp_path: Path,
) -> None:
    """Roles are read from the proven role events: without the grant, the IT supervisor
    held no administrator's role at the execution."""
    bag, where = destroyed_bag(app, staff, integrity, tmp_path)
    executed = read_json(bag / f"data/events/{where['DestructionBatch.Executed']}.json")
    it_supervisor = str(UUID(str(executed["decoded"]["it_supervisor"])))
    [grant] = [
        nid
        for nid in held_positions(bag)
        if (event := read_json(bag / f"data/events/{nid}.json"))["originator_id"] == it_supervisor
        and event["topic"].endswith("Staff.RoleGranted")
    ]
    for file in (f"events/{grant}.json", f"events/{grant}.state", f"proofs/{grant}.json"):
        (bag / "data" / file).unlink()
    bagit.Bag(str(bag)).save(manifests=True)

    [problem] = [p for p in verify_directory(bag).problems if p.check == "destruction.unfounded"]
    assert problem.event == where["Dossier.Destroyed"]
    assert "needs an IT supervisor" in problem.detail


def test_no_bundle_is_issued_for_a_destruction_without_its_batch(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: Integrity,
    tmp_path: Path,
) -> None:
    people = with_it_and_second_head(app, staff)
    app.clock = lambda: AFTER_RETENTION
    facts = prepare(app, people)
    dossier = app.dossier_of(app.loan(DESTROYED_LOAN))
    archivist = people["archivist"].staff_id
    dossier.destroy(  # forged: no batch was ever proposed
        batch_id=uuid4(),
        register_entry={"dossier_id": str(dossier.id)},
        supervisors=[people["auditor"].staff_id, people["second_archivist"].staff_id],
        it_supervisor=people["it"].staff_id,
        destroyed_on=AFTER_RETENTION.date(),
        actor=Actor(archivist, Role.ARCHIVIST),
    )
    app.save(dossier)
    app.destroy_data_key(facts["dossier_id"])
    app.delete_blobs_of(facts["dossier_id"])
    out = tmp_path / "bundle"

    with pytest.raises(BundleIntegrityError) as refused:
        issue(app, integrity, people["auditor"], out, DESTROYED_LOAN)

    assert "recorded destroyed" in refused.value.en
    assert not out.exists()


def test_an_account_manager_is_refused_and_nothing_is_written(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: Integrity,
    tmp_path: Path,
) -> None:
    a_loan_with_documents_and_a_borrowing(app, staff)
    head = app.recorder.max_notification_id()
    before = sorted(tmp_path.iterdir())
    out = tmp_path / "bundle"

    with pytest.raises(RoleNotPermittedError):
        issue(app, integrity, staff["account_manager"], out)
    with pytest.raises(InvalidInputError):
        issue(app, integrity, staff["auditor"], out, purpose="   ")

    assert not out.exists()
    assert sorted(tmp_path.iterdir()) == before
    assert app.recorder.max_notification_id() == head
    assert integrity.seals == 0
