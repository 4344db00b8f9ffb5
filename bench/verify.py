"""Sealing and verifying the whole log, in events/s next to a raw scan of the same log; the
verifier's documents in MB/s next to decrypting and hashing the same stored bytes.

Run ``.venv/bin/python bench/verify.py [--backend sqlite|postgres|both] [--events N]``.

1. **Portfolio.** The generator of ``bench/rebuild.py`` (imported from it): on a fresh event
   store the real application enrols the demo bank's staff and records loans, each built with
   the domain's commands and saved with its dossier and borrower index in one ``save()``, until
   the log holds at least ``--events`` events (default 1,000,000). No documents.
2. **Floor.** The raw scan of the notification log (``bench/rebuild.py``'s ``scan``:
   ``select_notifications(start, limit=2000)`` from position 1 to the end, nothing decoded),
   before the sealer and after the verifier; the faster is the floor. Two references are
   printed beside it: the same scan in pages of 500 (the sealer's batch and the verifier's page)
   and the scan that also computes every event's leaf hash (``event_leaf_hash``), the least
   that sealing and verifying must do.
3. **Seal.** In a child process: ``Sealer(recorder, integrity_store_beside(env, dir), signer,
   origin, FileWitness(...))`` steps through the whole log (``catch_up``'s loop, 500 events a
   transaction) and ``seal()``s a signed checkpoint, handed to the witness, every
   ``--seal-every`` events (100,000) and at the end.
4. **Verify.** In a child process: ``Verifier(recorder, store, mapper, witness=..., trusted_keys=
   ..., anchor=..., origin=...).run()`` without documents, the trusted keys resolved as ``dossier
   verify`` resolves them (``api.composition.trusted_keys`` over ``Settings`` whose
   ``trusted_keys`` holds the signing key's verifier key string, as a bank publishes it). The
   report must be intact, anchored to the configured keys, cover every event and every
   checkpoint, and carry no notice; otherwise the benchmark fails.
5. **Documents.** A second, small event store of the same kind: ``--documents`` documents
   (default 2,000) of 256 KiB–1 MiB random bytes, ten per dossier, filed with a loan's
   disbursement (``Loan.disburse`` and ``Dossier.open`` through rebuild's ``LoanLife``, then
   ``archive.file_documents``: one ``DocumentFiled`` event each), stored through
   ``EncryptingBlobStore`` over a ``LocalBlobStore`` with its data keys in an
   ``SQLiteKeyStore``, and sealed. In a child process the verifier runs over it with
   ``blobs=`` (every cited document read back, decrypted and hashed). The floor, in this
   process before and after: each stored ciphertext read whole, decrypted with
   ``storage.crypto.decrypt_stream`` under its dossier's data key (unwrapped before timing) and
   hashed with ``hashlib.sha256``; no verifier, no key look-ups.

Each child (this script with ``--child``) samples ``VmRSS`` as it goes and reports its
``VmHWM``, so memory is the phase's own, not the generator's. ``--profile`` adds, in the
children, one more verification of each kind under cProfile and prints where its time goes.

PostgreSQL (``--postgres-url``, default ``postgresql://postgres@127.0.0.1:5432/test``) gets a
fresh schema ``bench_<random>`` for the events and the integrity tables (and another for the
documents' store), dropped afterwards. With no ``--backend`` both stores are measured when
PostgreSQL answers, otherwise SQLite alone.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import json
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast
from uuid import UUID

# ``python bench/verify.py`` puts bench/ first on sys.path: the benchmarks' measures, and the
# rebuild benchmark's portfolio generator and floor, import as the modules ``measure`` and
# ``rebuild``.
from common import PassingBlobStore
from eventsourcing.persistence import ApplicationRecorder
from measure import run_child
from rebuild import (
    MARKS,
    SCAN_LIMIT,
    LoanLife,
    Portfolio,
    Run,
    Scan,
    chosen_backends,
    console,
    each_backend,
    enrol_staff,
    event_store,
    generate_portfolio,
    log_parser,
    mib,
    parse_log_args,
    print_peak,
    print_portfolio,
    proc_status_kib,
    ru_maxrss_kib,
    run_fields,
    scan,
)
from rich.table import Table

from api.composition import trusted_keys
from api.settings import Settings
from archive.application import DossierArchive
from archive.core import blob_key
from archive.verification import PAGE, VerificationReport, Verifier
from archive.verification.checkpoints import ANCHOR_CONFIGURED
from domain.values import DocumentRef
from storage.blobs import BlobStore, InMemoryBlobStore, LocalBlobStore
from storage.checkpoints import verifier_key
from storage.crypto import DataKey, MasterKey, decrypt_stream, load_master_key
from storage.envelope import EncryptingBlobStore, Envelope
from storage.keystore import SQLiteKeyStore
from storage.sealing import (
    BATCH_SIZE,
    IntegrityStore,
    Sealer,
    event_leaf_hash,
    integrity_store_beside,
)
from storage.signing import PublicKey, Signer
from storage.witness import FileWitness

ORIGIN = "bench.dossier.example-bank"
SEAL_EVERY = 100_000  # events between checkpoints
SAMPLE_EVERY = 10_000  # events between VmRSS samples
DOCUMENTS = 2_000
DOCUMENTS_PER_DOSSIER = 10
DOC_MIN, DOC_MAX = 256 * 1024, 1024 * 1024  # bytes of random content per document
DOC_TYPES = (  # what a disbursement files (archive/rules.toml, stage "disbursement")
    "loan_application",
    "investigation_report",
    "review_report",
    "approval",
    "rating_form",
    "loan_contract",
    "drawdown_receipt",
    "guarantee_contract",
    "mortgage_contract",
    "pledge_contract",
)
MB = 1_000_000
PROFILE_TOP = 15


class VerificationFailedError(Exception):
    """Raised when a benchmarked verification does not come back clean."""


# ------------------------------------------------------------------------ floor references
def scan_pages(
    label: str, recorder: ApplicationRecorder, limit: int, *, hashing: bool = False
) -> Scan:
    """The raw scan in pages of ``limit``; with ``hashing``, each event's leaf hash as well."""
    events, start = 0, 1
    began = time.perf_counter()
    while notes := recorder.select_notifications(start, limit=limit):
        if hashing:
            for note in notes:
                event_leaf_hash(note)
        events += len(notes)
        start = notes[-1].id + 1
    return Scan(label, events, time.perf_counter() - began)


