"""The sealer: a Merkle log over the stored events, signed checkpoints, proofs and witnesses.

Each scenario runs on SQLite and on PostgreSQL (``store_env``) with the real application, except
where a log of several hundred events is needed: there a one-line aggregate fills it quickly.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import ApplicationRecorder, Notification
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier
from structlog.testing import capture_logs

from archive.application import DossierArchive
from archive.core import CommandContext
from canonical import canonical_json
from storage.blobs import BlobLockedError
from storage.checkpoints import Checkpoint, sign_checkpoint
from storage.eventstore import postgres_env
from storage.integrity_store import IntegrityStore
from storage.merkle import (
    check_consistency,
    check_inclusion,
    leaf_hash,
    root_hash,
)
from storage.proofs import Subtrees
from storage.sealing import (
    LeafConflictError,
    LogMismatchError,
    NotSealedError,
    Sealer,
    event_entry,
    event_leaf_hash,
    integrity_store_beside,
)
from storage.signing import PublicKey, Signer
from storage.witness import FileWitness, S3Witness, WitnessConflictError, WitnessError
from tests.factories import make_disbursement
from tests.postgres import fresh_schema
from tests.storage.seaweed import SeaweedFS

ORIGIN = "dossier.example-bank"


class Counter(Aggregate):
    """A one-line aggregate, to fill a log with hundreds of events quickly."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.count = 0

    @event("Counted")
    def count_up(self) -> None:
        self.count += 1


# ------------------------------------------------------------------------------------ fixtures
@pytest.fixture
def integrity(store_env: dict[str, str], tmp_path: Path) -> Iterator[IntegrityStore]:
    """The integrity store beside the test's event store (its own file, or the same schema)."""
    with closing(integrity_store_beside(store_env, tmp_path)) as store:
        yield store


@pytest.fixture
def open_store(store_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[[], IntegrityStore]]:
    """Opens more store objects on the same integrity database (as other processes would)."""
    opened: list[IntegrityStore] = []

    def open_one() -> IntegrityStore:
        store = integrity_store_beside(store_env, tmp_path)
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        store.close()


