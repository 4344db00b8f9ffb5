"""Commands per second through the archive, each next to its floor measured in the same run.

Run ``.venv/bin/python bench/ingest.py [--backend sqlite|postgres|both] [--n N]`` (or
``make bench``). Every case sends N commands through the real application
(:class:`archive.application.DossierArchive` on a fresh event store and a fresh
:class:`storage.blobs.LocalBlobStore`) and, interleaved command by command, N commands to its
floor: a bare eventsourcing ``Application`` that saves, in one ``save()``, the same number of
events of the same stored size on as many aggregates (new or existing) as the archive's command
did — plus, for the document case, a bare ``LocalBlobStore.put`` of the same PDF bytes. The
floor is held in memory: it loads nothing, checks nothing and parses nothing.

Cases:

* ``disburse`` — a disbursement without documents: a new loan, its dossier and the borrower's
  index, in one save;
* ``inspection`` — ``record_inspection`` without documents (caller's role and the reviewer's
  roles resolved now, loan replayed from its events);
* ``inspection + PDF`` — the same with one ~64 KiB inspection report (a different PDF for each
  command, rendered before timing), so also staging, blob put and the dossier's filing event;
* ``inspection, long history`` — ``inspection`` on loans that already hold ``--history``
  events, to show what replaying an aggregate without snapshots costs.

PostgreSQL (``--postgres-url``, default ``postgresql://postgres@127.0.0.1:5432/test``) gets a
fresh schema ``bench_<random>``, dropped afterwards. With no ``--backend`` both stores are
measured when PostgreSQL answers, otherwise SQLite alone.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, TypeVar
from uuid import UUID

# ``python bench/ingest.py`` puts bench/ first on sys.path: the benchmarks' measures.
import common
from common import Rates
from eventsourcing.application import Application
from eventsourcing.domain import (
    Aggregate,
    DomainEventProtocol,
    MutableOrImmutableAggregate,
    event,
)
from eventsourcing.persistence import Recording
from measure import peak_rss_mib, percentile, postgres_reachable, postgres_schema
from pypdf import PdfReader
from rich.console import Console
from rich.table import Table

import archive.documents.ingest
from archive.application import DossierArchive
from archive.commands.inspections import RecordInspection
from archive.commands.lifecycle import Disburse
from archive.commands.staff import EnrolStaff
from archive.config import ArchiveConfig
from archive.core import SYSTEM_ID, CommandContext
from archive.documents.ingest import StagedDocument, Upload, from_bytes
from domain.rules import RuleSet, shipped_rules
from domain.staff import Staff
from domain.values import (
    BorrowerType,
    GuaranteeType,
    InspectionKind,
    Product,
    RepaymentMethod,
    Role,
)
from storage.blobs import LocalBlobStore
from storage.eventstore import postgres_env, sqlite_env

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
PDF_SIZE = 64 * 1024
LONG_HISTORY_LOANS = 10
VALUE_DATE = date(2025, 1, 10)
FINDINGS = (
    "借款人生产经营正常，贷款资金按合同约定用途使用，未发现挪用；担保人经营稳定，担保能力未见下降。"
)
_CORPORATE = shipped_rules().checklists.get("corporate")
ANSWERED: dict[str, Any] = (
    {
        "answers": [{"item": item.code, "result": "normal"} for item in _CORPORATE.items],
        "figures": {figure.code: "1000000.00" for figure in _CORPORATE.figures},
        "judgment": "normal",
    }
    if _CORPORATE is not None
    else {}
)
"""The corporate checklist of the shipped rules answered all normal (its form is generated)."""

A = TypeVar("A", bound=Aggregate)
console = Console() if sys.stdout.isatty() else Console(width=170)  # no wrapping when piped


# ------------------------------------------------------------------------------ timing probes
class Parts(common.Parts):
    """Seconds spent in named parts of the command path, and how much history was replayed."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: dict[str, int] = defaultdict(int)
        self.replayed: dict[str, int] = defaultdict(int)
        self.last_save: list[Recording[UUID]] = []

    def reset(self) -> None:
        super().reset()
        self.loads.clear()
        self.replayed.clear()


class TimedBlobStore(LocalBlobStore):
    """The local blob store, timing each ``put``."""

    def __init__(self, root: Path, parts: Parts) -> None:
        super().__init__(root)
        self.parts = parts

    def put(self, key: str, data: BinaryIO, *, retain_until: datetime | None = None) -> bool:
        with self.parts.timing("blob put"):
            return super().put(key, data, retain_until=retain_until)