# ------------------------------------------------------------------------------ the children
class Memory:
    """VmRSS samples of this process: (events or documents done, RSS KiB, seconds)."""

    def __init__(self) -> None:
        self.imported = proc_status_kib("VmRSS")
        self.before = 0
        self.samples: list[tuple[int, int, float]] = []
        self.began = 0.0

    def start(self) -> None:
        gc.collect()
        self.before = proc_status_kib("VmRSS")
        self.began = time.perf_counter()

    def sample(self, done: int) -> None:
        self.samples.append((done, proc_status_kib("VmRSS"), time.perf_counter() - self.began))

    def figures(self) -> dict[str, Any]:
        return {
            "rss_imported_kib": self.imported,
            "rss_before_kib": self.before,
            "samples": self.samples,
            "vm_hwm_kib": proc_status_kib("VmHWM"),
            "ru_maxrss_kib": ru_maxrss_kib(),
        }


def open_integrity(
    spec: dict[str, Any],
) -> tuple[DossierArchive, IntegrityStore, Signer, FileWitness]:
    env: dict[str, str] = spec["env"]
    archive = DossierArchive(dict(env), blobs=InMemoryBlobStore())
    store = integrity_store_beside(env, Path(spec["data_dir"]))
    signer = Signer.from_base64(spec["signing_seed"])
    return archive, store, signer, FileWitness(Path(spec["witness"]))


