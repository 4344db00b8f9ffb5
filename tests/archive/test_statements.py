"""Signed integrity statements: a lost witness range acknowledged, keys rotated and revoked.

On the sealed record of ``test_tamper`` (SQLite and PostgreSQL): the witness cut short and the
loss acknowledged verifies, with a notice naming the statement; a loss beyond it, or an edited
statement, fails. A key rotated by a statement its predecessor signed is believed with only the
old key configured; a key swapped in without one, a rotation whose signature does not hold, and
a key signing after its revocation are named.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.application import DossierArchive
from archive.verification import ANCHOR_LOCAL, Verifier
from archive.verification.report import VerificationReport
from storage.integrity_store import integrity_store_beside
from storage.sealing import KeyRetiredError
from storage.signing import PublicKey, Signer
from storage.statements import KEY_KINDS, KeyTrust, SignedStatement, revocation, rotation
from storage.witness import FileWitness
from storage.witness_loss import NothingLostError, acknowledge_witness_loss, witness_loss
from tests.archive.test_tamper import ORIGIN, Record, build_record, checks, found, seal_with
from tests.archive.test_tamper import sizes as sizes_of

ADMIN = {"id": "a", "name": "周强", "staff_no": "A001", "role": "administrator"}
AUDITOR = {"id": "b", "name": "赵敏", "staff_no": "A002", "role": "auditor"}
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def record(app: DossierArchive, store_env: dict[str, str], tmp_path: Path) -> Record:
    return build_record(app, store_env, tmp_path)


def notices(report: VerificationReport, check: str) -> list[str]:
    return [n.detail for n in report.notices if n.check == check]


def acknowledge(record: Record, reason: str = "the witness disk was replaced") -> int:
    store = integrity_store_beside(record.env, record.tmp_path)
    try:
        statement = acknowledge_witness_loss(
            store,
            FileWitness(record.witness_file),
            record.signer,
            origin=ORIGIN,
            reason=reason,
            recorded_by=ADMIN,
            approved_by=AUDITOR,
            moment=NOW,
        )
    finally:
        store.close()
    assert statement.number is not None
    return statement.number


def cut_witness_to(record: Record, lines: int) -> None:
    kept = record.witness_file.read_text().splitlines(keepends=True)[:lines]
    record.witness_file.write_text("".join(kept))


# ---------------------------------------------------------------- a lost witness range
def test_a_cut_witness_acknowledged_verifies_with_a_notice_naming_the_statement(
    record: Record,
) -> None:
    assert record.second is not None
    cut_witness_to(record, 1)
    assert checks(record.verify()) == {"witness_lost"}

    number = acknowledge(record, "witness disk failed; restored from the nightly copy")
    report = record.verify()

    assert report.intact, [f.detail for f in report.discrepancies]
    [notice] = notices(report, "witness_loss_acknowledged")
    assert f"statement #{number}" in notice
    assert f"tree sizes {record.second.tree_size}" in notice
    assert "周强 (A001) as administrator, approved by 赵敏 (A002) as auditor" in notice
    assert "witness disk failed" in notice
    # Sealing goes on after it: the witness grows again and the record still verifies.
    seal_with(record, record.signer)
    again = record.verify()
    assert again.intact, [f.detail for f in again.discrepancies]
    assert notices(again, "witness_loss_acknowledged")


def test_the_statement_names_exactly_what_was_lost_and_the_witness_before_and_after(
    record: Record,
) -> None:
    first, second = record.first, record.second
    assert first is not None
    assert second is not None
    cut_witness_to(record, 1)
    store = integrity_store_beside(record.env, record.tmp_path)
    try:
        loss = witness_loss(store, FileWitness(record.witness_file))
        assert loss.sizes == [second.tree_size]
        assert loss.before["checkpoints"] == 2
        assert loss.before["latest_tree_size"] == second.tree_size
        assert loss.after["checkpoints"] == 1
        assert loss.after["latest_tree_size"] == first.tree_size
        assert loss.after["lines"] == 1
        acknowledge(record)
        [statement] = store.statements()
        [lost] = statement.fields()["lost"]
        assert lost["tree_size"] == second.tree_size
        assert lost["key_id"] == record.signer.key_id
        with pytest.raises(NothingLostError):
            acknowledge(record)
    finally:
        store.close()


def test_a_witness_cut_further_after_the_acknowledgement_fails(record: Record) -> None:
    assert record.first is not None
    cut_witness_to(record, 1)
    acknowledge(record)
    record.witness_file.write_text("")

    report = record.verify()

    assert checks(report) == {"witness_lost"}
    assert sizes_of(report, "witness_lost") == {record.first.tree_size}
    assert notices(report, "witness_loss_acknowledged")  # what it names is still named


def test_an_edited_acknowledgement_fails(record: Record) -> None:
    cut_witness_to(record, 1)
    acknowledge(record, "the witness disk was replaced")
    store = integrity_store_beside(record.env, record.tmp_path)
    try:
        [statement] = store.statements()
    finally:
        store.close()
    edited = statement.body.replace("the witness disk was replaced", "routine maintenance")
    record.db.integrity(
        "UPDATE {schema}integrity_statements SET body = ? WHERE number = ?",
        (edited, statement.number),
    )

    report = record.verify()

    assert checks(report) == {"statement_signature", "witness_lost"}
    assert f"statement #{statement.number}" in found(report, "statement_signature")[0].detail


def test_an_acknowledgement_signed_by_an_untrusted_key_fails(record: Record) -> None:
    cut_witness_to(record, 1)
    forger = Signer.generate()
    store = integrity_store_beside(record.env, record.tmp_path)
    try:
        acknowledge_witness_loss(
            store,
            FileWitness(record.witness_file),
            forger,
            origin=ORIGIN,
            reason="nothing to see",
            recorded_by=ADMIN,
            approved_by=None,
            moment=NOW,
        )
    finally:
        store.close()

    report = record.verify()

    assert checks(report) == {"statement_key", "witness_lost"}
    assert forger.key_id in found(report, "statement_key")[0].detail


# ---------------------------------------------------------------- rotation and revocation
def record_statement(record: Record, statement: SignedStatement) -> None:
    store = integrity_store_beside(record.env, record.tmp_path)
    try:
        store.add_statement(statement, NOW)
    finally:
        store.close()


def latest_size(record: Record) -> int:
    assert record.second is not None
    return record.second.tree_size


def test_a_rotated_key_is_believed_with_only_the_old_key_configured(record: Record) -> None:
    new = Signer.generate()
    record_statement(
        record,
        rotation(record.signer, new, origin=ORIGIN, tree_size=latest_size(record), moment=NOW),
    )
    made = seal_with(record, new)

    report = record.verify(trusted=[record.signer.public_key])

    assert report.intact, [f.detail for f in report.discrepancies]
    assert report.tree_size == made.tree_size
    assert made.key_id == new.key_id


def test_a_fresh_key_swapped_in_without_a_rotation_statement_is_named(record: Record) -> None:
    new = Signer.generate()
    made = seal_with(record, new)

    report = record.verify(trusted=[record.signer.public_key])

    assert checks(report) == {"checkpoint_key"}
    assert sizes_of(report, "checkpoint_key") == {made.tree_size}


def test_a_rotation_whose_signature_does_not_hold_is_named(record: Record) -> None:
    """A genuine rotation with its new key replaced by the forger's (who cosigns it): the old
    key's signature no longer holds, so the forger's key is not believed."""
    genuine, forger = Signer.generate(), Signer.generate()
    statement = rotation(
        record.signer, genuine, origin=ORIGIN, tree_size=latest_size(record), moment=NOW
    )
    body = statement.body.replace(genuine.public_key.to_base64(), forger.public_key.to_base64())
    body = body.replace(genuine.key_id, forger.key_id)
    assert body != statement.body
    message = b"dossier-integrity-statement/v1\n" + body.encode()
    record_statement(record, replace(statement, body=body, cosignature=forger.sign(message)))
    made = seal_with(record, forger)

    report = record.verify(trusted=[record.signer.public_key])

    assert checks(report) == {"statement_signature", "checkpoint_key"}
    assert sizes_of(report, "checkpoint_key") == {made.tree_size}


def test_a_rotation_without_the_new_keys_cosignature_is_named(record: Record) -> None:
    new = Signer.generate()
    statement = rotation(
        record.signer, new, origin=ORIGIN, tree_size=latest_size(record), moment=NOW
    )
    record_statement(record, replace(statement, cosignature=None))
    seal_with(record, new)

    report = record.verify(trusted=[record.signer.public_key])

    assert "statement_signature" in checks(report)
    assert "cosignature" in found(report, "statement_signature")[0].detail


def test_the_old_key_signing_after_its_rotation_is_named(record: Record) -> None:
    """The old key signs one more checkpoint (with tooling of its own: the sealer would
    refuse), and the rotation recorded says it ended before it."""
    made = seal_with(record, record.signer)
    new = Signer.generate()
    record_statement(
        record,
        rotation(record.signer, new, origin=ORIGIN, tree_size=latest_size(record), moment=NOW),
    )

    report = record.verify(trusted=[record.signer.public_key])

    assert checks(report) == {"checkpoint_key"}
    assert sizes_of(report, "checkpoint_key") == {made.tree_size}
    assert "rotated away or revoked" in found(report, "checkpoint_key")[0].detail


def test_the_sealer_refuses_to_sign_with_a_key_after_its_own_rotation(record: Record) -> None:
    new = Signer.generate()
    record_statement(
        record,
        rotation(record.signer, new, origin=ORIGIN, tree_size=latest_size(record), moment=NOW),
    )

    with pytest.raises(KeyRetiredError, match="rotated away or revoked after tree size"):
        seal_with(record, record.signer)

    assert seal_with(record, new).key_id == new.key_id
    assert record.verify(trusted=[record.signer.public_key]).intact


def test_a_revoked_key_signing_later_is_named(record: Record) -> None:
    second = Signer.generate()  # a second configured key, revoked by the first
    record_statement(
        record,
        revocation(
            record.signer,
            second.key_id,
            second.public_key,
            reason="the key's backup went missing",
            origin=ORIGIN,
            tree_size=latest_size(record),
            moment=NOW,
        ),
    )
    made = seal_with(record, second)

    report = record.verify(trusted=[record.signer.public_key, second.public_key])

    assert checks(report) == {"checkpoint_key"}
    assert sizes_of(report, "checkpoint_key") == {made.tree_size}


def test_a_revocation_signed_by_an_untrusted_key_is_named_and_changes_nothing(
    record: Record,
) -> None:
    forger = Signer.generate()
    record_statement(
        record,
        revocation(
            forger,
            record.signer.key_id,
            record.signer.public_key,
            reason="deny service",
            origin=ORIGIN,
            tree_size=0,
            moment=NOW,
        ),
    )

    report = record.verify()

    assert checks(report) == {"statement_key"}


def test_in_development_the_local_key_vouches_for_the_keys_before_it(record: Record) -> None:
    """Only the new local key is trusted (the development anchor): the rotation it cosigned
    vouches for the old key's checkpoints up to the rotation, not after."""
    new = Signer.generate()
    statements = [
        rotation(record.signer, new, origin=ORIGIN, tree_size=latest_size(record), moment=NOW)
    ]
    trust = KeyTrust([new.public_key], statements, backwards=True)
    old = trust.standing(record.signer.key_id)
    assert old is not None
    assert old.until == latest_size(record)
    assert KeyTrust([new.public_key], statements).standing(record.signer.key_id) is None
    record_statement(record, statements[0])
    seal_with(record, new)
    store = integrity_store_beside(record.env, record.tmp_path)
    try:
        report = Verifier(
            record.app.recorder,
            store,
            record.app.mapper,
            witness=FileWitness(record.witness_file),
            trusted_keys=[new.public_key],
            anchor=ANCHOR_LOCAL,
            origin=ORIGIN,
        ).run()
        assert [s.kind for s in store.statements(KEY_KINDS)] == ["key_rotation"]
    finally:
        store.close()
    assert report.intact, [f.detail for f in report.discrepancies]


def test_a_store_without_statements_verifies_as_before(record: Record) -> None:
    report = record.verify(trusted=[PublicKey(record.signer.public_key.raw)])
    assert report.intact
    assert not notices(report, "witness_loss_acknowledged")