class BenchArchive(DossierArchive):
    """The real application, timing its loads, existence checks and saves (< 1 µs each)."""

    name = DossierArchive.name
    parts: Parts

    def _load(self, cls: type[A], aggregate_id: UUID, zh: str, en: str) -> A:
        start = time.perf_counter()
        aggregate = super()._load(cls, aggregate_id, zh, en)
        if cls is not Staff:  # timed below, kept copy or not
            self.parts.seconds[f"load {cls.__name__}"] += time.perf_counter() - start
            self.parts.loads[cls.__name__] += 1
            self.parts.replayed[cls.__name__] += aggregate.version
        return aggregate

    def _staff_record(self, staff_id: UUID, zh: str, en: str) -> Staff:
        start = time.perf_counter()
        staff = super()._staff_record(staff_id, zh, en)
        self.parts.seconds["load Staff"] += time.perf_counter() - start
        self.parts.loads["Staff"] += 1
        self.parts.replayed["Staff"] += staff.version
        return staff

    def _exists(self, aggregate_id: Any) -> bool:
        with self.parts.timing("exists?"):
            return super()._exists(aggregate_id)

    def save(
        self,
        *objs: MutableOrImmutableAggregate[UUID] | DomainEventProtocol[UUID] | None,
        **kwargs: Any,
    ) -> list[Recording[UUID]]:
        with self.parts.timing("save"):
            recordings = super().save(*objs, **kwargs)
        self.parts.last_save = recordings
        return recordings


@contextmanager
def timed_stage(parts: Parts) -> Iterator[None]:
    """Time ``archive.documents.ingest.stage`` (checks, hash, spool, pypdf page count) inside commands."""
    original = archive.documents.ingest.stage

    def stage(upload: Upload, config: ArchiveConfig, rules: RuleSet) -> StagedDocument:
        with parts.timing("stage"):
            return original(upload, config, rules)

    archive.documents.ingest.stage = stage
    try:
        yield
    finally:
        archive.documents.ingest.stage = original


# -------------------------------------------------------------------------------------- floor
class Note(Aggregate):
    """The floor's aggregate: one payload, one event method."""

    def __init__(self, payload: str) -> None:
        self.payload = payload

    @event("Noted")
    def note(self, payload: str) -> None:
        self.payload = payload


class Floor(Application[UUID]):
    """A bare eventsourcing application in the same kind of store."""


@dataclass
class Slot:
    """One aggregate touched by a command: new or existing, and its events' stored sizes."""

    new: bool
    payloads: list[str]
    pool: list[Note] = field(default_factory=list)


class FloorCommand:
    """Saves, in one ``save()``, events shaped like those of one archive command."""

    def __init__(self, floor: Floor, recordings: Sequence[Recording[UUID]], pool_size: int) -> None:
        self.floor = floor
        created = self._state_size(Note(payload=""))
        note = Note(payload="")
        note.collect_events()
        note.note("")
        noted = self._state_size(note)
        self.slots: list[Slot] = []
        self.sizes: list[int] = []
        by_aggregate: dict[UUID, list[Recording[UUID]]] = {}
        for recording in recordings:
            by_aggregate.setdefault(recording.domain_event.originator_id, []).append(recording)
        for group in by_aggregate.values():
            new = group[0].domain_event.originator_version == 1
            payloads = []
            for index, recording in enumerate(group):
                size = len(recording.notification.state)
                self.sizes.append(size)
                base = created if new and index == 0 else noted
                payloads.append("x" * max(0, size - base))
            slot = Slot(new, payloads)
            if not new:
                slot.pool = [Note(payload="") for _ in range(pool_size)]
                floor.save(*slot.pool)
            self.slots.append(slot)

    def _state_size(self, aggregate: Note) -> int:
        (domain_event,) = aggregate.collect_events()
        return len(self.floor.mapper.to_stored_event(domain_event).state)

    def __call__(self, i: int) -> None:
        touched: list[Note] = []
        for slot in self.slots:
            if slot.new:
                aggregate = Note(payload=slot.payloads[0])
                rest = slot.payloads[1:]
            else:
                aggregate, rest = slot.pool[i % len(slot.pool)], slot.payloads
            for payload in rest:
                aggregate.note(payload)
            touched.append(aggregate)
        self.floor.save(*touched)


# -------------------------------------------------------------------------------- documents
def render_pdfs(count: int) -> list[bytes]:
    """``count`` valid ~64 KiB inspection reports that differ in one header line of each page."""
    return common.render_pdfs("inspection_report", PDF_SIZE, count)