def trusted(spec: dict[str, Any], signer: Signer) -> tuple[list[PublicKey], str]:
    """The keys the verifier believes and what they are, as ``dossier verify`` has them: from
    the settings, where the bank's published key is configured (``DOSSIER_TRUSTED_KEYS``)."""
    settings = Settings(
        data_dir=Path(spec["data_dir"]),
        integrity_origin=ORIGIN,
        trusted_keys=verifier_key(ORIGIN, signer.public_key),
    )
    return trusted_keys(settings, signer)


def seal_child(spec: dict[str, Any], memory: Memory) -> dict[str, Any]:
    """Step the sealer to the head of the log, sealing every ``seal_every`` events and at the end."""
    archive, store, signer, witness = open_integrity(spec)
    try:
        sealer = Sealer(archive.recorder, store, signer, ORIGIN, witness)
        every: int = spec["seal_every"]
        total, next_seal, seal_seconds, checkpoints = 0, every, 0.0, 0
        memory.start()
        began = time.perf_counter()
        while appended := sealer.step():  # Sealer.catch_up's loop, with checkpoints on the way
            total += appended
            if total >= next_seal:
                start = time.perf_counter()
                checkpoints += sealer.seal() is not None
                seal_seconds += time.perf_counter() - start
                next_seal += every
            if total % SAMPLE_EVERY < appended:
                memory.sample(total)
        start = time.perf_counter()
        checkpoints += sealer.seal() is not None
        seal_seconds += time.perf_counter() - start
        seconds = time.perf_counter() - began
        memory.sample(total)
        return {
            "seconds": seconds,
            "seal_seconds": seal_seconds,
            "leaves": total,
            "checkpoints": checkpoints,
            "witnessed": len(witness.read()),
            **memory.figures(),
        }
    finally:
        store.close()
        archive.close()


def ensure_clean(report: VerificationReport, spec: dict[str, Any], documents: int = 0) -> None:
    """The run must find nothing: every event and checkpoint checked, no discrepancy, no notice."""
    problems = [f"{f.check}: {f.detail}" for f in report.discrepancies + report.notices]
    expected = {
        "events_checked": spec["events"],
        "tree_size": spec["events"],
        "sealed_leaves": spec["events"],
        "checkpoints_checked": spec["checkpoints"],
        "witnessed_checkpoints": spec["checkpoints"],
        "documents_checked": documents,
    }
    for name, value in expected.items():
        if getattr(report, name) != value:
            problems.append(f"{name} is {getattr(report, name)}, expected {value}")
    if report.anchor != ANCHOR_CONFIGURED:
        problems.append(f"anchored to {report.anchor!r}, not to the configured keys")
    if not report.intact or problems:
        raise VerificationFailedError(
            f"the verification did not come back clean ({report.discrepancy_count} "
            "discrepancies):\n  " + "\n  ".join(problems)
        )


def profiled(run: Callable[[], object]) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.strip_dirs().sort_stats("cumulative").print_stats(PROFILE_TOP)
    stats.sort_stats("tottime").print_stats(PROFILE_TOP)
    return text.getvalue()


def verify_child(spec: dict[str, Any], memory: Memory) -> dict[str, Any]:
    """``Verifier.run()`` without documents over the sealed store, sampling memory."""
    archive, store, signer, witness = open_integrity(spec)
    keys, anchor = trusted(spec, signer)
    try:

        def verifier(progress: Callable[[int, int], None] | None) -> Verifier:
            return Verifier(
                archive.recorder,
                store,
                archive.mapper,
                witness=witness,
                trusted_keys=keys,
                anchor=anchor,
                origin=ORIGIN,
                progress=progress,
            )

        def progress(done: int, _head: int) -> None:
            if done % SAMPLE_EVERY == 0:
                memory.sample(done)

        memory.start()
        began = time.perf_counter()
        report = verifier(progress).run()
        seconds = time.perf_counter() - began
        memory.sample(report.events_checked)
        figures = memory.figures()
        ensure_clean(report, spec)
        result = {"seconds": seconds, "report": report.to_json(), **figures}
        if spec["profile"]:
            result["profile"] = profiled(verifier(None).run)
        return result
    finally:
        store.close()
        archive.close()


