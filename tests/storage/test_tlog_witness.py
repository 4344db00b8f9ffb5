"""Independent witnesses over C2SP tlog-witness: ``dossier witness serve`` as a real process.

The archive seals on SQLite and PostgreSQL; the sealer submits each checkpoint to a witness
started here with its own key (``python -m api.cli witness serve``); the witness cosigns a
consistent extension and refuses a split view, and ``Verifier`` counts the cosignatures.
"""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from archive.application import DossierArchive
from archive.core import CommandContext
from archive.verification import Verifier
from dossier_verify import main as verify_bag
from storage.checkpoints import Checkpoint, sign_checkpoint, verifier_key
from storage.cosignatures import CosignerKey
from storage.integrity_store import IntegrityStore
from storage.merkle import leaf_hash, node_hash
from storage.sealing import Sealer, integrity_store_beside
from storage.signing import Signer, write_signing_key_file
from storage.tlog_witness import SIZE_CONTENT_TYPE, WitnessClient, submission_body
from tests.archive import test_bundles
from tests.storage import test_go_tlog
from tests.storage.test_go_tlog import go_check
from tests.storage.test_sealing import disburse

ORIGIN = "dossier.example-bank/log"

tlogcheck = test_go_tlog.tlogcheck  # the Go checker, built once per session


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RunningWitness:
    """A ``dossier witness serve`` process, its key, URL and state directory."""

    key: CosignerKey
    url: str
    state: Path
    process: subprocess.Popen[str]

    def post(self, body: bytes) -> httpx.Response:
        return httpx.post(f"{self.url}/add-checkpoint", content=body, timeout=10)

    def state_files(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(self.state.glob("*.json"))}


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def log_signer() -> Signer:
    return Signer.generate()


def launch_witness(folder: Path, name: str, logs: dict[str, str]) -> RunningWitness:
    """``dossier witness serve`` in a process of its own, with a new key, on a free port,
    witnessing ``logs`` (origin → the log's verifier key string); answering when returned.
    Stop it with ``stop_witness``."""
    folder.mkdir(parents=True)
    key_file = folder / "witness.key"
    signer = Signer.generate()
    write_signing_key_file(key_file, signer)
    port = _free_port()
    command = [sys.executable, "-m", "api.cli", "witness", "serve", "--key", str(key_file)]
    command += ["--name", name, "--state", str(folder / "state"), "--port", str(port)]
    for origin, vkey in logs.items():
        command += ["--log", f"{origin}={vkey}"]
    env = {**os.environ, "DOSSIER_DATA_DIR": str(folder / "unused")}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}"
    key = CosignerKey(name, signer.public_key)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"dossier witness serve exited with {process.returncode}:\n{output}")
        try:
            answer = httpx.get(url + "/", timeout=2)
        except httpx.TransportError:
            answer = None
        if answer is not None and answer.status_code == 200:
            assert answer.text.strip() == key.vkey()
            return RunningWitness(key, url, folder / "state", process)
        if time.monotonic() > deadline:
            _stop(process)
            pytest.fail("dossier witness serve did not answer in time")
        time.sleep(0.2)


def stop_witness(witness: RunningWitness) -> None:
    """Terminate, wait, then kill if it would not stop."""
    _stop(witness.process)


@pytest.fixture
def start_witness(tmp_path: Path, log_signer: Signer) -> Iterator[Callable[[str], RunningWitness]]:
    """Starts witnesses named as asked, each with its own key, trusting the log's key."""
    started: list[RunningWitness] = []

    def start(name: str) -> RunningWitness:
        vkey = verifier_key(ORIGIN, log_signer.public_key)
        witness = launch_witness(tmp_path / name, name, {ORIGIN: vkey})
        started.append(witness)
        return witness

    yield start
    for witness in started:
        stop_witness(witness)


@pytest.fixture
def integrity(store_env: dict[str, str], tmp_path: Path) -> Iterator[IntegrityStore]:
    with closing(integrity_store_beside(store_env, tmp_path)) as store:
        yield store


def _verify(
    app: DossierArchive,
    store: IntegrityStore,
    signer: Signer,
    cosigners: list[CosignerKey],
    quorum: int,
) -> list[tuple[str, str]]:
    report = Verifier(
        app.recorder,
        store,
        app.mapper,
        trusted_keys=[signer.public_key],
        origin=ORIGIN,
        cosigners=cosigners,
        quorum=quorum,
    ).run()
    return [(d.check, d.detail) for d in report.discrepancies]


