"""Bundles made after a key rotation: the bag carries the rotation statements
(``data/key-statements.json``), so ``dossier_verify --key`` with the key the bank published
before the rotation accepts a bag the new key signed, through the chain; a chain edited or
taken out, or a bag signed by the old key after its rotation, is named.
"""

from __future__ import annotations

import base64
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.application import DossierArchive
from archive.core import CommandContext
from dossier_verify import main
from dossier_verify.check import verify_directory
from dossier_verify.report import Report
from storage.sealing import KeyRetiredError, Sealer
from storage.signing import Signer
from storage.statements import revocation, rotation
from tests.archive.test_bundles import (  # noqa: F401 — the fixture ``integrity``
    ORIGIN,
    Integrity,
    a_loan_with_documents_and_a_borrowing,
    integrity,
    issue,
)
from tests.archive.test_whole_bundles import recompute_manifests

NOW = datetime(2026, 12, 1, tzinfo=UTC)
STATEMENTS = "data/key-statements.json"


def rotate(app: DossierArchive, integrity: Integrity) -> Signer:  # noqa: F811
    """Seal with the old key, record the rotation, and go on with a sealer of the new key."""
    integrity.seal()
    old, new = integrity.sealer.signer, Signer.generate()
    latest = integrity.store.latest_checkpoint()
    assert latest is not None
    integrity.store.add_statement(
        rotation(old, new, origin=ORIGIN, tree_size=latest.tree_size, moment=NOW), NOW
    )
    integrity.sealer = Sealer(app.recorder, integrity.store, new, ORIGIN)
    return old


@pytest.fixture
def rotated(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: Integrity,  # noqa: F811
    tmp_path: Path,
) -> tuple[Path, Signer]:
    a_loan_with_documents_and_a_borrowing(app, staff)
    old = rotate(app, integrity)
    bag = issue(app, integrity, staff["auditor"], tmp_path / "bundle").path
    return bag, old


def checks(report: Report) -> set[str]:
    return {p.check for p in report.problems}


def test_a_bundle_signed_by_the_rotated_key_is_intact_under_the_published_old_key(
    rotated: tuple[Path, Signer], capsys: pytest.CaptureFixture[str]
) -> None:
    bag, old = rotated
    [entry] = json.loads((bag / STATEMENTS).read_bytes())
    assert json.loads(entry["statement"])["kind"] == "key_rotation"

    report = verify_directory(bag, keys=[old.public_key.raw])

    assert report.problems == []
    assert (report.verdict, report.anchored, report.whole) == ("intact", True, True)
    assert main([str(bag), "--key", base64.b64encode(old.public_key.raw).decode()]) == 0
    assert "Verdict: INTACT" in capsys.readouterr().out


def test_a_bundle_without_its_chain_is_not_the_published_keys(
    rotated: tuple[Path, Signer], tmp_path: Path
) -> None:
    bag, old = rotated
    stripped = Path(shutil.copytree(bag, tmp_path / "stripped"))
    (stripped / STATEMENTS).unlink()
    recompute_manifests(stripped)

    report = verify_directory(stripped, keys=[old.public_key.raw])

    assert "statement.key" in checks(report)
    assert report.verdict == "failed"


def test_an_edited_rotation_in_the_bundle_is_named(
    rotated: tuple[Path, Signer], tmp_path: Path
) -> None:
    bag, old = rotated
    edited = Path(shutil.copytree(bag, tmp_path / "edited"))
    [entry] = json.loads((edited / STATEMENTS).read_bytes())
    entry["statement"] = entry["statement"].replace('"tree_size":', '"tree_size":1', 1)
    (edited / STATEMENTS).write_text(json.dumps([entry]))
    recompute_manifests(edited)

    report = verify_directory(edited, keys=[old.public_key.raw])

    assert "keys.statement" in checks(report)
    assert report.verdict == "failed"


def test_no_bundle_is_issued_by_a_revoked_key_and_a_bag_claiming_otherwise_is_named(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: Integrity,  # noqa: F811
    tmp_path: Path,
) -> None:
    a_loan_with_documents_and_a_borrowing(app, staff)
    signer = integrity.sealer.signer
    bag = issue(app, integrity, staff["auditor"], tmp_path / "bundle").path
    revoked = revocation(
        signer,
        signer.key_id,
        signer.public_key,
        reason="compromised",
        origin=ORIGIN,
        tree_size=0,
        moment=NOW,
    )
    integrity.store.add_statement(revoked, NOW)

    # The sealer signs no more with it, so the archive issues no bag with it.
    with pytest.raises(KeyRetiredError):
        issue(app, integrity, staff["auditor"], tmp_path / "after")
    assert not (tmp_path / "after").exists()
    # A bag that carries the revocation yet was signed after it fails offline.
    claimed = Path(shutil.copytree(bag, tmp_path / "claimed"))
    (claimed / STATEMENTS).write_text(json.dumps([revoked.to_json()]))
    recompute_manifests(claimed)

    report = verify_directory(claimed, keys=[signer.public_key.raw])

    assert {"statement.key_retired", "checkpoint.key_retired"} <= checks(report)
    assert report.verdict == "failed"