class SampledBlobStore(PassingBlobStore):
    """The verifier's blob store, sampling VmRSS as each document is opened (about 20 µs)."""

    def __init__(self, inner: BlobStore, memory: Memory) -> None:
        super().__init__(inner)
        self.memory = memory
        self.opened = 0

    def open(self, key: str) -> BinaryIO:
        self.memory.sample(self.opened)
        self.opened += 1
        return self.inner.open(key)


def documents_child(spec: dict[str, Any], memory: Memory) -> dict[str, Any]:
    """The verifier over the documents' store: first without documents, then with them."""
    archive, store, signer, witness = open_integrity(spec)
    keys = SQLiteKeyStore(Path(spec["keys"]))
    master = load_master_key(file=None, value=spec["master_key"])
    encrypted = EncryptingBlobStore(LocalBlobStore(Path(spec["blobs"])), Envelope(keys, master))
    sampled = SampledBlobStore(encrypted, memory)
    believed, anchor = trusted(spec, signer)
    try:

        def verifier(blobs: BlobStore | None) -> Verifier:
            return Verifier(
                archive.recorder,
                store,
                archive.mapper,
                witness=witness,
                blobs=blobs,
                trusted_keys=believed,
                anchor=anchor,
                origin=ORIGIN,
            )

        began = time.perf_counter()
        log_only = verifier(None).run()
        log_seconds = time.perf_counter() - began
        ensure_clean(log_only, spec)
        memory.start()
        began = time.perf_counter()
        report = verifier(sampled).run()
        seconds = time.perf_counter() - began
        memory.sample(sampled.opened)
        figures = memory.figures()
        ensure_clean(report, spec, documents=spec["documents"])
        result = {
            "seconds": seconds,
            "log_seconds": log_seconds,
            "report": report.to_json(),
            **figures,
        }
        if spec["profile"]:
            result["profile"] = profiled(verifier(encrypted).run)
        return result
    finally:
        keys.close()
        store.close()
        archive.close()


CHILDREN = {"seal": seal_child, "verify": verify_child, "documents": documents_child}


def child(spec_path: Path) -> int:
    memory = Memory()  # first, so "after imports" is this process before any work
    spec = json.loads(spec_path.read_text("utf-8"))
    result = CHILDREN[spec["phase"]](spec, memory)
    Path(spec["result"]).write_text(json.dumps(result), "utf-8")
    return 0


def phase_in_child(phase: str, spec: dict[str, Any], tmp: Path) -> dict[str, Any]:
    return run_child(__file__, phase, {**spec, "phase": phase}, tmp)


# ------------------------------------------------------------------------------- documents
@dataclass
class Stored:
    dossier_id: UUID
    sha256: str
    size: int


@dataclass
class DocumentFloor:
    """One pass of the floor over every stored document: seconds per part."""

    read: float
    decrypt: float
    sha256: float

    @property
    def seconds(self) -> float:
        return self.decrypt + self.sha256


@dataclass
class Documents:
    count: int
    dossiers: int
    events: int
    plaintext_bytes: int
    stored_bytes: int
    write_seconds: float
    floors: list[DocumentFloor]
    verify: dict[str, Any]

    @property
    def floor(self) -> DocumentFloor:
        return min(self.floors, key=lambda f: f.seconds)

    @property
    def rate(self) -> float:
        return self.plaintext_bytes / MB / float(self.verify["seconds"])

    @property
    def floor_rate(self) -> float:
        return self.plaintext_bytes / MB / self.floor.seconds


