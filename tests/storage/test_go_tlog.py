"""The archive's checkpoint notes and Merkle proofs, checked by Go's own transparency-log packages.

``tests/go/tlogcheck`` is a small Go program over ``golang.org/x/mod/sumdb/note`` and
``golang.org/x/mod/sumdb/tlog`` — an implementation of signed notes and RFC 6962 proofs that
shares nothing with the archive's. It opens a checkpoint note with ``note.Open`` under the
bank's verifier key string and checks inclusion proofs with ``tlog.CheckRecord`` and
consistency proofs with ``tlog.CheckTree``. Here it is fed a real archive's checkpoints and
proofs (SQLite and PostgreSQL) and must accept them, and must reject each one tampered with.

Go comes from Debian (``make system-deps``: golang-go, golang-golang-x-mod-dev); without it
the tests fail in CI and are skipped elsewhere.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import Notification

from archive.application import DossierArchive
from archive.core import CommandContext
from storage.checkpoints import Checkpoint, verifier_key
from storage.integrity_store import IntegrityStore
from storage.sealing import Sealer, event_leaf_hash, integrity_store_beside
from storage.signing import Signer
from tests.conftest import unavailable
from tests.storage.test_sealing import count_events, disburse, stored

GO_PROGRAM = Path(__file__).parents[1] / "go" / "tlogcheck"
GOPATH = Path("/usr/share/gocode")
X_MOD = GOPATH / "src" / "golang.org" / "x" / "mod" / "sumdb"
ORIGIN = "dossier.example-bank/log"


@pytest.fixture(scope="session")
def tlogcheck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Go checker, built with Debian's Go and x/mod packages (GOPATH mode, offline)."""
    go = shutil.which("go")
    if go is None or not (X_MOD / "note").is_dir() or not (X_MOD / "tlog").is_dir():
        unavailable(
            "Go and golang.org/x/mod/sumdb are not installed: run `make system-deps` "
            "(golang-go, golang-golang-x-mod-dev)"
        )
    built = tmp_path_factory.mktemp("go")
    binary = built / "tlogcheck"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(built),
        "GOPATH": str(GOPATH),
        "GO111MODULE": "off",
        "GOCACHE": str(built / "cache"),
        "GOPROXY": "off",
        "CGO_ENABLED": "0",
    }
    result = subprocess.run(
        [go, "build", "-o", str(binary), "."],
        cwd=GO_PROGRAM,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return binary


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def go_check(binary: Path, request: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def proofs_for(
    store: IntegrityStore, checkpoint: Checkpoint, events: list[Notification]
) -> dict[str, Any]:
    """What the archive proves about ``checkpoint``: each stored event in its tree (the leaf
    hash computed afresh from the stored record), and its tree extending each earlier
    checkpoint's and a few sizes between."""
    size = checkpoint.tree_size
    inclusion = []
    for note in events[:size]:
        proof = store.inclusion_proof(note.id, size)
        inclusion.append(
            {
                "index": proof.leaf_index,
                "leaf_hash": b64(event_leaf_hash(note)),
                "proof": [b64(h) for h in proof.audit_path],
            }
        )
    earlier = [c.tree_size for c in store.checkpoints() if c.tree_size <= size]
    olds = sorted({*earlier, 1, 2, 255, 256, 257, size - 1, size} & set(range(1, size + 1)))
    consistency = []
    for old in olds:
        proof = store.consistency_proof(old, size)
        consistency.append(
            {
                "old_size": old,
                "old_root": b64(store.root(old)),
                "proof": [b64(h) for h in proof.consistency_path],
            }
        )
    return {"inclusion": inclusion, "consistency": consistency}


Sealed = tuple[Signer, list[Checkpoint], list[Notification]]


@pytest.fixture
def integrity(store_env: dict[str, str], tmp_path: Path) -> Iterator[IntegrityStore]:
    """The integrity store beside the test's event store (its own file, or the same schema)."""
    with closing(integrity_store_beside(store_env, tmp_path)) as store:
        yield store


@pytest.fixture
def sealed(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: IntegrityStore,
) -> Sealed:
    """A real archive's log, sealed three times: a few loans; a few hundred more events (past
    the 256-leaf subtrees the store keeps) and a loan; one more loan."""
    signer = Signer.generate()
    sealer = Sealer(app.recorder, integrity, signer, ORIGIN)
    disburse(app, staff, 2)
    sealer.catch_up()
    sealer.seal()
    count_events(app, 300)  # one-line aggregates, saved by the archive into its own log
    disburse(app, staff, 1)
    sealer.catch_up()
    sealer.seal()
    disburse(app, staff, 1)
    sealer.catch_up()
    sealer.seal()
    return signer, integrity.checkpoints(), stored(app.recorder)


def test_go_opens_every_checkpoint_note_and_accepts_its_proofs(
    tlogcheck: Path, sealed: Sealed, integrity: IntegrityStore
) -> None:
    signer, checkpoints, events = sealed
    assert [c.tree_size > 256 for c in checkpoints] == [False, True, True]
    vkey = verifier_key(ORIGIN, signer.public_key)
    for checkpoint in checkpoints:
        assert checkpoint.verifier_key(integrity.public_key(checkpoint.key_id)) == vkey
        request = {
            "vkey": vkey,
            "note": checkpoint.note(),
            **proofs_for(integrity, checkpoint, events),
        }
        result = go_check(tlogcheck, request)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"ok: {ORIGIN}, tree {checkpoint.tree_size}, ")
        assert f"{len(request['inclusion'])} inclusion" in result.stdout


def _flip(encoded: str, byte: int = 0) -> str:
    raw = bytearray(base64.b64decode(encoded))
    raw[byte] ^= 0x01
    return b64(bytes(raw))


def test_go_rejects_a_tampered_note_a_wrong_key_and_tampered_proofs(
    tlogcheck: Path, sealed: Sealed, integrity: IntegrityStore
) -> None:
    signer, checkpoints, events = sealed
    latest = checkpoints[-1]
    vkey = verifier_key(ORIGIN, signer.public_key)
    good = {"vkey": vkey, "note": latest.note(), **proofs_for(integrity, latest, events)}
    size = str(latest.tree_size)
    text, signature_line = latest.note().split("\n\n")
    assert "\ntime 20" in text
    root = base64.b64encode(latest.root_hash).decode()

    def with_inclusion(change: dict[str, Any]) -> dict[str, Any]:
        return {**good, "inclusion": [{**good["inclusion"][7], **change}]}

    def with_consistency(change: dict[str, Any]) -> dict[str, Any]:
        return {**good, "consistency": [{**good["consistency"][1], **change}]}

    first = good["inclusion"][7]
    step = good["consistency"][1]
    tampered = {
        "tree size in the note": (
            {**good, "note": latest.note().replace(f"\n{size}\n", f"\n{int(size) + 1}\n", 1)},
            "note.Open",
        ),
        "root in the note": (
            {**good, "note": latest.note().replace(root, _flip(root))},
            "note.Open",
        ),
        "time in the note": (
            {**good, "note": f"{text.replace('time 20', 'time 21')}\n\n{signature_line}"},
            "note.Open",
        ),
        "another key": (
            {**good, "vkey": verifier_key(ORIGIN, Signer.generate().public_key)},
            "note.Open",
        ),
        "another name for the key": (
            {**good, "vkey": verifier_key("dossier.other-bank/log", signer.public_key)},
            "note.Open",
        ),
        "inclusion path": (
            with_inclusion({"proof": [_flip(first["proof"][0]), *first["proof"][1:]]}),
            "tlog.CheckRecord",
        ),
        "leaf hash": (
            with_inclusion({"leaf_hash": good["inclusion"][8]["leaf_hash"]}),
            "tlog.CheckRecord",
        ),
        "leaf index": (with_inclusion({"index": first["index"] + 1}), "tlog.CheckRecord"),
        "consistency path": (
            with_consistency({"proof": [_flip(step["proof"][0]), *step["proof"][1:]]}),
            "tlog.CheckTree",
        ),
        "old root": (with_consistency({"old_root": _flip(step["old_root"])}), "tlog.CheckTree"),
        "old size": (with_consistency({"old_size": step["old_size"] + 1}), "tlog.CheckTree"),
    }
    assert go_check(tlogcheck, good).returncode == 0
    for name, (request, refused_by) in tampered.items():
        result = go_check(tlogcheck, request)
        assert result.returncode == 1, name
        assert refused_by in result.stderr, (name, result.stderr)