def _sealed_after(
    app: DossierArchive, staff: dict[str, CommandContext], sealer: Sealer, loans: int
) -> Checkpoint:
    """``loans`` more loans disbursed, then a checkpoint sealed over them (never none)."""
    disburse(app, staff, loans)
    sealer.catch_up()
    sealed = sealer.seal()
    assert sealed is not None
    return sealed


def _unreachable(name: str) -> tuple[WitnessClient, CosignerKey]:
    key = CosignerKey(name, Signer.generate().public_key)
    return WitnessClient(f"http://127.0.0.1:{_free_port()}", key, timeout=2), key


def test_a_consistent_extension_is_cosigned_and_verify_with_quorum_one_passes(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: IntegrityStore,
    log_signer: Signer,
    start_witness: Callable[[str], RunningWitness],
) -> None:
    witness = start_witness("witness.regulator.example")
    sealer = Sealer(
        app.recorder,
        integrity,
        log_signer,
        ORIGIN,
        cosigners=[WitnessClient(witness.url, witness.key)],
    )
    first = _sealed_after(app, staff, sealer, 1)
    second = _sealed_after(app, staff, sealer, 2)
    assert second.tree_size > first.tree_size

    for checkpoint in integrity.checkpoints():
        (cosignature,) = checkpoint.cosignatures
        assert cosignature.is_by(witness.key)
        assert cosignature.verify(witness.key, checkpoint.body())
        # The note carries the cosignature line after the log's own, and reads back whole.
        note = checkpoint.note()
        assert note.endswith(cosignature.line())
        assert Checkpoint.from_note(note, checkpoint.key_id).cosignatures == (cosignature,)
    assert integrity.cosigned_size(witness.key.name, witness.key.key_hash) == second.tree_size
    # The witness keeps the latest checkpoint it cosigned, and nothing of the business.
    (state,) = witness.state_files().values()
    assert f'"tree_size": {second.tree_size}' in state.decode()

    assert _verify(app, integrity, log_signer, [witness.key], 1) == []
    # A cosignature altered in the store is caught.
    altered = replace(
        integrity.checkpoints()[-1].cosignatures[0], timestamp=second.timestamp.toordinal()
    )
    with integrity.engine.begin() as conn:
        table = integrity.cosignatures_table
        conn.execute(
            table.update()
            .where(table.c.tree_size == second.tree_size)
            .values(timestamp=altered.timestamp)
        )
    found = _verify(app, integrity, log_signer, [witness.key], 1)
    assert [check for check, _ in found] == ["cosignature_invalid", "cosignature_quorum"]
    assert witness.key.describe() in found[0][1]


def _forged(signer: Signer, size: int, root: bytes) -> Checkpoint:
    """A checkpoint note signed by the log's own key over whatever root it is given."""
    return sign_checkpoint(signer, ORIGIN, size, root, datetime.now(UTC))


def test_a_forged_split_view_is_refused_and_nothing_is_stored(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: IntegrityStore,
    log_signer: Signer,
    start_witness: Callable[[str], RunningWitness],
) -> None:
    witness = start_witness("witness.audit-dept.example")
    client = WitnessClient(witness.url, witness.key)
    sealer = Sealer(app.recorder, integrity, log_signer, ORIGIN, cosigners=[client])
    honest = _sealed_after(app, staff, sealer, 2)
    assert len(integrity.latest_checkpoint().cosignatures) == 1
    size = honest.tree_size
    before = witness.state_files()

    # Same size, another root, signed by the log's own key: a second history.
    other_root = leaf_hash(b"another history")
    split = _forged(log_signer, size, other_root)
    answer = witness.post(submission_body(split.note(), size, []))
    assert answer.status_code == 409
    # A bigger tree on another history, with a proof that cannot hold.
    bigger = _forged(log_signer, size + 3, node_hash(other_root, other_root))
    answer = witness.post(submission_body(bigger.note(), size, [other_root, other_root]))
    assert answer.status_code == 422
    assert "consistency proof" in answer.text
    assert witness.state_files() == before

    # The honest log goes on being cosigned from where the witness stands.
    _sealed_after(app, staff, sealer, 1)
    assert len(integrity.latest_checkpoint().cosignatures) == 1
    assert witness.state_files() != before