def file_documents(
    archive: DossierArchive, count: int, seed: int
) -> tuple[list[Stored], int, float]:
    """Dossiers opened with a loan's disbursement, ten random-byte documents filed in each.

    Each document goes through the archive's blob store (``EncryptingBlobStore``) under its
    content key, then ``archive.file_documents`` cites it from the dossier, and the loan, the
    dossier and the borrower's index are saved together, as a disbursement with documents is.
    """
    staffing = enrol_staff(archive)
    portfolio = Portfolio(archive, staffing, seed)
    rng = random.Random(seed)
    stored: list[Stored] = []
    dossiers = -(-count // DOCUMENTS_PER_DOSSIER)
    began = time.perf_counter()
    for n in range(dossiers):
        life = LoanLife(portfolio, n, random.Random(seed * 1_000_003 + n))
        refs = []
        for k in range(min(DOCUMENTS_PER_DOSSIER, count - len(stored))):
            data = rng.randbytes(rng.randint(DOC_MIN, DOC_MAX))
            sha256 = hashlib.sha256(data).hexdigest()
            doc_type = DOC_TYPES[k % len(DOC_TYPES)]
            refs.append(
                DocumentRef(
                    doc_type=doc_type,
                    sha256=sha256,
                    size=len(data),
                    media_type="application/octet-stream",
                    filename=f"{doc_type}-{life.loan.loan_no}.bin",
                )
            )
            created = archive.blobs.put(blob_key(life.dossier.id, sha256), io.BytesIO(data))
            assert created, f"document {sha256} was already stored"
            stored.append(Stored(life.dossier.id, sha256, len(data)))
        archive.file_documents(life.dossier, life.loan, refs, life.manager.actor)
        archive.save(life.loan, life.dossier, life.index)
    return stored, dossiers, time.perf_counter() - began


def document_floor(blobs: EncryptingBlobStore, stored: Sequence[Stored]) -> DocumentFloor:
    """Read each stored ciphertext whole, decrypt it under its data key, SHA-256 the plaintext."""
    data_keys: dict[UUID, DataKey] = {}
    for doc in stored:
        if doc.dossier_id not in data_keys:
            data_keys[doc.dossier_id] = blobs.envelope.data_key(doc.dossier_id, create=False)
    read = decrypt = hashing = 0.0
    for doc in stored:
        start = time.perf_counter()
        with blobs.inner.open(blob_key(doc.dossier_id, doc.sha256)) as stream:
            sealed = stream.read()
        read_at = time.perf_counter()
        key = data_keys[doc.dossier_id]
        plain = decrypt_stream(key, doc.dossier_id, doc.sha256, io.BytesIO(sealed)).read()
        decrypted = time.perf_counter()
        digest = hashlib.sha256(plain).hexdigest()
        end = time.perf_counter()
        assert digest == doc.sha256, f"document {doc.sha256} decrypted to other bytes"
        read += read_at - start
        decrypt += decrypted - read_at
        hashing += end - decrypted
    return DocumentFloor(read, decrypt, hashing)


def run_documents(backend: str, tmp: Path, signer: Signer, args: argparse.Namespace) -> Documents:
    tmp.mkdir()
    master = MasterKey.generate()
    keys = SQLiteKeyStore(tmp / "keys.sqlite")
    blobs = EncryptingBlobStore(LocalBlobStore(tmp / "blobs"), Envelope(keys, master))
    try:
        with event_store(backend, tmp, args.postgres_url) as env:
            archive = DossierArchive(dict(env), blobs=blobs)
            store = integrity_store_beside(env, tmp)
            witness = tmp / "checkpoints.jsonl"
            try:
                console.print(f"{backend}: filing {args.documents:,} documents …")
                stored, dossiers, write_seconds = file_documents(
                    archive, args.documents, args.seed + 1
                )
                events = archive.recorder.max_notification_id() or 0
                sealer = Sealer(archive.recorder, store, signer, ORIGIN, FileWitness(witness))
                sealer.catch_up()
                sealer.seal()
            finally:
                store.close()
                archive.close()
            plaintext = sum(doc.size for doc in stored)
            on_disk = sum(f.stat().st_size for f in (tmp / "blobs").rglob("*") if f.is_file())
            console.print(
                f"{backend}: {len(stored):,} documents, {plaintext / MB:,.0f} MB, in "
                f"{dossiers:,} dossiers ({events:,} events), written in {write_seconds:.0f} s; "
                "verifying …"
            )
            spec = {
                "env": dict(env),
                "data_dir": str(tmp),
                "witness": str(witness),
                "signing_seed": signer.seed_base64(),
                "keys": str(tmp / "keys.sqlite"),
                "blobs": str(tmp / "blobs"),
                "master_key": master.to_base64(),
                "events": events,
                "checkpoints": 1,
                "documents": len(stored),
                "profile": args.profile,
            }
            floors = [document_floor(blobs, stored)]
            verify = phase_in_child("documents", spec, tmp)
            floors.append(document_floor(blobs, stored))
    finally:
        keys.close()
    return Documents(
        count=len(stored),
        dossiers=dossiers,
        events=events,
        plaintext_bytes=plaintext,
        stored_bytes=on_disk,
        write_seconds=write_seconds,
        floors=floors,
        verify=verify,
    )


# ---------------------------------------------------------------------------------- the run
@dataclass
class Result(Run):
    references: list[Scan]
    seal: dict[str, Any]
    verify: dict[str, Any]
    documents: Documents | None

    def rate(self, phase: dict[str, Any]) -> float:
        return float(self.total_events / phase["seconds"])


def run_backend(backend: str, args: argparse.Namespace) -> Result:
    signer = Signer.generate()
    with tempfile.TemporaryDirectory(prefix="dossier-bench-verify-") as tmp_name:
        tmp = Path(tmp_name)
        with event_store(backend, tmp, args.postgres_url) as env:
            archive = DossierArchive(dict(env), blobs=InMemoryBlobStore())
            try:
                generated, generate_seconds, total = generate_portfolio(
                    archive, backend, args, "scanning, sealing and verifying"
                )
                first = scan("scan, before sealing", archive.recorder)
                references = [
                    scan_pages(f"scan, pages of {PAGE}", archive.recorder, PAGE),
                    scan_pages("scan + leaf hash", archive.recorder, SCAN_LIMIT, hashing=True),
                ]
                spec = {
                    "env": dict(env),
                    "data_dir": str(tmp),
                    "witness": str(tmp / "checkpoints.jsonl"),
                    "signing_seed": signer.seed_base64(),
                    "seal_every": args.seal_every,
                    "events": total,
                    "profile": args.profile,
                }
                seal = phase_in_child("seal", spec, tmp)
                console.print(
                    f"{backend}: sealed {seal['leaves']:,} events, {seal['checkpoints']} "
                    f"checkpoints, in {seal['seconds']:.0f} s"
                )
                verify = phase_in_child("verify", {**spec, "checkpoints": seal["checkpoints"]}, tmp)
                console.print(f"{backend}: verified in {verify['seconds']:.0f} s")
                second = scan("scan, after verifying", archive.recorder)
            finally:
                archive.close()
        documents = None
        if args.documents:
            documents = run_documents(backend, tmp / "documents", signer, args)
    seal["every"] = args.seal_every
    scans = [first, second]
    return Result(
        **run_fields(backend, generated, total, generate_seconds, scans),
        references=references,
        seal=seal,
        verify=verify,
        documents=documents,
    )


# --------------------------------------------------------------------------------- printing
def rss_at(samples: Sequence[Sequence[float]], share: float, last: float) -> tuple[int, float]:
    """The first sample at or past ``share`` of the work: (done, RSS KiB)."""
    for done, rss, _t in samples:
        if done >= share * last:
            return int(done), rss
    done, rss, _t = samples[-1]
    return int(done), rss


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def print_log(results: Sequence[Result]) -> None:
    table = Table(title="Sealing and verifying the log: events/s against the raw scan (same run)")
    for name in ("backend", "case", "events", "seconds", "events/s", "ratio"):
        table.add_column(name, justify="left" if name in ("backend", "case") else "right")
    for r in results:
        floor = r.floor
        for s in r.scans + r.references:
            table.add_row(
                r.backend,
                s.label + (" (floor)" if s is floor else ""),
                f"{s.events:,}",
                f"{s.seconds:.2f}",
                f"{s.rate:,.0f}",
                "1.00" if s is floor else f"{s.rate / floor.rate:.2f}",
                style=None if s is floor or s in r.references else "dim",
            )
        seal = r.seal
        for label, phase in (
            (f"seal: leaves + {plural(seal['checkpoints'], 'checkpoint')}", seal),
            ("verify, no documents", r.verify),
        ):
            rate = r.rate(phase)
            table.add_row(
                r.backend,
                label,
                f"{r.total_events:,}",
                f"{phase['seconds']:.2f}",
                f"{rate:,.0f}",
                f"[bold]{rate / floor.rate:.2f}[/bold]",
            )
    console.print(table)
    console.print(
        f"scan = recorder.select_notifications(start, limit={SCAN_LIMIT}) from 1 to the end, "
        "before sealing and after verifying; the faster is the floor. References: the same scan "
        f"in pages of {PAGE} (the sealer's batch and the verifier's page), and with "
        "event_leaf_hash of every event. seal = Sealer.step() to the head (catch_up's loop, "
        f"{BATCH_SIZE} events a transaction) with seal() every {results[0].seal['every']:,} events "
        "and at the end, each checkpoint signed, stored and appended to a FileWitness. verify = "
        "Verifier(...).run() without documents, the witness given and the trusted keys as "
        "dossier verify resolves them from the settings (the signing key's verifier key "
        "configured); its report was clean and anchored to the configured keys. Both in child "
        "processes. ratio = events/s ÷ the floor's events/s."
    )
    for r in results:
        seal = r.seal
        console.print(
            f"{r.backend}: of the seal's {seal['seconds']:.1f} s, {seal['seal_seconds']:.2f} s "
            f"went to {plural(seal['checkpoints'], 'seal() call')}; the witness holds "
            f"{plural(seal['witnessed'], 'checkpoint')}."
        )


def print_documents(results: Sequence[Result]) -> None:
    with_documents = [r for r in results if r.documents is not None]
    if not with_documents:
        return
    table = Table(title="Verifying documents: MB/s against decrypt + SHA-256 of the same bytes")
    for name in (
        "backend",
        "documents",
        "MB",
        "verify s",
        "MB/s",
        "docs/s",
        "floor MB/s",
        "ratio",
        "floor + read MB/s",
        "ratio to it",
        "log only s",
    ):
        table.add_column(name, justify="left" if name == "backend" else "right")
    for r in with_documents:
        d = cast(Documents, r.documents)
        floor = d.floor
        with_read = d.plaintext_bytes / MB / (floor.seconds + floor.read)
        table.add_row(
            r.backend,
            f"{d.count:,}",
            f"{d.plaintext_bytes / MB:,.0f}",
            f"{d.verify['seconds']:.2f}",
            f"{d.rate:,.0f}",
            f"{d.count / d.verify['seconds']:,.0f}",
            f"{d.floor_rate:,.0f}",
            f"[bold]{d.rate / d.floor_rate:.2f}[/bold]",
            f"{with_read:,.0f}",
            f"{d.rate / with_read:.2f}",
            f"{d.verify['log_seconds']:.2f}",
        )
    console.print(table)
    for r in with_documents:
        d = cast(Documents, r.documents)
        floor = d.floor
        per_doc = {
            "read": floor.read,
            "decrypt": floor.decrypt,
            "SHA-256": floor.sha256,
        }
        parts = ", ".join(f"{k} {1000 * v / d.count:.2f}" for k, v in per_doc.items())
        console.print(
            f"{r.backend}: {d.count:,} documents of {DOC_MIN // 1024}–{DOC_MAX // 1024} KiB random "
            f"bytes in {d.dossiers:,} dossiers ({d.events:,} events, "
            f"{d.stored_bytes / MB:,.0f} MB stored), written in {d.write_seconds:.0f} s. Floor "
            f"(the faster of {len(d.floors)} passes, ms per document): {parts}."
        )
    console.print(
        "verify = Verifier(..., blobs=EncryptingBlobStore(LocalBlobStore), SQLiteKeyStore).run() "
        "over the documents' own store: every DocumentFiled event's document opened, decrypted "
        "in segments and hashed, its data key read and unwrapped each time; clean report. log "
        "only s = the same verifier without blobs on that store. floor = decrypt_stream + "
        "hashlib.sha256 of each stored ciphertext already in memory, data keys unwrapped "
        "beforehand; floor + read = with the raw file read too. MB = 10⁶ bytes of plaintext. "
        "The files were just written, so reads come from the page cache."
    )


def print_memory(results: Sequence[Result]) -> None:
    memory = Table(title="Memory of each phase's child process (MiB)")
    for name in ("backend", "phase", "after imports", "before"):
        memory.add_column(name, justify="left" if name in ("backend", "phase") else "right")
    for share in MARKS:
        memory.add_column(f"at {share:.0%}", justify="right")
    for name in ("growth 10→100 %", "peak (VmHWM)", "ru_maxrss", "samples"):
        memory.add_column(name, justify="right")
    for r in results:
        phases = [("seal", r.seal), ("verify", r.verify)]
        if r.documents is not None:
            phases.append(("verify + documents", r.documents.verify))
        for name, phase in phases:
            samples = phase["samples"]
            last = samples[-1][0]
            marks = [rss_at(samples, share, last) for share in MARKS]
            growth = marks[-1][1] - marks[0][1]
            memory.add_row(
                r.backend,
                name,
                mib(phase["rss_imported_kib"]),
                mib(phase["rss_before_kib"]),
                *(mib(rss) for _done, rss in marks),
                f"{growth / 1024:+,.1f}",
                mib(phase["vm_hwm_kib"]),
                mib(phase["ru_maxrss_kib"]),
                str(len(samples)),
            )
    console.print(memory)
    console.print(
        f"RSS = VmRSS of the child, sampled every {SAMPLE_EVERY:,} events (seal, verify) or as "
        "each document is opened; at N % = the first sample at or past N % of the events or "
        "documents. Peak = VmHWM, the child's own high-water mark; ru_maxrss can carry the "
        "parent's peak across fork and exec (see bench/rebuild.py)."
    )
    for r in results:
        for name, phase in (
            ("verify", r.verify),
            ("documents", r.documents.verify if r.documents else {}),
        ):
            if phase and "profile" in phase:
                console.print(
                    f"\n[bold]{r.backend}: profile of one more {name} run under cProfile "
                    "(slower than the timed one)[/bold]"
                )
                console.print(phase["profile"], markup=False, highlight=False)


# -------------------------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    parser = log_parser(__doc__)
    parser.add_argument(
        "--seal-every",
        type=int,
        default=SEAL_EVERY,
        help="events between checkpoints while sealing (default 100,000)",
    )
    parser.add_argument(
        "--documents",
        type=int,
        default=DOCUMENTS,
        help="documents of 256 KiB-1 MiB to file and verify (default 2,000; 0 skips)",
    )
    parser.add_argument("--seed", type=int, default=20260701, help="the portfolio's seed")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also run each verification once more under cProfile and print where time goes",
    )
    args = parse_log_args(parser, argv)
    if args.child is not None:
        return child(args.child)
    if args.seal_every < 1 or args.documents < 0:
        parser.error("--seal-every must be positive and --documents not negative")

    backends = chosen_backends(args)

    started = time.perf_counter()
    results = each_backend(backends, lambda backend: run_backend(backend, args))
    print_portfolio(results)
    print_log(results)
    print_documents(results)
    print_memory(results)
    print_peak(started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