# ----------------------------------------------------------------------------------- results
@dataclass
class Result(Rates):
    case: str
    backend: str
    n: int
    app: list[float]
    floor: list[float]
    events: int
    event_bytes: int
    history: float | None
    parts: dict[str, float]
    floor_parts: dict[str, float] = field(default_factory=dict)


# ----------------------------------------------------------------------------------- the run
@dataclass
class Bench:
    backend: str
    app: BenchArchive
    floor: Floor
    floor_blobs: LocalBlobStore
    parts: Parts
    n: int
    warmup: int
    pdfs: list[bytes]
    history: int
    manager: CommandContext = field(init=False)
    loans: list[str] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)

    def setup_staff(self) -> None:
        console_ctx = CommandContext(SYSTEM_ID)
        tokens = {}
        for staff_no, name, role in (
            ("am001", "张伟", Role.ACCOUNT_MANAGER),
            ("rv001", "王芳", Role.REVIEWER),
        ):
            token = self.app.execute(
                console_ctx,
                EnrolStaff(staff_no=staff_no, name=name, branch="城东支行", roles=[role]),
            ).token
            assert token is not None
            tokens[staff_no] = token.token
        self.manager = CommandContext(self.app.authenticate(tokens["am001"]))

    def measure(
        self,
        case: str,
        command: Callable[[int], object],
        pool_size: int,
        pdfs: Sequence[bytes] = (),
    ) -> Result:
        """Warm up, shape the floor on the last warm-up command, then alternate app and floor.

        Command ``i`` of the application and of the floor handle the same PDF, ``pdfs[i]``.
        """
        for i in range(self.warmup):
            command(i)
        floor_command = FloorCommand(self.floor, self.parts.last_save, pool_size)
        # Like the archive's keys: one folder per dossier, used again and again.
        folders = [uuid.uuid4() for _ in range(pool_size)]
        floor_keys = [
            f"{folders[i % pool_size]}/{hashlib.sha256(p).hexdigest()}" for i, p in enumerate(pdfs)
        ]
        floor_parts: dict[str, float] = defaultdict(float)

        def floor_step(i: int) -> None:
            if pdfs:
                start = time.perf_counter()
                self.floor_blobs.put(floor_keys[i], io.BytesIO(pdfs[i]))
                floor_parts["blob put"] += time.perf_counter() - start
            start = time.perf_counter()
            floor_command(i)
            floor_parts["save"] += time.perf_counter() - start

        for i in range(self.warmup):
            floor_step(i)
        floor_parts.clear()
        self.parts.reset()
        app_times: list[float] = []
        floor_times: list[float] = []
        offset = self.warmup
        for i in range(self.n):
            start = time.perf_counter()
            command(offset + i)
            app_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            floor_step(offset + i)
            floor_times.append(time.perf_counter() - start)
        loans = self.parts.loads.get("Loan", 0)
        history = self.parts.replayed["Loan"] / loans if loans else None
        result = Result(
            case=case,
            backend=self.backend,
            n=self.n,
            app=app_times,
            floor=floor_times,
            events=len(floor_command.sizes),
            event_bytes=sum(floor_command.sizes),
            history=history,
            parts={k: v / self.n for k, v in self.parts.seconds.items()},
            floor_parts={k: v / self.n for k, v in floor_parts.items()},
        )
        self.results.append(result)
        return result

    def disburse(self, i: int) -> None:
        loan_no = f"BN{i:010d}"
        facts = Disburse(
            loan_no=loan_no,
            borrower_id=f"91330523MA2B{i:06d}",
            borrower_name=f"云溪恒盛机械制造有限公司（{i}）",
            borrower_type=BorrowerType.CORPORATE,
            borrower_rating="A",
            product=Product.CORPORATE_WORKING_CAPITAL,
            principal=Decimal("1200000.00"),
            interest_rate="4.85%",
            value_date=VALUE_DATE,
            maturity_date=date(2026, 1, 10),
            repayment_method=RepaymentMethod.BULLET,
            guarantee_type=GuaranteeType.GUARANTEE,
            branch="城东支行",
            purpose="购买钢材等原材料",
        )
        self.app.execute(self.manager, facts)
        self.loans.append(loan_no)

    def inspect(
        self, pool: Sequence[str], uploads: Callable[[int], list[Upload]]
    ) -> Callable[[int], None]:
        def command(i: int) -> None:
            self.app.execute(
                self.manager,
                RecordInspection(
                    loan_no=pool[i % len(pool)],
                    kind=InspectionKind.ROUTINE,
                    inspected_on=date(2025, 4, 10),
                    reviewer_no="rv001",
                    findings=f"{FINDINGS}（第{i}次）",
                    **ANSWERED,
                ),
                uploads(i),
            )

        return command

    def run(self) -> None:
        self.setup_staff()
        total = self.warmup + self.n
        self.measure("disburse", self.disburse, pool_size=1)
        pool = max(1, self.n // 10)
        short, documented = self.loans[:pool], self.loans[pool : 2 * pool]

        def no_uploads(_i: int) -> list[Upload]:
            return []

        self.measure("inspection", self.inspect(short, no_uploads), pool_size=pool)

        # One PDF per command, warm-up included; the Upload (a BytesIO) is made when called.
        def one_pdf(i: int) -> list[Upload]:
            return [from_bytes("inspection_report", f"inspection-{i:05d}.pdf", self.pdfs[i])]

        assert len(self.pdfs) >= total
        with timed_stage(self.parts):
            self.measure(
                "inspection + PDF",
                self.inspect(documented, one_pdf),
                pool_size=pool,
                pdfs=self.pdfs[:total],
            )

        if self.history > 1:
            long = self.loans[2 * pool : 2 * pool + LONG_HISTORY_LOANS]
            assert long, "too few loans for the long-history case: raise --warmup or --n"
            seed = self.inspect(long, no_uploads)
            for i in range(len(long) * (self.history - 1)):  # each loan holds 1 event already
                seed(i)
            self.measure("inspection, long history", self.inspect(long, no_uploads), len(long))


# --------------------------------------------------------------------------------- backends
@contextmanager
def sqlite_store(tmp: Path) -> Iterator[tuple[Mapping[str, str], Mapping[str, str]]]:
    yield sqlite_env(tmp / "events.sqlite"), sqlite_env(tmp / "floor.sqlite")


@contextmanager
def postgres_store(url: str) -> Iterator[tuple[Mapping[str, str], Mapping[str, str]]]:
    with postgres_schema(url) as schema:
        env = postgres_env(url, schema=schema)
        yield env, env  # the floor's table is named after its application: floor_events


def run_backend(backend: str, args: argparse.Namespace, pdfs: list[bytes]) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="dossier-bench-") as tmp_name:
        tmp = Path(tmp_name)
        store = sqlite_store(tmp) if backend == "sqlite" else postgres_store(args.postgres_url)
        with store as (app_env, floor_env):
            parts = Parts()
            app = BenchArchive(dict(app_env), blobs=TimedBlobStore(tmp / "blobs", parts))
            app.parts = parts
            floor = Floor(dict(floor_env))
            try:
                bench = Bench(
                    backend=backend,
                    app=app,
                    floor=floor,
                    floor_blobs=LocalBlobStore(tmp / "floor-blobs"),
                    parts=parts,
                    n=args.n,
                    warmup=args.warmup,
                    pdfs=pdfs,
                    history=args.history,
                )
                bench.run()
            finally:
                app.close()
                floor.close()
    return bench.results


