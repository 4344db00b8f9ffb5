"""A valid audit bundle built from scratch, as docs/integrity.md lays it out, for the verifier's tests.

The Merkle tree and proofs come from ``storage.merkle`` (the sealer's implementation), the
signature from ``cryptography``; the bag's manifests are written here by hand. Nothing here uses
``dossier_verify``, so a test of the verifier against this bundle checks two independent readings
of the specification against each other.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import shutil
import struct
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import canonical
import dossier_verify
from storage.merkle import inclusion_proof, leaf_hash, root_hash

TREE_SIZE = 20
# Notification ids of the sealed events; PostgreSQL skipped 4 and 11 after rolled-back writes.
NOTIFICATION_IDS = [n for n in range(1, TREE_SIZE + 3) if n not in (4, 11)]
LOAN_ID = uuid.UUID("6f1c2a52-3b1e-4d0a-9a43-2f0a3c5b7d11")
DOSSIER_ID = uuid.UUID("0b9e5c1d-77a2-4c39-8e5f-5d2c1e0a9b44")

CONTRACT = b"%PDF-1.4\n% loan contract \xe5\x80\x9f\xe6\xac\xbe\xe5\x90\x88\xe5\x90\x8c\n%%EOF\n"
COLLATERAL = b"\x89PNG\r\n\x1a\n collateral photo " + bytes(range(256))
SHREDDED = b"a destroyed appraisal, only its hash survives"


def canonical_json(obj: Any) -> bytes:
    """The bytes the archive writes a bundle's files in, for objects JSON holds as they are."""
    return canonical.canonical_json(obj).encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def raw_public_key(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(key: Ed25519PrivateKey) -> str:
    return hashlib.sha256(raw_public_key(key)).digest()[:8].hex()


def entry(nid: int, originator_id: uuid.UUID, version: int, topic: str, state: bytes) -> bytes:
    topic_bytes = topic.encode()
    return (
        b"DOSSIER-EVENT-1\n"
        + struct.pack(">Q", nid)
        + originator_id.bytes
        + struct.pack(">Q", version)
        + struct.pack(">I", len(topic_bytes))
        + topic_bytes
        + struct.pack(">I", len(state))
        + state
    )


def _document_ref(content: bytes, doc_type: str, filename: str) -> dict[str, Any]:
    data = {"sha256": hashlib.sha256(content).hexdigest(), "doc_type": doc_type}
    return {"_type_": "document_ref", "_data_": data | {"filename": filename}}


@dataclass
class StoredEvent:
    nid: int
    originator_id: uuid.UUID
    version: int
    topic: str
    state: bytes


@dataclass
class Bundle:
    """A bag on disk and what went into it."""

    root: Path
    key: Ed25519PrivateKey
    events: list[StoredEvent]
    held: list[int]
    """Notification ids of the events the bag holds (those of the loan and its dossier)."""
    documents: dict[str, str] = field(default_factory=dict)
    """sha256 → path (relative to the bag) of each document file."""
    destroyed: str = ""
    """sha256 of the destroyed document."""


def stored_events() -> list[StoredEvent]:
    """Twenty stored events: the loan's and its dossier's, and other loans' around them."""
    rng = random.Random(8032)
    events: list[StoredEvent] = []
    versions: dict[uuid.UUID, int] = {}
    filings = {
        7: ("loan_contract", CONTRACT, "借款合同.pdf"),
        12: ("collateral_photo", COLLATERAL, "collateral.png"),
        15: ("appraisal", SHREDDED, "appraisal.pdf"),
    }
    for nid in NOTIFICATION_IDS:
        if nid in (2, 7, 9, 15, 18):
            originator = DOSSIER_ID
        elif nid in (1, 5, 12, 20):
            originator = LOAN_ID
        else:
            originator = uuid.UUID(int=rng.getrandbits(128), version=4)
        versions[originator] = versions.get(originator, 0) + 1
        if nid in filings:
            doc_type, content, filename = filings[nid]
            topic = "domain.dossier:Dossier.DocumentFiled"
            state = canonical_json(
                {
                    "actor_id": "4a0e1c6b-0a55-4a7e-9d0e-2b8f3d1c5e77",
                    "document": _document_ref(content, doc_type, filename),
                    "role": "archivist",
                }
            )
        else:
            # Arbitrary topic and state bytes: the entry takes them as stored, whatever they are.
            topic = f"domain.loan:Loan.事件{nid}"
            state = rng.randbytes(rng.randrange(0, 300))
        events.append(StoredEvent(nid, originator, versions[originator], topic, state))
    return events


def note_key_hash(name: str, key: Ed25519PrivateKey) -> bytes:
    """c2sp.org/signed-note: SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n\x01" + raw_public_key(key)).digest()[:4]


def write_bundle(
    root: Path,
    key: Ed25519PrivateKey | None = None,
    *,
    legacy: bool = False,
    version: int | None = None,
) -> Bundle:
    """Write a valid bundle into the new directory ``root`` and return what it holds: its
    checkpoint a signed note, or with ``legacy`` of the format earlier releases signed. It is a
    bag of the releases before ``Dossier-Bundle-Version`` (no such line), or with ``version``
    (2: then without the destroyed appraisal, whose batch a version 2 bag would have to prove)
    says that version."""
    key = key or Ed25519PrivateKey.generate()
    old_key = Ed25519PrivateKey.generate()  # a key from before a rotation stays listed
    events = stored_events()
    leaves = [leaf_hash(entry(e.nid, e.originator_id, e.version, e.topic, e.state)) for e in events]
    assert len(leaves) == TREE_SIZE
    root_bytes = root_hash(leaves)
    timestamp = "2026-11-22T23:50:00Z"
    if legacy:
        body = f"dossier-checkpoint/v1\ndossier.example-bank\n{TREE_SIZE}\n{b64(root_bytes)}\n{timestamp}\n"
    else:
        body = f"dossier.example-bank\n{TREE_SIZE}\n{b64(root_bytes)}\ntime {timestamp}\n"
    checkpoint: dict[str, Any] = {
        "origin": "dossier.example-bank",
        "tree_size": TREE_SIZE,
        "root_hash": b64(root_bytes),
        "timestamp": timestamp,
        "key_id": key_id(key),
        "signature": b64(key.sign(body.encode())),
    }
    if not legacy:
        signed = note_key_hash("dossier.example-bank", key) + key.sign(body.encode())
        checkpoint["note"] = f"{body}\n\u2014 dossier.example-bank {b64(signed)}\n"
    data = root / "data"
    (data / "events").mkdir(parents=True)
    (data / "proofs").mkdir()
    (data / "documents").mkdir()
    (data / "README.txt").write_text("审计包 / audit bundle: python -m dossier_verify <bag>\n")
    (data / "checkpoint.json").write_bytes(canonical_json(checkpoint))
    keys = {key_id(k): b64(raw_public_key(k)) for k in (key, old_key)}
    (data / "public-keys.json").write_bytes(canonical_json(keys))

    held = [e.nid for e in events if e.originator_id in (LOAN_ID, DOSSIER_ID)]
    for index, event in enumerate(events):
        if event.nid not in held:
            continue
        record = {
            "notification_id": event.nid,
            "originator_id": str(event.originator_id),
            "originator_version": event.version,
            "topic": event.topic,
            "leaf_index": index,
            "leaf_hash": b64(leaves[index]),
            "state_sha256": hashlib.sha256(event.state).hexdigest(),
            "decoded": {"topic": event.topic, "state_bytes": len(event.state)},
        }
        (data / "events" / f"{event.nid}.json").write_bytes(canonical_json(record))
        (data / "events" / f"{event.nid}.state").write_bytes(event.state)
        path = inclusion_proof(index, TREE_SIZE, leaves.__getitem__)
        proof = {"leaf_index": index, "tree_size": TREE_SIZE, "audit_path": [b64(p) for p in path]}
        (data / "proofs" / f"{event.nid}.json").write_bytes(canonical_json(proof))

    bundle = Bundle(root, key, events, held)
    listing = []
    for nid, content, ext, doc_type, filename, destroyed in (
        (7, CONTRACT, "pdf", "loan_contract", "借款合同.pdf", False),
        (12, COLLATERAL, "png", "collateral_photo", "collateral.png", False),
        (15, SHREDDED, "pdf", "appraisal", "appraisal.pdf", True),
    ):
        if destroyed and version is not None:
            continue  # from version 2 a destroyed document needs its batch in the bag
        digest = hashlib.sha256(content).hexdigest()
        listing.append(
            {
                "sha256": digest,
                "doc_type": doc_type,
                "filename": filename,
                "event": nid,
                "destroyed": destroyed,
            }
        )
        if destroyed:
            bundle.destroyed = digest
            continue
        (data / "documents" / f"{digest}.{ext}").write_bytes(content)
        bundle.documents[digest] = f"data/documents/{digest}.{ext}"
    (data / "documents.json").write_bytes(canonical_json(listing))
    seal(root, version)
    return bundle


def _payload(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in (root / "data").rglob("*") if p.is_file())


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _encode(path: str) -> str:
    """RFC 8493 §2.1.3: a manifest percent-encodes CR, LF and % in paths, and nothing else."""
    return path.replace("%", "%25").replace("\n", "%0A").replace("\r", "%0D")


def seal(root: Path, version: int | None = None) -> None:
    """(Re)write bagit.txt, bag-info.txt and both manifests for what ``root/data`` now holds;
    bag-info.txt keeps the ``Dossier-Bundle-Version`` it had, or says ``version``."""
    payload = _payload(root)
    info = root / "bag-info.txt"
    labelled = [
        line
        for line in (info.read_text(encoding="utf-8").splitlines() if info.is_file() else [])
        if line.startswith("Dossier-Bundle-Version:")
    ]
    if version is not None:
        labelled = [f"Dossier-Bundle-Version: {version}"]
    (root / "bagit.txt").write_text("BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n")
    octets = sum((root / p).stat().st_size for p in payload)
    info.write_text(
        "Source-Organization: Example Bank 示例银行\n"
        "Bagging-Date: 2026-11-23\n"
        + "".join(f"{line}\n" for line in labelled)
        + f"Payload-Oxum: {octets}.{len(payload)}\n",
        encoding="utf-8",
    )
    (root / "manifest-sha256.txt").write_text(
        "".join(f"{_sha256_file(root / p)}  {_encode(p)}\n" for p in payload)
    )
    tags = ["bag-info.txt", "bagit.txt", "manifest-sha256.txt"]
    (root / "tagmanifest-sha256.txt").write_text(
        "".join(f"{_sha256_file(root / p)}  {p}\n" for p in tags)
    )


def copy_bundle(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


def read_json(path: Path) -> Any:
    return json.loads(path.read_bytes())


def write_json(path: Path, obj: Any) -> None:
    path.write_bytes(canonical_json(obj))


PACKAGE = Path(dossier_verify.__file__).parent


def fresh_verifier(at: Path) -> Path:
    """The python of a new virtualenv at ``at`` holding ``dossier_verify`` and nothing else."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(at)], check=True)
    python = at / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-I", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # -I ignores PYTHONPATH and the current directory, so the package goes into site-packages.
    shutil.copytree(
        PACKAGE, Path(purelib) / "dossier_verify", ignore=shutil.ignore_patterns("__pycache__")
    )
    return python