@pytest.fixture
def separate_store(
    store_env: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[IntegrityStore]:
    """A second, independent integrity database on the same backend."""
    if store_env["PERSISTENCE_MODULE"] != "eventsourcing.postgres":
        store = integrity_store_beside(store_env, tmp_path / "separate")
        yield store
        store.close()
        return
    url: str = request.getfixturevalue("postgres_url")
    with fresh_schema(url) as schema:
        store = integrity_store_beside(postgres_env(url, schema=schema), tmp_path)
        try:
            yield store
        finally:
            store.close()


@pytest.fixture
def counters(store_env: dict[str, str]) -> Iterator[Application[UUID]]:
    with closing(Application(env=store_env)) as application:
        yield application


# ------------------------------------------------------------------------------------- helpers
def disburse(app: DossierArchive, staff: dict[str, CommandContext], loans: int) -> None:
    for _ in range(loans):
        app.execute(staff["account_manager"], make_disbursement())


def count_events(app: Application[UUID], events: int) -> None:
    """Store ``events`` more events: every other aggregate counts once after it is created."""
    while events > 0:
        batch: list[Counter] = []
        while events > 0 and len(batch) < 10:
            counter = Counter(f"c{events}")
            events -= 1
            if events > 0 and len(batch) % 2:
                counter.count_up()
                events -= 1
            batch.append(counter)
        app.save(*batch)


def stored(recorder: ApplicationRecorder) -> list[Notification]:
    return list(recorder.select_notifications(start=1, limit=1_000_000))


def expected_root(recorder: ApplicationRecorder, size: int | None = None) -> bytes:
    """The root recomputed from the stored records alone, as an auditor would."""
    notes = stored(recorder)
    return root_hash(leaf_hash(event_entry(n)) for n in notes[:size])


def sealer(
    app: Application[UUID],
    store: IntegrityStore,
    signer: Signer | None = None,
    witness: Any = None,
    **options: Any,
) -> Sealer:
    return Sealer(app.recorder, store, signer or Signer.generate(), ORIGIN, witness, **options)


def drop_events_after(recorder: ApplicationRecorder, notification_id: int) -> None:
    """What a rollback of the events database looks like from outside."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        with recorder.datastore.transaction(commit=True) as c:
            c.execute(
                f"DELETE FROM {recorder.events_table_name} WHERE rowid > ?",  # noqa: S608
                (notification_id,),
            )
        return
    assert isinstance(recorder, PostgresApplicationRecorder)
    statement = SQL("DELETE FROM {}.{} WHERE notification_id > %s").format(
        Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
    )
    with recorder.datastore.transaction(commit=True) as curs:
        curs.execute(statement, (notification_id,))


def rows(store: IntegrityStore, table: sa.Table) -> list[tuple[Any, ...]]:
    with store.reading() as conn:
        return [tuple(r) for r in conn.execute(sa.select(table).order_by(*table.primary_key))]


# ----------------------------------------------------------------------------------- the entry
def test_an_event_entry_is_laid_out_exactly_as_documented() -> None:
    originator = UUID("12345678-1234-5678-1234-567812345678")
    note = Notification(
        id=17,
        originator_id=originator,
        originator_version=3,
        topic="domain.loan:Loan.Disbursed",
        state=b'{"principal":"1000000.00"}',
    )
    assert event_entry(note) == (
        b"DOSSIER-EVENT-1\n"
        + (17).to_bytes(8, "big")
        + originator.bytes
        + (3).to_bytes(8, "big")
        + struct.pack(">I", 26)
        + b"domain.loan:Loan.Disbursed"
        + struct.pack(">I", 26)
        + b'{"principal":"1000000.00"}'
    )
    assert event_leaf_hash(note) == hashlib.sha256(b"\x00" + event_entry(note)).digest()
    as_text = Notification(
        id=17,
        originator_id=str(originator),
        originator_version=3,
        topic=note.topic,
        state=note.state,
    )
    assert event_entry(as_text) == event_entry(note)


def test_an_entry_commits_to_the_position_the_version_the_topic_and_the_state() -> None:
    base = Notification(
        id=5, originator_id=uuid.uuid4(), originator_version=1, topic="t:T", state=b"s"
    )
    variants = [
        Notification(
            id=6, originator_id=base.originator_id, originator_version=1, topic="t:T", state=b"s"
        ),
        Notification(
            id=5, originator_id=uuid.uuid4(), originator_version=1, topic="t:T", state=b"s"
        ),
        Notification(
            id=5, originator_id=base.originator_id, originator_version=2, topic="t:T", state=b"s"
        ),
        Notification(
            id=5, originator_id=base.originator_id, originator_version=1, topic="t:U", state=b"s"
        ),
        Notification(
            id=5, originator_id=base.originator_id, originator_version=1, topic="t:T", state=b"S"
        ),
        Notification(
            id=5, originator_id=base.originator_id, originator_version=1, topic="t:T", state=b"s "
        ),
    ]
    entries = {event_entry(n) for n in [base, *variants]}
    assert len(entries) == 1 + len(variants)


# --------------------------------------------------------------------------------- the sealing
def test_a_checkpoint_commits_to_every_stored_event_and_verifies_with_the_exported_key(
    app: DossierArchive, staff: dict[str, CommandContext], integrity: IntegrityStore
) -> None:
    disburse(app, staff, 3)
    signer = Signer.generate()
    log = sealer(app, integrity, signer)

    appended = log.catch_up()
    checkpoint = log.seal()

    head = app.recorder.max_notification_id()
    assert appended == head == len(stored(app.recorder))
    assert checkpoint is not None
    assert checkpoint.tree_size == head
    assert checkpoint.root_hash == expected_root(app.recorder)
    assert checkpoint.origin == ORIGIN
    exported = PublicKey.from_base64(signer.public_key.to_base64())
    checkpoint.check(exported)
    checkpoint.check(PublicKey.from_pem(signer.public_key.to_pem()))
    assert integrity.latest_checkpoint() == checkpoint
    assert integrity.checkpoint(checkpoint.tree_size) == checkpoint
    [known] = integrity.public_keys()
    assert known.public_key == signer.public_key
    assert known.first_used == checkpoint.timestamp


def test_each_leaf_is_the_hash_of_its_stored_event_in_notification_order(
    app: DossierArchive, staff: dict[str, CommandContext], integrity: IntegrityStore
) -> None:
    disburse(app, staff, 2)
    sealer(app, integrity).catch_up()

    notes = stored(app.recorder)
    for index, note in enumerate(notes):
        assert integrity.leaf_index_of(note.id) == index
        assert integrity.leaf_hash(index) == event_leaf_hash(note)
    assert [(leaf.index, leaf.notification_id) for leaf in integrity.leaves_from(0, batch=7)] == [
        (i, n.id) for i, n in enumerate(notes)
    ]
    assert integrity.leaf_index_of(10_000) is None
    with pytest.raises(NotSealedError):
        integrity.leaf_hash(len(notes))


def test_a_tree_that_has_not_grown_is_not_sealed_again(
    app: DossierArchive, staff: dict[str, CommandContext], integrity: IntegrityStore, tmp_path: Path
) -> None:
    witness = FileWitness(tmp_path / "checkpoints.jsonl")
    log = sealer(app, integrity, witness=witness)
    assert log.seal() is None  # an empty log has nothing to sign

    log.catch_up()
    first = log.seal()
    assert first is not None
    assert log.seal() is None
    assert sealer(app, integrity).seal() is None  # nor by another sealer

    assert integrity.checkpoints() == [first]
    assert witness.read() == [first]


def test_sealing_in_odd_batches_gives_the_same_log_as_sealing_at_once(
    counters: Application[UUID], integrity: IntegrityStore, separate_store: IntegrityStore
) -> None:
    count_events(counters, 700)  # past two 256-leaf tiles and a 512-leaf subtree
    in_steps = sealer(counters, integrity)
    sizes = iter([1, 3, 7, 2, 250, 13, 255, 1, 5, 97])
    seen = []
    while appended := in_steps.step(next(sizes, 64)):
        checkpoint = in_steps.seal()
        assert checkpoint is not None
        assert checkpoint.root_hash == expected_root(counters.recorder, checkpoint.tree_size)
        seen.append(checkpoint.tree_size)
        assert appended

    at_once = sealer(counters, separate_store, batch_size=10_000)
    assert at_once.step() == 700
    final = at_once.seal()

    assert seen[:4] == [1, 4, 11, 13]
    assert seen[-1] == 700
    assert final is not None
    assert final.root_hash == integrity.root() == expected_root(counters.recorder)
    for table in ("leaves", "frontier", "nodes"):
        assert rows(integrity, getattr(integrity, table)) == rows(
            separate_store, getattr(separate_store, table)
        ), table
    assert len(rows(integrity, integrity.nodes)) == 3  # tiles [0,256), [256,512) and [0,512)


def test_a_restarted_sealer_resumes_from_the_saved_frontier(
    counters: Application[UUID], open_store: Callable[[], IntegrityStore]
) -> None:
    count_events(counters, 300)
    first = open_store()
    sealer(counters, first).step(280)
    first.close()

    asked: list[int | None] = []

    class Watching:
        """The recorder, noting where each read starts."""

        def __init__(self, inner: ApplicationRecorder) -> None:
            self.inner = inner

        def select_notifications(self, start: int | None, limit: int, **kw: Any) -> Any:
            asked.append(start)
            return self.inner.select_notifications(start, limit, **kw)

        def max_notification_id(self) -> int | None:
            return self.inner.max_notification_id()

    reopened = open_store()
    assert reopened.size() == 280
    restarted = Sealer(Watching(counters.recorder), reopened, Signer.generate(), ORIGIN)  # type: ignore[arg-type]
    count_events(counters, 10)

    assert restarted.catch_up() == 30
    assert asked[0] == stored(counters.recorder)[279].id + 1
    checkpoint = restarted.seal()
    assert checkpoint is not None
    assert checkpoint.tree_size == 310
    assert checkpoint.root_hash == expected_root(counters.recorder)


def test_an_inclusion_proof_of_every_event_verifies_against_the_checkpoint(
    app: DossierArchive, staff: dict[str, CommandContext], integrity: IntegrityStore
) -> None:
    disburse(app, staff, 2)
    log = sealer(app, integrity)
    log.catch_up()
    checkpoint = log.seal()
    assert checkpoint is not None
    disburse(app, staff, 1)  # not sealed yet

    for note in stored(app.recorder)[: checkpoint.tree_size]:
        proof = integrity.inclusion_proof(note.id, checkpoint.tree_size)
        check_inclusion(
            event_leaf_hash(note),
            proof.leaf_index,
            checkpoint.tree_size,
            proof.audit_path,
            checkpoint.root_hash,
        )
        assert json.loads(json.dumps(proof.to_json()))["tree_size"] == checkpoint.tree_size
        assert integrity.checkpoint_covering(note.id) == checkpoint

    later = stored(app.recorder)[-1]
    with pytest.raises(NotSealedError, match="not sealed"):
        integrity.inclusion_proof(later.id, checkpoint.tree_size)
    assert integrity.checkpoint_covering(later.id) is None
    last_sealed = stored(app.recorder)[checkpoint.tree_size - 1]
    with pytest.raises(NotSealedError, match="outside a tree of size"):
        integrity.inclusion_proof(last_sealed.id, checkpoint.tree_size - 1)
    with pytest.raises(NotSealedError, match="sealed"):
        integrity.inclusion_proof(last_sealed.id, checkpoint.tree_size + 5)


def test_consistency_proofs_between_every_pair_of_checkpoints_verify(
    app: DossierArchive, staff: dict[str, CommandContext], integrity: IntegrityStore
) -> None:
    log = sealer(app, integrity)
    log.step(1)
    log.seal()
    for limit in (2, 5, 8, 13):
        log.step(limit)
        log.seal()
    disburse(app, staff, 2)
    log.catch_up()
    log.seal()

    checkpoints = integrity.checkpoints()
    assert [c.tree_size for c in checkpoints][:5] == [1, 3, 8, 16, 29]
    for old in checkpoints:
        for new in checkpoints:
            if old.tree_size > new.tree_size:
                continue
            proof = integrity.consistency_proof(old.tree_size, new.tree_size)
            check_consistency(
                old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof.consistency_path
            )
    with pytest.raises(NotSealedError):
        integrity.consistency_proof(1, checkpoints[-1].tree_size + 1)


def test_proofs_in_a_large_tree_read_stored_subtrees_not_every_leaf(
    tmp_path: Path,
) -> None:
    store = IntegrityStore.sqlite(tmp_path / "integrity.sqlite")
    hashes = [hashlib.sha256(str(i).encode()).digest() for i in range(5_000)]
    for start in range(0, len(hashes), 1_000):
        with store.transaction() as conn:
            frontier, _ = store.lock_frontier(conn)
            store.append_leaves(
                conn, frontier, [(i + 1, hashes[i]) for i in range(start, start + 1_000)]
            )
    reads: list[int] = []
    leaf_range = Subtrees.leaf_range

    def counting(self: Subtrees, conn: sa.Connection, start: int, end: int) -> list[bytes]:
        reads.append(end - start)
        return leaf_range(self, conn, start, end)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Subtrees, "leaf_range", counting)
        for size in (257, 4_096, 4_097, 5_000):
            root = root_hash(hashes[:size])
            assert store.root(size) == root
            for index in (0, 255, 256, size // 2, size - 1):
                proof = store.inclusion_proof(index + 1, size)
                check_inclusion(hashes[index], index, size, proof.audit_path, root)
            for old in {1, 256, min(300, size), size - 1}:
                proof_c = store.consistency_proof(old, size)
                check_consistency(
                    old, size, root_hash(hashes[:old]), root, proof_c.consistency_path
                )
    store.close()
    assert reads
    assert max(reads) < 256


def test_a_new_key_signs_later_checkpoints_and_the_old_ones_still_verify(
    app: DossierArchive, staff: dict[str, CommandContext], integrity: IntegrityStore
) -> None:
    old_key, new_key = Signer.generate(), Signer.generate()
    before = sealer(app, integrity, old_key)
    before.catch_up()
    first = before.seal()

    disburse(app, staff, 1)
    after = sealer(app, integrity, new_key)
    after.catch_up()
    second = after.seal()

    assert first is not None
    assert second is not None
    assert (first.key_id, second.key_id) == (old_key.key_id, new_key.key_id)
    known = {k.key_id: k.public_key for k in integrity.public_keys()}
    assert known == {old_key.key_id: old_key.public_key, new_key.key_id: new_key.public_key}
    for checkpoint in integrity.checkpoints():
        integrity.check_checkpoint(checkpoint)
        checkpoint.check(known[checkpoint.key_id])
    assert not first.verify(new_key.public_key)
    proof = integrity.consistency_proof(first.tree_size, second.tree_size)
    check_consistency(
        first.tree_size, second.tree_size, first.root_hash, second.root_hash, proof.consistency_path
    )


def test_two_sealers_racing_build_one_leaf_sequence(
    counters: Application[UUID], open_store: Callable[[], IntegrityStore]
) -> None:
    count_events(counters, 600)
    racers = [sealer(counters, open_store(), batch_size=37) for _ in range(2)]
    barrier = threading.Barrier(len(racers))
    errors: list[BaseException] = []

    def race(racer: Sealer) -> None:
        try:
            barrier.wait()
            while racer.step():
                racer.seal()
            racer.seal()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=race, args=(r,)) for r in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    store = racers[0].store
    notes = stored(counters.recorder)
    assert [(leaf.index, leaf.notification_id, leaf.hash) for leaf in store.leaves_from()] == [
        (i, n.id, event_leaf_hash(n)) for i, n in enumerate(notes)
    ]
    checkpoints = store.checkpoints()
    assert checkpoints[-1].tree_size == 600
    assert checkpoints[-1].root_hash == expected_root(counters.recorder)
    for checkpoint in checkpoints:
        store.check_checkpoint(checkpoint)
        assert checkpoint.root_hash == expected_root(counters.recorder, checkpoint.tree_size)
    timestamps = [c.timestamp for c in checkpoints]
    assert timestamps == sorted(timestamps)  # seals take turns: never a smaller tree later


def test_a_writer_that_bypasses_the_lock_with_a_stale_frontier_is_refused(
    integrity: IntegrityStore,
) -> None:
    with integrity.transaction() as conn:
        stale, _ = integrity.lock_frontier(conn)
    with integrity.transaction() as conn:
        integrity.append_leaves(conn, stale, [(1, leaf_hash(b"a"))])
    with pytest.raises(LeafConflictError), integrity.transaction() as conn:
        integrity.append_leaves(conn, stale, [(2, leaf_hash(b"b"))])
    assert [leaf.notification_id for leaf in integrity.leaves_from()] == [1]
    assert integrity.size() == 1


def test_the_sealer_refuses_to_sign_over_an_edited_leaf(
    app: DossierArchive, staff: dict[str, CommandContext], integrity: IntegrityStore
) -> None:
    log = sealer(app, integrity)
    log.catch_up()
    signed = log.seal()
    assert signed is not None
    with integrity.transaction() as conn:
        conn.execute(
            integrity.leaves.update()
            .where(integrity.leaves.c.leaf_index == 3)
            .values(leaf_hash=leaf_hash(b"forged"))
        )
    disburse(app, staff, 1)
    log.catch_up()

    with pytest.raises(LogMismatchError, match=f"checkpoint {signed.tree_size}"):
        log.seal()
    assert integrity.checkpoints() == [signed]


def test_the_sealer_refuses_to_sign_an_edited_frontier(
    counters: Application[UUID], integrity: IntegrityStore
) -> None:
    count_events(counters, 6)  # a frontier of two subtrees: 4 and 2 leaves
    log = sealer(counters, integrity)
    log.catch_up()
    with integrity.transaction() as conn:
        conn.execute(integrity.frontier.update().values(nodes=leaf_hash(b"x") + leaf_hash(b"y")))

    with pytest.raises(LogMismatchError, match="frontier of 6 leaves"):
        log.seal()
    assert integrity.checkpoints() == []


def test_events_removed_after_they_were_sealed_stop_the_sealer(
    counters: Application[UUID], integrity: IntegrityStore
) -> None:
    count_events(counters, 20)
    log = sealer(counters, integrity)
    log.catch_up()
    drop_events_after(counters.recorder, stored(counters.recorder)[9].id)

    with pytest.raises(LogMismatchError, match="rolled back"):
        log.step()


def test_the_integrity_store_sits_beside_the_events_not_in_their_file(
    store_env: dict[str, str], integrity: IntegrityStore, tmp_path: Path
) -> None:
    names = set(sa.inspect(integrity.engine).get_table_names(schema=integrity.schema))
    assert {
        "integrity_leaves",
        "integrity_frontier",
        "integrity_nodes",
        "integrity_checkpoints",
        "integrity_keys",
    } <= names
    if store_env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        assert Path(str(integrity.url.database)) == tmp_path / "integrity.sqlite"
        assert Path(store_env["SQLITE_DBNAME"]) != tmp_path / "integrity.sqlite"
    else:
        assert integrity.schema == store_env["POSTGRES_SCHEMA"]


# ---------------------------------------------------------------------------------- the thread
def settled(integrity: IntegrityStore, head: int) -> bool:
    """Every event up to ``head`` is a leaf, and fewer than ten wait for a checkpoint."""
    latest = integrity.latest_checkpoint()
    return integrity.size() == head and latest is not None and head - latest.tree_size < 10


def test_the_background_sealer_seals_every_n_events_and_on_stop(
    app: DossierArchive, staff: dict[str, CommandContext], integrity: IntegrityStore, tmp_path: Path
) -> None:
    witness = FileWitness(tmp_path / "checkpoints.jsonl")
    log = sealer(app, integrity, witness=witness, seal_every=10, seal_after=3600, interval=0.02)
    log.start()
    try:
        for _ in range(8):  # each disbursement stores a few events
            disburse(app, staff, 1)
            head = app.recorder.max_notification_id() or 0
            deadline = time.monotonic() + 20
            while not settled(integrity, head) and time.monotonic() < deadline:
                log.wake()
                time.sleep(0.01)
            assert settled(integrity, head)
        sizes = [c.tree_size for c in integrity.checkpoints()]
        assert len(sizes) >= 2
        assert all(later - earlier >= 10 for earlier, later in itertools.pairwise(sizes))
    finally:
        log.stop()
    final = integrity.latest_checkpoint()
    assert final is not None
    assert final.tree_size == head
    assert witness.read() == integrity.checkpoints()


def test_the_background_sealer_seals_a_quiet_log_after_the_time_limit(
    counters: Application[UUID], integrity: IntegrityStore
) -> None:
    count_events(counters, 3)
    log = sealer(counters, integrity, seal_every=1_000, seal_after=0.2, interval=0.02)
    log.start()
    try:
        deadline = time.monotonic() + 20
        while integrity.latest_checkpoint() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        checkpoint = integrity.latest_checkpoint()
        assert checkpoint is not None
        assert checkpoint.tree_size == 3
    finally:
        log.stop()


def test_the_background_sealer_retries_an_unreachable_witness_and_logs_the_outage_once(
    counters: Application[UUID], integrity: IntegrityStore, tmp_path: Path
) -> None:
    count_events(counters, 3)
    file = FileWitness(tmp_path / "checkpoints.jsonl")

    class Flaky:
        """Unreachable for its first three publications."""

        def __init__(self) -> None:
            self.refused = 0

        def publish(self, checkpoint: Checkpoint) -> bool:
            if self.refused < 3:
                self.refused += 1
                raise WitnessError("the witness is unreachable")
            return file.publish(checkpoint)

        def read(self) -> list[Checkpoint]:
            return file.read()

    log = sealer(counters, integrity, witness=Flaky(), seal_after=0, interval=0.02)
    with capture_logs() as logs:
        log.start()
        try:
            deadline = time.monotonic() + 20
            while not file.read() and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            log.stop()

    assert [c.tree_size for c in file.read()] == [3]
    assert file.read() == integrity.checkpoints()
    rounds = [e for e in logs if e["event"].startswith("sealing")]
    assert [(e["log_level"], e["event"]) for e in rounds] == [
        ("error", "sealing failed; retrying"),
        ("warning", "sealing recovered"),
    ]
    assert (rounds[0]["attempt"], rounds[1]["attempts"]) == (1, 3)
    assert log.worker.state.failures == 3


def test_a_checkpoint_the_witness_missed_is_published_by_the_next_sealer(
    counters: Application[UUID], integrity: IntegrityStore, tmp_path: Path
) -> None:
    count_events(counters, 5)

    class Down:
        def publish(self, checkpoint: Checkpoint) -> bool:
            raise WitnessError("the witness is unreachable")

        def read(self) -> list[Checkpoint]:
            return []

    crashed = sealer(counters, integrity, witness=Down())
    crashed.catch_up()
    with pytest.raises(WitnessError):
        crashed.seal()
    [stored_only] = integrity.checkpoints()

    witness = FileWitness(tmp_path / "checkpoints.jsonl")
    assert sealer(counters, integrity, witness=witness).seal() is None
    assert witness.read() == [stored_only]


# -------------------------------------------------------------------------------- the witnesses
def checkpoint_of(size: int, signer: Signer | None = None, second: int = 0) -> Checkpoint:
    moment = datetime(2026, 11, 22, 23, 50, second, tzinfo=UTC)
    root = hashlib.sha256(str(size).encode()).digest()
    return sign_checkpoint(signer or Signer.generate(), ORIGIN, size, root, moment)


def test_the_file_witness_appends_one_fsynced_line_per_checkpoint_and_never_rewrites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    path = tmp_path / "var" / "checkpoints.jsonl"
    witness = FileWitness(path)
    signer = Signer.generate()
    first, second = checkpoint_of(10, signer), checkpoint_of(20, signer)

    assert witness.publish(first) is True
    after_first = path.read_bytes()
    assert witness.publish(second) is True
    assert len(synced) >= 2

    content = path.read_bytes()
    assert content.startswith(after_first)
    lines = content.splitlines()
    assert [Checkpoint.from_json_text(line) for line in lines] == [first, second]
    # Each line commits to the one before it (the first to nothing).
    assert json.loads(lines[0])["prev"] == hashlib.sha256(b"").hexdigest()
    assert json.loads(lines[1])["prev"] == hashlib.sha256(lines[0]).hexdigest()
    assert witness.read() == [first, second]

    assert witness.publish(first) is False  # a retry of the same checkpoint changes nothing
    with pytest.raises(WitnessConflictError, match="size 10"):
        witness.publish(checkpoint_of(10, signer, second=1))
    assert path.read_bytes() == content


def test_a_file_of_an_earlier_release_reads_and_its_chain_starts_at_the_first_chained_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "checkpoints.jsonl"
    signer = Signer.generate()
    old = [checkpoint_of(1, signer), checkpoint_of(2, signer)]
    path.write_text("".join(c.to_json_text() + "\n" for c in old))  # unchained, as before
    FileWitness(path).publish(checkpoint_of(3, signer))

    lines = path.read_bytes().splitlines()
    assert "prev" not in json.loads(lines[0])
    assert json.loads(lines[2])["prev"] == hashlib.sha256(lines[1]).hexdigest()
    assert [c.tree_size for c in FileWitness(path).read()] == [1, 2, 3]


@pytest.mark.parametrize("damage", ["removed", "altered", "unchained"])
def test_a_broken_chain_is_named_by_its_line(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "checkpoints.jsonl"
    witness = FileWitness(path)
    signer = Signer.generate()
    for size in (1, 2, 3):
        witness.publish(checkpoint_of(size, signer))
    lines = path.read_bytes().splitlines(keepends=True)
    if damage == "removed":
        lines = [lines[0], lines[2]]  # the second checkpoint cut out of the middle
    elif damage == "altered":
        data = json.loads(lines[1])
        data["prev"] = hashlib.sha256(b"another line").hexdigest()
        lines[1] = (canonical_json(data) + "\n").encode()
    else:
        lines[2] = (checkpoint_of(3, signer).to_json_text() + "\n").encode()
    path.write_bytes(b"".join(lines))

    with pytest.raises(
        WitnessError,
        match="line 2: the hash chain is broken"
        if damage != "unchained"
        else "line 3: the hash chain is broken",
    ):
        FileWitness(path).read()


def test_file_witnesses_of_two_processes_share_the_file_without_duplicates(
    tmp_path: Path,
) -> None:
    path = tmp_path / "checkpoints.jsonl"
    one, other = FileWitness(path), FileWitness(path)
    checkpoint = checkpoint_of(7)

    assert one.publish(checkpoint) is True
    assert other.publish(checkpoint) is False
    assert other.publish(checkpoint_of(8)) is True
    with pytest.raises(WitnessConflictError):
        one.publish(checkpoint_of(8))
    assert [c.tree_size for c in FileWitness(path).read()] == [7, 8]


def test_a_torn_last_line_is_ignored_and_cut_before_the_next_append(tmp_path: Path) -> None:
    path = tmp_path / "checkpoints.jsonl"
    FileWitness(path).publish(checkpoint_of(1))
    whole = path.read_bytes()
    with path.open("ab") as out:
        out.write(b'{"key_id":"00')  # a crash in the middle of a write

    assert [c.tree_size for c in FileWitness(path).read()] == [1]
    FileWitness(path).publish(checkpoint_of(2))
    assert path.read_bytes().startswith(whole)
    assert [c.tree_size for c in FileWitness(path).read()] == [1, 2]


def test_a_damaged_line_is_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "checkpoints.jsonl"
    witness = FileWitness(path)
    witness.publish(checkpoint_of(1))
    with path.open("ab") as out:
        out.write(b'{"edited": true}\n')
    assert witness.publish(checkpoint_of(2)) is True  # the witness keeps taking checkpoints

    with pytest.raises(WitnessError, match="line 2"):
        FileWitness(path).read()


def test_the_s3_witness_keeps_each_checkpoint_under_compliance_lock(
    seaweedfs: SeaweedFS,
) -> None:
    blobs = seaweedfs.store(prefix="integrity")
    witness = S3Witness(blobs, retain_for=timedelta(days=3650))
    signer = Signer.generate()
    first, second = checkpoint_of(10, signer), checkpoint_of(300, signer)

    assert witness.publish(second) is True
    assert witness.publish(first) is True

    key = S3Witness.key_of(10)
    assert key == "checkpoints/00000000000000000010.json"
    assert Checkpoint.from_json_text(blobs.get(key)) == first
    retention = blobs.client.get_object_retention(
        bucket_name=blobs.bucket, object_name=blobs.prefix + key
    )
    assert retention is not None
    assert retention.mode == "COMPLIANCE"
    assert retention.retain_until_date is not None
    assert retention.retain_until_date > datetime.now(UTC) + timedelta(days=3000)
    with pytest.raises(BlobLockedError):
        blobs.delete(key)

    assert witness.publish(first) is False
    with pytest.raises(WitnessConflictError, match="size 10"):
        witness.publish(checkpoint_of(10, signer, second=1))
    assert witness.read() == [first, second]
    assert blobs.put(key, io.BytesIO(b"replaced")) is False
    assert Checkpoint.from_json_text(blobs.get(key)) == first


def test_an_s3_witness_refuses_a_store_that_could_shorten_retention(
    seaweedfs: SeaweedFS,
) -> None:
    with pytest.raises(ValueError, match="COMPLIANCE"):
        S3Witness(seaweedfs.store(retention_mode="GOVERNANCE"))


def test_the_sealer_publishes_to_an_s3_witness(
    counters: Application[UUID], integrity: IntegrityStore, seaweedfs: SeaweedFS
) -> None:
    count_events(counters, 12)
    witness = S3Witness(seaweedfs.store(prefix="integrity"))
    log = sealer(counters, integrity, witness=witness)
    log.step(5)
    log.seal()
    log.catch_up()
    log.seal()

    assert witness.read() == integrity.checkpoints()
    assert [c.tree_size for c in witness.read()] == [5, 12]
