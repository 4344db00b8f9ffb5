"""``DOSSIER_WITNESSES`` and ``DOSSIER_WITNESS_QUORUM`` at the console, on SQLite and PostgreSQL:
``dossier seal`` has each checkpoint cosigned by a real ``dossier witness serve`` process, and
``dossier verify`` counts a checkpoint only with the quorum, naming a witness whose cosignature
is missing. A witness that is down stops nothing but the count.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.settings import Settings
from storage.cosignatures import CosignerKey
from storage.signing import Signer
from tests.api.test_cli_verify import enrol, verify
from tests.storage.test_tlog_witness import (
    RunningWitness,
    _free_port,
    launch_witness,
    stop_witness,
)

runner = CliRunner()


@pytest.fixture
def regulator(data_dir: Path, tmp_path: Path) -> Iterator[RunningWitness]:
    """A witness that trusts this archive's published checkpoint key."""
    published = runner.invoke(app, ["signing-key", "public", "--vkey"])
    assert published.exit_code == 0, published.output
    vkey = published.stdout.strip().splitlines()[-1]
    origin = vkey.split("+", 1)[0]
    witness = launch_witness(tmp_path / "regulator", "witness.regulator.example", {origin: vkey})
    yield witness
    stop_witness(witness)


def test_seal_has_the_checkpoint_cosigned_and_verify_counts_the_quorum(
    regulator: RunningWitness, monkeypatch: pytest.MonkeyPatch
) -> None:
    auditor = enrol("AU01", "黄敏", "auditor")
    monkeypatch.setenv("DOSSIER_WITNESSES", f"{regulator.url} {regulator.key.vkey()}")
    monkeypatch.setenv("DOSSIER_WITNESS_QUORUM", "1")
    sealed = runner.invoke(app, ["seal"])
    assert sealed.exit_code == 0, sealed.output
    assert "witness cosignatures: 1 of 1" in sealed.output
    assert f"\u2014 {regulator.key.name} " in sealed.output  # the line, in the note printed

    passed = verify("--no-documents", token=auditor)
    assert passed.exit_code == 0, passed.output

    # A second witness, down: sealing goes on, and verify with a quorum of 2 names it.
    down = CosignerKey("witness.down.example", Signer.generate().public_key)
    monkeypatch.setenv(
        "DOSSIER_WITNESSES",
        f"{regulator.url} {regulator.key.vkey()}, http://127.0.0.1:{_free_port()} {down.vkey()}",
    )
    monkeypatch.setenv("DOSSIER_WITNESS_QUORUM", "2")
    enrol("AU02", "李娜", "auditor")  # one more event
    sealed = runner.invoke(app, ["seal"])
    assert sealed.exit_code == 0, sealed.output
    assert "witness cosignatures: 1 of 2" in sealed.output
    failed = verify("--no-documents", token=auditor)
    assert failed.exit_code == 1, failed.output
    assert "cosignature_quorum" in failed.output
    assert down.describe() in failed.output


def test_witness_settings_are_checked_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    key = CosignerKey("witness.example", Signer.generate().public_key)
    monkeypatch.setenv("DOSSIER_WITNESSES", f"https://witness.example/ {key.vkey()}")
    monkeypatch.setenv("DOSSIER_WITNESS_QUORUM", "1")
    assert [(url, k) for url, k in Settings().witness_endpoints] == [
        ("https://witness.example/", key)
    ]
    monkeypatch.setenv("DOSSIER_WITNESS_QUORUM", "2")
    with pytest.raises(ValueError, match="DOSSIER_WITNESS_QUORUM is 2 but only 1"):
        Settings()
    monkeypatch.setenv("DOSSIER_WITNESS_QUORUM", "0")
    for wrong, complaint in (
        (f"witness.example {key.vkey()}", "not an http"),
        ("https://witness.example/", "not '<url> <vkey>'"),
        (f"https://w.example/ {key.vkey().replace('witness', 'other', 1)}", "key hash"),
        (f"https://a.example/ {key.vkey()}\nhttps://b.example/ {key.vkey()}", "twice"),
    ):
        monkeypatch.setenv("DOSSIER_WITNESSES", wrong)
        with pytest.raises(ValueError, match=complaint):
            Settings()
