"""`dossier seal` at the console: a checkpoint that verifies with the key `dossier signing-key
public` prints; `seal --follow` in its own process keeping up with new events and stopping
cleanly on SIGTERM; and no start at all in production without a signing key."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive, read_settings
from archive.application import DossierArchive
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from storage.checkpoints import Checkpoint, format_timestamp
from storage.crypto import MasterKey
from storage.sealing import IntegrityStore, integrity_store_beside
from storage.signing import PublicKey, Signer
from storage.witness import FileWitness

runner = CliRunner()
CONSOLE = CommandContext(SYSTEM_ID)


def _enrol(archive: DossierArchive, *staff_nos: str) -> int:
    """Record events (one enrolment each); the number of events stored afterwards."""
    for staff_no in staff_nos:
        archive.execute(
            CONSOLE, EnrolStaff(staff_no=staff_no, name="测试员", branch="营业部", roles=[])
        )
    return sum(1 for _ in archive.recorder.select_notifications(start=1, limit=1_000_000))


def test_seal_prints_a_checkpoint_that_verifies_with_the_published_public_key(
    data_dir: Path,
) -> None:
    archive = open_archive(read_settings())
    try:
        events = _enrol(archive, "S1", "S2")
    finally:
        archive.close()

    sealed = runner.invoke(app, ["seal", "--json"])
    assert sealed.exit_code == 0, sealed.output
    checkpoint = Checkpoint.from_json_text(sealed.stdout)
    assert checkpoint.tree_size == events

    published = runner.invoke(app, ["signing-key", "public"])
    assert published.exit_code == 0, published.output
    key = PublicKey.from_base64(published.stdout.strip())
    checkpoint.check(key)
    assert key.key_id in published.output
    as_pem = runner.invoke(app, ["signing-key", "public", "--pem"])
    assert PublicKey.from_pem(as_pem.stdout) == key
    secret = Signer.from_file(data_dir / "signing.key").seed_base64()
    assert secret not in published.output + as_pem.output + sealed.output

    assert FileWitness(data_dir / "checkpoints.jsonl").read() == [checkpoint]
    again = runner.invoke(app, ["seal"])
    assert again.exit_code == 0, again.output
    assert "no events since the last seal" in again.output
    root = base64.b64encode(checkpoint.root_hash).decode()
    stamp = format_timestamp(checkpoint.timestamp)
    for shown in (str(checkpoint.tree_size), root, checkpoint.key_id, stamp):
        assert shown in again.stdout
    assert checkpoint.note() in again.stdout  # the signed note, as C2SP tools read it


def test_signing_key_public_vkey_is_the_verifier_key_that_opens_the_checkpoint_notes(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_INTEGRITY_ORIGIN", "dossier.example-bank/log")
    archive = open_archive(read_settings())
    try:
        _enrol(archive, "S1")
    finally:
        archive.close()
    sealed = runner.invoke(app, ["seal", "--json"])
    assert sealed.exit_code == 0, sealed.output
    checkpoint = Checkpoint.from_json_text(sealed.stdout)
    assert checkpoint.note().startswith("dossier.example-bank/log\n")

    published = runner.invoke(app, ["signing-key", "public", "--vkey"])
    assert published.exit_code == 0, published.output
    vkey = published.stdout.strip()
    name, key_hash, encoded = vkey.split("+", 2)  # base64 may hold "+" too
    assert (name, key_hash) == ("dossier.example-bank/log", checkpoint.key_hash)
    raw = base64.b64decode(encoded)
    assert raw[0] == 1  # Ed25519
    checkpoint.check(PublicKey(raw[1:]))


def test_an_origin_that_cannot_name_a_note_key_is_a_configuration_error(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_INTEGRITY_ORIGIN", "example bank+log")
    answer = runner.invoke(app, ["signing-key", "public", "--vkey"])
    assert answer.exit_code == 2
    assert "DOSSIER_INTEGRITY_ORIGIN" in answer.output
    assert "不得含空格或加号" in answer.output


def _wait_sealed(
    store: IntegrityStore, size: int, process: subprocess.Popen[bytes], timeout: float
) -> float:
    """Seconds until a checkpoint covers the first ``size`` events."""
    started = time.monotonic()
    while (latest := store.latest_checkpoint()) is None or latest.tree_size < size:
        if time.monotonic() - started > timeout or process.poll() is not None:
            process.kill()
            _, stderr = process.communicate()
            raise AssertionError(f"nothing sealed up to {size}: {stderr.decode()[-3000:]}")
        time.sleep(0.05)
    return time.monotonic() - started


def test_seal_follow_keeps_up_with_new_events_and_exits_cleanly_on_sigterm(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_SEAL_AFTER_SECONDS", "0.5")
    settings = read_settings()
    archive = open_archive(settings)
    store = integrity_store_beside(archive.env, settings.data_dir)
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "seal", "--follow", "--interval", "0.1"],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_sealed(store, _enrol(archive, "F1"), process, timeout=60)  # starting up
        took = _wait_sealed(store, _enrol(archive, "F2", "F3"), process, timeout=30)
        assert took < 8, f"new events waited {took:.1f} s for a seal (DOSSIER_SEAL_AFTER: 0.5 s)"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
        assert process.returncode == 0, stderr.decode()
        assert "stopped" in stderr.decode()
        latest = store.latest_checkpoint()
        assert latest is not None
        store.check_checkpoint(latest)
        assert latest.key_id == Signer.from_file(settings.generated_signing_key_file).key_id
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        store.close()
        archive.close()


def test_production_without_a_signing_key_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DOSSIER_ENVIRONMENT", "production")
    monkeypatch.setenv("DOSSIER_EVENT_STORE", "postgresql://dossier@127.0.0.1:5432/test")
    monkeypatch.setenv("DOSSIER_MASTER_KEY", MasterKey.generate().to_base64())
    monkeypatch.delenv("DOSSIER_SIGNING_KEY", raising=False)
    monkeypatch.delenv("DOSSIER_SIGNING_KEY_FILE", raising=False)
    monkeypatch.delenv("DOSSIER_CLOCK", raising=False)
    for command in (["seal"], ["seal", "--follow"], ["signing-key", "public"], ["serve"]):
        answer = runner.invoke(app, command)
        assert answer.exit_code == 2, (command, answer.output)
        assert "DOSSIER_SIGNING_KEY" in answer.output
    assert not (tmp_path / "signing.key").exists(), "no key is generated outside development"


def test_a_malformed_signing_key_is_a_clear_error_that_does_not_echo_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DOSSIER_ENVIRONMENT", raising=False)
    monkeypatch.setenv("DOSSIER_SIGNING_KEY", "not-a-signing-key")
    answer = runner.invoke(app, ["signing-key", "public"])
    assert answer.exit_code == 2
    assert "DOSSIER_SIGNING_KEY" in answer.output
    assert "not-a-signing-key" not in answer.output