def stage_alone(pdfs: Sequence[bytes]) -> dict[str, float]:
    """Milliseconds per PDF for staging and for its parts, outside any command."""
    config = ArchiveConfig()
    rules = shipped_rules()  # the catalogue of document types stage() checks each upload against
    timings: dict[str, float] = {}
    start = time.perf_counter()
    for data in pdfs:
        hashlib.sha256(data).hexdigest()
    timings["sha-256 of the bytes"] = time.perf_counter() - start
    start = time.perf_counter()
    for data in pdfs:
        len(PdfReader(io.BytesIO(data), strict=False).pages)
    timings["pypdf page count"] = time.perf_counter() - start
    start = time.perf_counter()
    for i, data in enumerate(pdfs):
        archive.documents.ingest.stage(
            from_bytes("inspection_report", f"r-{i}.pdf", data), config, rules
        ).close()
    timings["archive.documents.ingest.stage (all of it)"] = time.perf_counter() - start
    return {k: 1000 * v / len(pdfs) for k, v in timings.items()}


# ---------------------------------------------------------------------------------- printing
PART_ORDER = ("stage", "load Staff", "load Loan", "load Dossier", "exists?", "blob put", "save")


def print_results(results: Sequence[Result]) -> None:
    table = Table(title="Commands per second: application against its floor (same run)")
    for name in ("case", "backend", "n", "events / bytes", "commands/s", "floor/s", "ratio"):
        table.add_column(name, justify="left" if name in ("case", "backend") else "right")
    for name in ("p50 ms", "p95 ms", "floor p50", "floor p95"):
        table.add_column(name, justify="right")
    for r in results:
        table.add_row(
            r.case,
            r.backend,
            str(r.n),
            f"{r.events} / {r.event_bytes:,}",
            f"{r.app_rate:,.0f}",
            f"{r.floor_rate:,.0f}",
            f"{r.app_rate / r.floor_rate:.2f}",
            f"{1000 * statistics.median(r.app):.2f}",
            f"{1000 * percentile(r.app, 95):.2f}",
            f"{1000 * statistics.median(r.floor):.2f}",
            f"{1000 * percentile(r.floor, 95):.2f}",
        )
    console.print(table)
    console.print(
        "ratio = application commands/s ÷ floor commands/s. Floor: a bare eventsourcing save of "
        "as many events of the same stored size (in bytes of JSON) on as many aggregates, in "
        "the same kind of store; for the PDF case, plus a bare LocalBlobStore.put of the same "
        "bytes."
    )

    breakdown = Table(title="Where an application command's time goes (ms per command)")
    breakdown.add_column("case")
    breakdown.add_column("backend")
    for part in PART_ORDER:
        breakdown.add_column(part, justify="right")
    breakdown.add_column("rest", justify="right")
    breakdown.add_column("total", justify="right")
    breakdown.add_column("loan history", justify="right")
    for r in results:
        total = 1000 * sum(r.app) / len(r.app)
        cells = [r.parts.get(part) for part in PART_ORDER]
        rest = total - 1000 * sum(c for c in cells if c is not None)
        breakdown.add_row(
            r.case,
            r.backend,
            *("" if c is None else f"{1000 * c:.2f}" for c in cells),
            f"{rest:.2f}",
            f"{total:.2f}",
            "" if r.history is None else f"{r.history:.1f} events",
        )
        if r.floor_parts:
            floor_total = 1000 * sum(r.floor) / len(r.floor)
            floor_cells = {k: f"{1000 * v:.2f}" for k, v in r.floor_parts.items()}
            breakdown.add_row(
                "  floor",
                r.backend,
                *(floor_cells.get(part, "") for part in PART_ORDER),
                "",
                f"{floor_total:.2f}",
                "",
                style="dim",
            )
    console.print(breakdown)
    console.print(
        "load X: replaying aggregate X from its events (Staff: the caller, for the role held "
        "now, and the reviewer); exists?: the disbursement's look-ups of the loan and borrower "
        "index; rest: domain checks, events, fingerprints and results in Python. Floor rows: "
        "the PDF case's floor split into its blob put and its save. Loan history: events "
        "replayed per loan load."
    )