def test_a_stale_old_size_answers_409_with_the_witness_size_and_strangers_are_refused(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: IntegrityStore,
    log_signer: Signer,
    start_witness: Callable[[str], RunningWitness],
) -> None:
    witness = start_witness("witness.regulator.example")
    sealer = Sealer(
        app.recorder,
        integrity,
        log_signer,
        ORIGIN,
        cosigners=[WitnessClient(witness.url, witness.key)],
    )
    checkpoint = _sealed_after(app, staff, sealer, 1)
    plain = replace(checkpoint, cosignatures=()).note()
    before = witness.state_files()

    answer = witness.post(submission_body(plain, 0, []))
    assert answer.status_code == 409
    assert answer.headers["content-type"].startswith(SIZE_CONTENT_TYPE)
    assert answer.text == f"{checkpoint.tree_size}\n"

    stranger = sign_checkpoint(
        Signer.generate(), ORIGIN, checkpoint.tree_size, checkpoint.root_hash, checkpoint.timestamp
    )
    assert (
        witness.post(submission_body(stranger.note(), checkpoint.tree_size, [])).status_code == 403
    )
    unknown = sign_checkpoint(
        log_signer, "dossier.other-bank/log", 1, checkpoint.root_hash, checkpoint.timestamp
    )
    assert witness.post(submission_body(unknown.note(), 0, [])).status_code == 404
    assert witness.post(b"old 1\nnot a proof\n\n" + plain.encode()).status_code == 400
    assert witness.state_files() == before

    # Resubmitting the same checkpoint from the right size is cosigned again (idempotent).
    answer = witness.post(submission_body(plain, checkpoint.tree_size, []))
    assert answer.status_code == 200
    assert answer.text.startswith(f"\u2014 {witness.key.name} ")

    # A state file it cannot read: it cosigns nothing rather than guess where the log stood.
    (state_file,) = witness.state.glob("*.json")
    state_file.write_text("{not json")
    refused = witness.post(submission_body(plain, checkpoint.tree_size, []))
    assert refused.status_code == 503
    assert state_file.read_text() == "{not json"


def test_quorum_two_with_one_witness_fails_verify_naming_the_missing_one_and_sealing_goes_on(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: IntegrityStore,
    log_signer: Signer,
    start_witness: Callable[[str], RunningWitness],
) -> None:
    witness = start_witness("witness.regulator.example")
    down, down_key = _unreachable("witness.down.example")
    sealer = Sealer(
        app.recorder,
        integrity,
        log_signer,
        ORIGIN,
        cosigners=[WitnessClient(witness.url, witness.key), down],
    )
    _sealed_after(app, staff, sealer, 1)  # a witness that is down does not stop sealing
    latest = _sealed_after(app, staff, sealer, 1)
    keys = [witness.key, down_key]
    assert [len(c.cosignatures) for c in integrity.checkpoints()] == [1, 1]

    assert _verify(app, integrity, log_signer, keys, 1) == []
    found = _verify(app, integrity, log_signer, keys, 2)
    # Each checkpoint lacks the second cosignature, and no later one covers it.
    assert [check for check, _ in found] == ["cosignature_quorum"] * 2
    detail = found[-1][1]
    assert f"checkpoint of {latest.tree_size} events" in detail
    assert "has 1 valid witness cosignature(s) of the 2 required" in detail
    assert down_key.describe() in detail
    assert witness.key.describe() not in detail


def test_a_witness_back_up_cosigns_the_latest_checkpoint_and_covers_the_earlier_ones(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: IntegrityStore,
    log_signer: Signer,
    start_witness: Callable[[str], RunningWitness],
) -> None:
    witness = start_witness("witness.regulator.example")
    away = WitnessClient(f"http://127.0.0.1:{_free_port()}", witness.key, timeout=2)
    sealer = Sealer(app.recorder, integrity, log_signer, ORIGIN, cosigners=[away])
    for _ in range(2):
        disburse(app, staff, 1)
        sealer.catch_up()
        sealer.seal()
    found = _verify(app, integrity, log_signer, [witness.key], 1)
    assert [check for check, _ in found] == ["cosignature_quorum"] * 2

    sealer.cosigners = (WitnessClient(witness.url, witness.key),)
    assert sealer.cosign_latest() == 1
    assert [len(c.cosignatures) for c in integrity.checkpoints()] == [0, 1]
    # The earlier checkpoint is covered by the cosigned one that extends it: a notice.
    report = Verifier(
        app.recorder,
        integrity,
        app.mapper,
        trusted_keys=[log_signer.public_key],
        origin=ORIGIN,
        cosigners=[witness.key],
        quorum=1,
    ).run()
    assert report.discrepancies == []
    assert "cosignature_covered" in [n.check for n in report.notices]


