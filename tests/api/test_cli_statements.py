"""``dossier witness acknowledge-loss`` and ``dossier signing-key rotate`` / ``revoke`` at the
console, on SQLite and PostgreSQL: what they record makes ``dossier verify`` pass again (a lost
witness range acknowledged with a second person's approval; a rotation the old key signed), and
only the people the rules allow may acknowledge a loss.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive, read_settings
from api.composition import build_integrity
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from storage.integrity_store import integrity_store_beside
from storage.signing import Signer, write_signing_key_file
from tests.api.test_cli_verify import enrol

runner = CliRunner()
CONSOLE = CommandContext(SYSTEM_ID)
NO_TOKEN = {"DOSSIER_TOKEN": None, "COLUMNS": "240"}


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args), env=NO_TOKEN)


def events_and_seal(staff_no: str) -> None:
    """One more event, sealed into a checkpoint handed to the witness."""
    settings = read_settings()
    archive = open_archive(settings)
    try:
        archive.execute(
            CONSOLE, EnrolStaff(staff_no=staff_no, name="测试员", branch="营业部", roles=[])
        )
        integrity = build_integrity(settings, archive)
        try:
            integrity.sealer.catch_up()
            assert integrity.sealer.seal() is not None
        finally:
            integrity.close()
    finally:
        archive.close()


def statements_recorded() -> int:
    settings = read_settings()
    archive = open_archive(settings)
    try:
        store = integrity_store_beside(archive.env, settings.data_dir)
        try:
            return len(store.statements())
        finally:
            store.close()
    finally:
        archive.close()


@pytest.fixture
def tokens(data_dir: Path) -> dict[str, str]:
    found = {
        "admin": enrol("AD01", "周强", "administrator"),
        "auditor": enrol("AU01", "黄敏", "auditor"),
        "am": enrol("AM01", "张伟", "account_manager"),
    }
    events_and_seal("S1")
    events_and_seal("S2")
    return found


def test_a_lost_witness_range_acknowledged_with_approval_verifies_again(
    tokens: dict[str, str],
) -> None:
    witness = read_settings().checkpoint_file
    witness.write_text(witness.read_text().splitlines(keepends=True)[0])
    failed = invoke("verify", "--no-documents", "--token", tokens["auditor"])
    assert failed.exit_code == 1, failed.output
    assert "witness_lost" in failed.output

    reason = ["--reason", "witness disk replaced after a fault"]
    alone = invoke("witness", "acknowledge-loss", *reason, "--token", tokens["admin"])
    assert alone.exit_code == 2, alone.output
    assert "--approver-token" in alone.output
    by_am = invoke(
        "witness",
        "acknowledge-loss",
        *reason,
        "--token",
        tokens["am"],
        "--approver-token",
        tokens["auditor"],
    )
    assert by_am.exit_code == 1, by_am.output
    approved_by_admin = invoke(
        "witness",
        "acknowledge-loss",
        *reason,
        "--token",
        tokens["admin"],
        "--approver-token",
        tokens["admin"],
    )
    assert approved_by_admin.exit_code == 1, approved_by_admin.output
    assert statements_recorded() == 0

    done = invoke(
        "witness",
        "acknowledge-loss",
        *reason,
        "--token",
        tokens["admin"],
        "--approver-token",
        tokens["auditor"],
    )
    assert done.exit_code == 0, done.output
    assert '"kind":"witness_loss"' in done.stdout
    assert statements_recorded() == 1

    passed = invoke("verify", "--no-documents", "--token", tokens["auditor"])
    assert passed.exit_code == 0, passed.output
    assert "witness_loss_acknowledged" in passed.output
    assert "witness disk replaced after a fault" in passed.output
    again = invoke(
        "witness",
        "acknowledge-loss",
        *reason,
        "--token",
        tokens["admin"],
        "--approver-token",
        tokens["auditor"],
    )
    assert again.exit_code == 1, again.output
    assert "nothing to acknowledge" in again.output


def test_a_key_rotated_in_development_seals_on_and_verifies(tokens: dict[str, str]) -> None:
    settings = read_settings()
    old = Signer.from_file(settings.generated_signing_key_file)

    rotated = invoke("signing-key", "rotate")

    assert rotated.exit_code == 0, rotated.output
    new = Signer.from_file(settings.generated_signing_key_file)
    assert new.key_id != old.key_id
    retired = settings.generated_signing_key_file.with_name(f"signing.key.{old.key_id}.retired")
    assert Signer.from_file(retired).key_id == old.key_id
    events_and_seal("S3")
    passed = invoke("verify", "--no-documents", "--token", tokens["auditor"])
    assert passed.exit_code == 0, passed.output


def test_a_rotation_is_believed_with_only_the_published_key_configured_and_a_swap_is_not(
    tokens: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = read_settings()
    old_file = settings.generated_signing_key_file
    published = invoke("signing-key", "public", "--vkey").stdout.strip()
    monkeypatch.setenv("DOSSIER_TRUSTED_KEYS", published)
    monkeypatch.setenv("DOSSIER_SIGNING_KEY_FILE", str(old_file))
    swapped = tmp_path / "swapped.key"
    write_signing_key_file(swapped, Signer.generate())
    new_file = tmp_path / "next.key"

    refused = invoke("signing-key", "rotate")
    assert refused.exit_code == 2, refused.output
    rotated = invoke("signing-key", "rotate", "--new-key-file", str(new_file))
    assert rotated.exit_code == 0, rotated.output
    new = Signer.from_file(new_file)
    assert new.key_id in rotated.output

    monkeypatch.setenv("DOSSIER_SIGNING_KEY_FILE", str(new_file))
    events_and_seal("S3")
    passed = invoke("verify", "--no-documents", "--token", tokens["auditor"])
    assert passed.exit_code == 0, passed.output

    monkeypatch.setenv("DOSSIER_SIGNING_KEY_FILE", str(swapped))
    events_and_seal("S4")
    failed = invoke("verify", "--no-documents", "--token", tokens["auditor"])
    assert failed.exit_code == 1, failed.output
    assert "checkpoint_key" in failed.output


def test_a_revoked_key_signs_no_more(tokens: dict[str, str]) -> None:
    settings = read_settings()
    key_id = Signer.from_file(settings.generated_signing_key_file).key_id
    bad = invoke("signing-key", "revoke", "not-a-key", "--reason", "lost")
    assert bad.exit_code == 2, bad.output

    revoked = invoke("signing-key", "revoke", key_id, "--reason", "the backup tape went missing")

    assert revoked.exit_code == 0, revoked.output
    assert statements_recorded() == 1
    settings = read_settings()
    archive = open_archive(settings)
    try:
        archive.execute(
            CONSOLE, EnrolStaff(staff_no="S3", name="测试员", branch="营业部", roles=[])
        )
    finally:
        archive.close()
    refused = invoke("seal")  # the revoked key signs no more
    assert refused.exit_code == 1, refused.output
    assert "rotated away or revoked" in " ".join(refused.output.split())
    passed = invoke("verify", "--no-documents", "--token", tokens["auditor"])
    assert passed.exit_code == 0, passed.output
    again = invoke("signing-key", "revoke", key_id, "--reason", "twice")
    assert again.exit_code == 1, again.output