# -------------------------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"))
    parser.add_argument("--n", type=int, default=300, help="measured commands per case")
    parser.add_argument("--warmup", type=int, default=30, help="unmeasured commands per case")
    parser.add_argument(
        "--history",
        type=int,
        default=100,
        help="events per loan in the long-history case (0: skip)",
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    args = parser.parse_args(argv)
    if args.n < 2 or args.warmup < 1:
        parser.error("--n must be at least 2 and --warmup at least 1")

    if args.backend is None:
        both = postgres_reachable(args.postgres_url)
        backends = ["sqlite", "postgres"] if both else ["sqlite"]
        if not both:
            console.print(f"PostgreSQL not reachable at {args.postgres_url}: SQLite only.")
    elif args.backend == "both":
        backends = ["sqlite", "postgres"]
    else:
        backends = [args.backend]

    started = time.perf_counter()
    pdf_count = args.warmup + args.n
    start = time.perf_counter()
    pdfs = render_pdfs(pdf_count)
    console.print(
        f"Rendered {pdf_count} distinct PDFs of {len(pdfs[0]):,} bytes, "
        f"{len(PdfReader(io.BytesIO(pdfs[0])).pages)} pages each, in "
        f"{time.perf_counter() - start:.1f} s (not measured)."
    )
    results: list[Result] = []
    for backend in backends:
        start = time.perf_counter()
        results.extend(run_backend(backend, args, pdfs))
        console.print(
            f"{backend}: {time.perf_counter() - start:.1f} s; peak RSS so far "
            f"{peak_rss_mib():.0f} MiB"
        )
    print_results(results)

    alone = stage_alone(pdfs[args.warmup :])
    table = Table(title=f"Staging alone, outside commands ({len(pdfs[0]) // 1024} KiB PDFs)")
    table.add_column("step")
    table.add_column("ms per PDF", justify="right")
    for step, ms in alone.items():
        table.add_row(step, f"{ms:.2f}")
    console.print(table)
    console.print(
        f"Peak RSS {peak_rss_mib():.0f} MiB (includes the {pdf_count} PDFs held in memory, "
        f"{pdf_count * len(pdfs[0]) / 2**20:.0f} MiB). Total {time.perf_counter() - started:.0f} s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