def test_the_witness_cli_prints_a_cosigner_vkey(tmp_path: Path) -> None:
    key = tmp_path / "w.key"
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "api.cli",
            "witness",
            "keygen",
            "--key",
            str(key),
            "--name",
            "w.example",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DOSSIER_DATA_DIR": str(tmp_path / "unused")},
    )
    assert made.returncode == 0, made.stdout + made.stderr
    vkey = made.stdout.strip()
    assert CosignerKey.parse(vkey) == CosignerKey("w.example", Signer.from_file(key).public_key)
    assert base64.b64decode(vkey.split("+", 2)[2])[0] == 0x04


def test_a_cosigned_note_opens_with_go_under_the_log_and_the_witness_keys(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: IntegrityStore,
    log_signer: Signer,
    start_witness: Callable[[str], RunningWitness],
    tlogcheck: Path,
) -> None:
    witness = start_witness("witness.regulator.example")
    sealer = Sealer(
        app.recorder,
        integrity,
        log_signer,
        ORIGIN,
        cosigners=[WitnessClient(witness.url, witness.key)],
    )
    for loans in (1, 2):
        disburse(app, staff, loans)
        sealer.catch_up()
        sealer.seal()
    first, latest = integrity.checkpoints()
    assert len(latest.cosignatures) == 1
    request = {
        "vkey": verifier_key(ORIGIN, log_signer.public_key),
        "cosigners": [witness.key.vkey()],
        "note": latest.note(),
        "inclusion": [],
        "consistency": [
            {
                "old_size": first.tree_size,
                "old_root": base64.b64encode(first.root_hash).decode(),
                "proof": [
                    base64.b64encode(h).decode()
                    for h in integrity.consistency_proof(
                        first.tree_size, latest.tree_size
                    ).consistency_path
                ],
            }
        ],
    }
    result = go_check(tlogcheck, request)
    assert result.returncode == 0, result.stderr
    assert "1 cosignature(s)" in result.stdout

    # Go refuses a cosignature that does not verify, and a note the witness did not cosign.
    text, signatures = latest.note().split("\n\n")
    log_line, cosignature_line = signatures.splitlines()
    raw = bytearray(base64.b64decode(cosignature_line.split(" ")[2]))
    raw[-1] ^= 0x01
    forged = f"{cosignature_line.rsplit(' ', 1)[0]} {base64.b64encode(bytes(raw)).decode()}"
    refused = go_check(tlogcheck, {**request, "note": f"{text}\n\n{log_line}\n{forged}\n"})
    assert refused.returncode == 1
    assert "note.Open" in refused.stderr
    plain = replace(latest, cosignatures=()).note()
    uncosigned = go_check(tlogcheck, {**request, "note": plain, "consistency": []})
    assert uncosigned.returncode == 1
    assert f"no verified signature of {witness.key.name}" in uncosigned.stderr


def test_the_offline_verifier_counts_the_cosignatures_of_a_bundles_checkpoint(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    store_env: dict[str, str],
    integrity: IntegrityStore,
    log_signer: Signer,
    start_witness: Callable[[str], RunningWitness],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    witness = start_witness("witness.regulator.example")
    bundles = test_bundles.Integrity(app, integrity)
    bundles.sealer = Sealer(
        app.recorder,
        integrity,
        log_signer,
        ORIGIN,
        cosigners=[WitnessClient(witness.url, witness.key)],
    )
    test_bundles.a_loan_with_documents_and_a_borrowing(app, staff)
    bag = test_bundles.issue(app, bundles, staff["auditor"], tmp_path / "bundle").path
    key = log_signer.public_key.to_base64()
    absent = CosignerKey("witness.absent.example", Signer.generate().public_key)

    assert verify_bag([str(bag), "--key", key, "--witness", witness.key.vkey()]) == 0
    capsys.readouterr()
    assert (
        verify_bag(
            [str(bag), "--key", key, "--witness", witness.key.vkey(), "--witness", absent.vkey()]
        )
        == 1
    )
    out = capsys.readouterr().out
    assert "checkpoint.quorum" in out
    assert absent.describe() in out
    assert witness.key.describe() not in out.split("missing:")[1]
    # One of two is enough when the auditor asks for one.
    both = ["--witness", witness.key.vkey(), "--witness", absent.vkey()]
    assert verify_bag([str(bag), "--key", key, *both, "--quorum", "1"]) == 0
    # A log key is not a witness key.
    assert verify_bag([str(bag), "--witness", verifier_key(ORIGIN, log_signer.public_key)]) == 2
