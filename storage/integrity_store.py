"""The integrity store (完整性存储): the Merkle log's leaves, frontier, checkpoints and keys.

It lives beside the events but not inside their tables: for SQLite a file of its own,
``<data_dir>/integrity.sqlite``, so that rolling the events file back or cutting it short does
not take the leaves and checkpoints with it; for PostgreSQL tables in the events' schema.

Tables (SQLAlchemy Core)::

    integrity_leaves       leaf_index PK, notification_id UNIQUE, leaf_hash (32 bytes)
    integrity_frontier     one row: size, nodes (the frontier's hashes, concatenated, largest
                           subtree first) — the sealer resumes from it in O(log n)
    integrity_nodes        (level, node_index) PK, hash: every complete subtree of 2^level
                           leaves, level >= 8, i.e. leaves [node_index·2^level, (node_index+1)·2^level)
    integrity_checkpoints  tree_size PK, origin, root_hash, timestamp (RFC 3339 text, as signed),
                           key_id, signature, key_hash (the signed note's 8 hex digits; NULL for
                           a checkpoint of the earlier format, signed before notes, and added
                           to the tables of earlier releases when they are opened)
    integrity_keys         key_id PK, public_key (raw 32 bytes), first_used (RFC 3339 text)
    integrity_witnessed    tree_size PK, witnessed_at (RFC 3339 text): each checkpoint the
                           witness acknowledged keeping, so that ``dossier verify`` knows what
                           the witness must still hold (created when an earlier release's
                           store is opened; empty there until its next seal)
    integrity_cosignatures (tree_size, name, key_hash) PK, timestamp (POSIX seconds), signature:
                           the cosignatures independent witnesses returned for each checkpoint
                           (c2sp.org/tlog-witness), extra signature lines of its note (created
                           empty when an earlier release's store is opened)
    integrity_statements   number PK (1, 2, …, in the order recorded), kind, body (the signed
                           JSON text, exactly), key_id, signature, cosignature (a rotation's new
                           key's; else NULL), recorded_at (RFC 3339 text): the signed statements
                           of ``storage.statements`` — a lost witness range acknowledged, a key
                           rotated or revoked (created when an earlier release's store is opened)

Leaves, frontier and nodes are a cache of the events (``docs/integrity.md``): they can be
rebuilt. Checkpoints and keys cannot, and the sealer also hands each checkpoint to a witness.

Proofs read the complete subtrees stored in ``integrity_nodes`` (``storage.proofs`` says
why and how), not every leaf.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from storage.checkpoints import Checkpoint, format_timestamp, parse_timestamp
from storage.cosignatures import Cosignature
from storage.database import Database, is_sqlite, postgres_url, sqlite_url
from storage.merkle import HASH_SIZE, MerkleFrontier, TreeRangeError
from storage.proofs import ConsistencyProof, InclusionProof, Subtrees
from storage.signing import PublicKey
from storage.statements import KEY_KINDS, KEY_ROTATION, SignedStatement, StatementError

SQLITE_FILE_NAME: Final = "integrity.sqlite"
_FRONTIER_ID: Final = 1


class SealError(Exception):
    """Raised when the Merkle log cannot be extended, sealed, read or proved."""


class NotSealedError(SealError, LookupError):
    """Raised when an event, leaf or tree size asked about is not (yet) in the sealed leaves."""


class CheckpointNotFoundError(SealError, LookupError):
    """Raised when there is no checkpoint of the tree size asked for."""


class UnknownKeyError(SealError, LookupError):
    """Raised when a checkpoint names a key id that the key table does not hold."""


class LeafConflictError(SealError):
    """Raised when another sealer appended the same leaves first (reload and try again)."""


class LogMismatchError(SealError):
    """Raised when the events or leaves no longer agree with what was sealed and signed."""


@dataclass(frozen=True)
class Leaf:
    """One leaf: the ``index``-th stored event, by notification id."""

    index: int
    notification_id: int
    hash: bytes


@dataclass(frozen=True)
class KnownKey:
    """A public key that signed checkpoints, and when it first did."""

    public_key: PublicKey
    first_used: datetime

    @property
    def key_id(self) -> str:
        return self.public_key.key_id


class IntegrityStore(Database):
    """The integrity tables on one database: ``IntegrityStore.sqlite(path)`` or a PostgreSQL URL.

    The tables are created when missing. ``transaction`` gives the sealer its write
    transactions; everything else reads.
    """

    def __init__(self, url: str | sa.URL, *, schema: str | None = None) -> None:
        parsed = sa.make_url(url)
        if is_sqlite(parsed) and parsed.database in (None, "", ":memory:"):
            raise ValueError("the SQLite integrity store needs a file")
        # Writers take the write lock before reading the frontier, so two sealers take turns.
        # Checkpoints are not a cache: a commit must survive a power cut (synchronous=FULL).
        super().__init__(parsed, synchronous="FULL", pool_size=2, max_overflow=4)
        self.schema = None if self.is_sqlite else schema
        metadata = sa.MetaData(schema=self.schema)
        blob = sa.LargeBinary
        self.leaves = sa.Table(
            "integrity_leaves",
            metadata,
            sa.Column("leaf_index", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("notification_id", sa.BigInteger, nullable=False, unique=True),
            sa.Column("leaf_hash", blob, nullable=False),
        )
        self.frontier = sa.Table(
            "integrity_frontier",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("size", sa.BigInteger, nullable=False),
            sa.Column("nodes", blob, nullable=False),
        )
        self.nodes = sa.Table(
            "integrity_nodes",
            metadata,
            sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
            sa.Column("node_index", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("hash", blob, nullable=False),
        )
        self.checkpoints_table = sa.Table(
            "integrity_checkpoints",
            metadata,
            sa.Column("tree_size", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("origin", sa.Text, nullable=False),
            sa.Column("root_hash", blob, nullable=False),
            sa.Column("timestamp", sa.String(20), nullable=False),
            sa.Column("key_id", sa.String(16), nullable=False),
            sa.Column("signature", blob, nullable=False),
            sa.Column("key_hash", sa.String(8), nullable=True),
        )
        self.keys = sa.Table(
            "integrity_keys",
            metadata,
            sa.Column("key_id", sa.String(16), primary_key=True),
            sa.Column("public_key", blob, nullable=False),
            sa.Column("first_used", sa.String(20), nullable=False),
        )
        self.witnessed_table = sa.Table(
            "integrity_witnessed",
            metadata,
            sa.Column("tree_size", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("witnessed_at", sa.String(20), nullable=False),
        )
        self.cosignatures_table = sa.Table(
            "integrity_cosignatures",
            metadata,
            sa.Column("tree_size", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("name", sa.Text, primary_key=True),
            sa.Column("key_hash", sa.String(8), primary_key=True),
            sa.Column("timestamp", sa.BigInteger, nullable=False),
            sa.Column("signature", blob, nullable=False),
        )
        self.statements_table = sa.Table(
            "integrity_statements",
            metadata,
            sa.Column(
                "number",
                sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                primary_key=True,
                autoincrement=True,
            ),
            sa.Column("kind", sa.String(32), nullable=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("key_id", sa.String(16), nullable=False),
            sa.Column("signature", blob, nullable=False),
            sa.Column("cosignature", blob, nullable=True),
            sa.Column("recorded_at", sa.String(20), nullable=False),
        )
        self.metadata = metadata
        self.subtrees = Subtrees(self.leaves, self.nodes)
        self._create()

    @classmethod
    def sqlite(cls, path: Path) -> IntegrityStore:
        """The store in the SQLite file ``path`` (its folder is created if missing)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(sqlite_url(path))

    def _create(self) -> None:
        try:
            self.metadata.create_all(self.engine, checkfirst=True)
        except sa.exc.DBAPIError:
            # Another process created the tables at the same moment: they are there now.
            self.metadata.create_all(self.engine, checkfirst=True)
        self._add_key_hash_column()
        with self.engine.begin() as conn:
            self._insert_ignoring_conflict(
                conn, self.frontier, {"id": _FRONTIER_ID, "size": 0, "nodes": b""}
            )

    def _add_key_hash_column(self) -> None:
        """Give the checkpoint table of an earlier release its ``key_hash`` column (NULL in
        every row it holds: those checkpoints are of the earlier format)."""
        table = self.checkpoints_table
        columns = sa.inspect(self.engine).get_columns(table.name, schema=self.schema)
        if any(column["name"] == "key_hash" for column in columns):
            return
        name = self.engine.dialect.identifier_preparer.format_table(table)
        if self.is_sqlite:
            statement = f"ALTER TABLE {name} ADD COLUMN key_hash VARCHAR(8)"
        else:
            statement = f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS key_hash VARCHAR(8)"
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.text(statement))
        except sa.exc.OperationalError:
            # Another process added it at the same moment (SQLite: "duplicate column name").
            columns = sa.inspect(self.engine).get_columns(table.name, schema=self.schema)
            if not any(column["name"] == "key_hash" for column in columns):
                raise

    def _insert_ignoring_conflict(
        self, conn: sa.Connection, table: sa.Table, values: Mapping[str, Any]
    ) -> bool:
        """Insert one row unless its key is taken; True if this call inserted it."""
        dialect = sqlite if self.is_sqlite else postgresql
        statement = (
            dialect.insert(table).values(**values).on_conflict_do_nothing().returning(sa.literal(1))
        )
        # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT here.
        return conn.execute(statement).first() is not None

    # ------------------------------------------------------------------ writing (the sealer)
    def lock_frontier(self, conn: sa.Connection) -> tuple[MerkleFrontier, int]:
        """The frontier, locked until ``conn`` commits, and the notification id of its last leaf
        (0 for the empty tree)."""
        query = sa.select(self.frontier.c.size, self.frontier.c.nodes).where(
            self.frontier.c.id == _FRONTIER_ID
        )
        if not self.is_sqlite:
            query = query.with_for_update()
        row = conn.execute(query).one()
        frontier = _frontier(row.size, row.nodes)
        if frontier.size == 0:
            return frontier, 0
        last = conn.execute(
            sa.select(self.leaves.c.notification_id).where(
                self.leaves.c.leaf_index == frontier.size - 1
            )
        ).scalar_one_or_none()
        if last is None:
            raise LogMismatchError(
                f"the frontier has {frontier.size} leaves but the last is missing"
            )
        return frontier, int(last)

    def append_leaves(
        self,
        conn: sa.Connection,
        frontier: MerkleFrontier,
        leaves: Sequence[tuple[int, bytes]],
    ) -> MerkleFrontier:
        """Append ``(notification_id, leaf_hash)`` pairs after ``frontier``, in ``conn``.

        Stores the leaves, the complete subtrees they finish and the moved frontier; returns
        it. LeafConflictError if another writer got there first (roll back and reload).
        """
        old = frontier.size
        if not leaves:
            return frontier
        grown = MerkleFrontier(frontier.size, frontier.nodes)
        grown.extend(hash_ for _, hash_ in leaves)
        try:
            conn.execute(
                self.leaves.insert(),
                [
                    {"leaf_index": old + i, "notification_id": nid, "leaf_hash": hash_}
                    for i, (nid, hash_) in enumerate(leaves)
                ],
            )
        except sa.exc.IntegrityError as error:
            raise LeafConflictError(f"leaves from {old} were appended by another sealer") from error
        self.subtrees.store_finished(conn, old, grown.size)
        moved = conn.execute(
            self.frontier.update()
            .where(self.frontier.c.id == _FRONTIER_ID, self.frontier.c.size == old)
            .values(size=grown.size, nodes=b"".join(grown.nodes))
            .returning(self.frontier.c.size)
        )
        if moved.first() is None:
            raise LeafConflictError(f"the frontier moved past {old} meanwhile")
        return grown

    def add_checkpoint(self, conn: sa.Connection, checkpoint: Checkpoint, key: PublicKey) -> bool:
        """Store ``checkpoint`` and, on its first use, ``key``; False if that size is taken."""
        if key.key_id != checkpoint.key_id:
            raise ValueError("the key given is not the checkpoint's key")
        stamp = format_timestamp(checkpoint.timestamp)
        self._insert_ignoring_conflict(
            conn, self.keys, {"key_id": key.key_id, "public_key": key.raw, "first_used": stamp}
        )
        stored = conn.execute(
            sa.select(self.keys.c.public_key).where(self.keys.c.key_id == key.key_id)
        ).scalar_one()
        if bytes(stored) != key.raw:
            raise SealError(f"key id {key.key_id} already names another public key")
        return self._insert_ignoring_conflict(
            conn,
            self.checkpoints_table,
            {
                "tree_size": checkpoint.tree_size,
                "origin": checkpoint.origin,
                "root_hash": checkpoint.root_hash,
                "timestamp": stamp,
                "key_id": checkpoint.key_id,
                "signature": checkpoint.signature,
                "key_hash": checkpoint.key_hash,
            },
        )

    def mark_witnessed(self, tree_size: int, moment: datetime) -> None:
        """Record that the witness acknowledged keeping the checkpoint of ``tree_size``."""
        with self.engine.begin() as conn:
            self._insert_ignoring_conflict(
                conn,
                self.witnessed_table,
                {"tree_size": tree_size, "witnessed_at": format_timestamp(moment)},
            )

    def add_cosignature(self, tree_size: int, cosignature: Cosignature) -> bool:
        """Keep a witness's cosignature of the checkpoint of ``tree_size``; False if that
        witness's cosignature of it is already kept."""
        with self.engine.begin() as conn:
            return self._insert_ignoring_conflict(
                conn,
                self.cosignatures_table,
                {
                    "tree_size": tree_size,
                    "name": cosignature.name,
                    "key_hash": cosignature.key_hash,
                    "timestamp": cosignature.timestamp,
                    "signature": cosignature.signature,
                },
            )

    def cosigned_size(self, name: str, key_hash: str) -> int:
        """The largest tree size the witness ``name``/``key_hash`` cosigned here (0: none)."""
        table = self.cosignatures_table
        with self.reading() as conn:
            found = conn.execute(
                sa.select(sa.func.max(table.c.tree_size)).where(
                    table.c.name == name, table.c.key_hash == key_hash
                )
            ).scalar_one_or_none()
        return 0 if found is None else int(found)

    def add_statement(self, statement: SignedStatement, moment: datetime) -> SignedStatement:
        """Record a signed statement (``storage.statements``); answer it with its number."""
        kind = statement.kind  # StatementError if the body is not a statement
        with self.engine.begin() as conn:
            number = conn.execute(
                self.statements_table.insert()
                .values(
                    kind=kind,
                    body=statement.body,
                    key_id=statement.key_id,
                    signature=statement.signature,
                    cosignature=statement.cosignature,
                    recorded_at=format_timestamp(moment),
                )
                .returning(self.statements_table.c.number)
            ).scalar_one()
        return replace(statement, number=int(number))

    # ------------------------------------------------------------------------------ reading
    def statements(self, kinds: Sequence[str] = ()) -> list[SignedStatement]:
        """The signed statements (of ``kinds`` only, if given), in the order recorded."""
        table = self.statements_table
        query = sa.select(table).order_by(table.c.number)
        if kinds:
            query = query.where(table.c.kind.in_(list(kinds)))
        with self.reading() as conn:
            rows = conn.execute(query).all()
        return [
            SignedStatement(
                body=row.body,
                key_id=row.key_id,
                signature=bytes(row.signature),
                cosignature=None if row.cosignature is None else bytes(row.cosignature),
                number=int(row.number),
            )
            for row in rows
        ]

    def key_ended(self, key: PublicKey) -> int | None:
        """The tree size after which ``key`` signs nothing, by the rotations and revocations
        it signed itself (those its signature proves; a revocation by another key is for
        ``dossier verify`` to weigh against the trusted keys); None if it has not ended."""
        ended: int | None = None
        for statement in self.statements(KEY_KINDS):
            if statement.key_id != key.key_id or not key.verify(
                statement.message(), statement.signature
            ):
                continue
            try:
                data = statement.fields()
            except StatementError:
                continue
            named = data.get("old_key") if data["kind"] == KEY_ROTATION else data.get("revoked_key")
            if isinstance(named, dict) and named.get("key_id") == key.key_id:
                size = int(data["tree_size"])
                ended = size if ended is None else min(ended, size)
        return ended

    def witnessed(self) -> list[int]:
        """The tree sizes of the checkpoints the witness acknowledged keeping, ascending."""
        table = self.witnessed_table
        with self.reading() as conn:
            rows = conn.execute(sa.select(table.c.tree_size).order_by(table.c.tree_size)).all()
        return [int(row.tree_size) for row in rows]

    def size(self, conn: sa.Connection | None = None) -> int:
        """How many leaves are sealed."""
        with self._conn(conn) as c:
            return int(
                c.execute(
                    sa.select(self.frontier.c.size).where(self.frontier.c.id == _FRONTIER_ID)
                ).scalar_one()
            )

    def root(
        self,
        tree_size: int | None = None,
        conn: sa.Connection | None = None,
        *,
        cache: bool = True,
    ) -> bytes:
        """The root hash of the first ``tree_size`` sealed leaves (default: all of them),
        from the leaf and node tables; ``cache=False`` bypasses the in-memory node cache."""
        with self._conn(conn) as c:
            sealed = self.size(c)
            tree_size = sealed if tree_size is None else tree_size
            self._check_size(tree_size, sealed)
            return self.subtrees.hash(c, 0, tree_size, cache=cache)

    def leaf_hash(self, leaf_index: int) -> bytes:
        """The hash of leaf ``leaf_index``; NotSealedError if there is no such leaf."""
        with self.reading() as conn:
            try:
                return self.subtrees.leaf(conn, leaf_index)
            except TreeRangeError:
                raise NotSealedError(f"there is no leaf {leaf_index}") from None

    def leaf_index_of(self, notification_id: int) -> int | None:
        """The leaf of the event at ``notification_id``; None if it is not sealed (yet)."""
        with self.reading() as conn:
            found = conn.execute(
                sa.select(self.leaves.c.leaf_index).where(
                    self.leaves.c.notification_id == notification_id
                )
            ).scalar_one_or_none()
        return None if found is None else int(found)

    def leaves_from(self, start: int = 0, *, batch: int = 10_000) -> Iterator[Leaf]:
        """Every leaf from ``start`` on, in order, read ``batch`` at a time (bounded memory)."""
        position = start
        while True:
            with self.reading() as conn:
                rows = conn.execute(
                    sa.select(self.leaves)
                    .where(self.leaves.c.leaf_index >= position)
                    .order_by(self.leaves.c.leaf_index)
                    .limit(batch)
                ).all()
            for row in rows:
                yield Leaf(int(row.leaf_index), int(row.notification_id), bytes(row.leaf_hash))
            if len(rows) < batch:
                return
            position = int(rows[-1].leaf_index) + 1

    def checkpoints(self) -> list[Checkpoint]:
        """Every checkpoint, by tree size."""
        table = self.checkpoints_table
        with self.reading() as conn:
            rows = conn.execute(sa.select(table).order_by(table.c.tree_size)).all()
            cosigned = self._cosignatures(conn, None)
        return [_checkpoint(row, cosigned) for row in rows]

    def _cosignatures(
        self, conn: sa.Connection, tree_size: int | None
    ) -> dict[int, list[Cosignature]]:
        """Tree size → the cosignatures kept for it (of ``tree_size`` only, if given)."""
        table = self.cosignatures_table
        query = sa.select(table)
        if tree_size is not None:
            query = query.where(table.c.tree_size == tree_size)
        found: dict[int, list[Cosignature]] = {}
        for row in conn.execute(query).all():
            found.setdefault(int(row.tree_size), []).append(
                Cosignature(row.name, row.key_hash, int(row.timestamp), bytes(row.signature))
            )
        return found

    def latest_checkpoint(self, conn: sa.Connection | None = None) -> Checkpoint | None:
        """The checkpoint of the largest tree, or None before the first seal."""
        table = self.checkpoints_table
        with self._conn(conn) as c:
            row = c.execute(
                sa.select(table).order_by(table.c.tree_size.desc()).limit(1)
            ).one_or_none()
            if row is None:
                return None
            return _checkpoint(row, self._cosignatures(c, int(row.tree_size)))

    def sealed_through(self) -> tuple[Checkpoint | None, int]:
        """The latest checkpoint and the notification id of the last event it covers (0 before
        the first): two reads by key, however long the log."""
        with self.reading() as conn:
            latest = self.latest_checkpoint(conn)
            if latest is None or latest.tree_size == 0:
                return latest, 0
            last = conn.execute(
                sa.select(self.leaves.c.notification_id).where(
                    self.leaves.c.leaf_index == latest.tree_size - 1
                )
            ).scalar_one_or_none()
        return latest, int(last or 0)

    def checkpoint(self, tree_size: int) -> Checkpoint:
        """The checkpoint of ``tree_size`` leaves; CheckpointNotFoundError if none."""
        table = self.checkpoints_table
        with self.reading() as conn:
            row = conn.execute(sa.select(table).where(table.c.tree_size == tree_size)).one_or_none()
            if row is None:
                raise CheckpointNotFoundError(f"no checkpoint of tree size {tree_size}")
            return _checkpoint(row, self._cosignatures(conn, tree_size))

    def checkpoint_covering(self, notification_id: int) -> Checkpoint | None:
        """The first checkpoint whose tree holds the event; None if none does yet."""
        leaf_index = self.leaf_index_of(notification_id)
        if leaf_index is None:
            return None
        table = self.checkpoints_table
        with self.reading() as conn:
            row = conn.execute(
                sa.select(table)
                .where(table.c.tree_size > leaf_index)
                .order_by(table.c.tree_size)
                .limit(1)
            ).one_or_none()
            if row is None:
                return None
            return _checkpoint(row, self._cosignatures(conn, int(row.tree_size)))

    def public_keys(self) -> list[KnownKey]:
        """Every key that ever signed a checkpoint here, oldest first."""
        with self.reading() as conn:
            rows = conn.execute(
                sa.select(self.keys).order_by(self.keys.c.first_used, self.keys.c.key_id)
            ).all()
        return [
            KnownKey(PublicKey(bytes(row.public_key)), parse_timestamp(row.first_used))
            for row in rows
        ]

    def public_key(self, key_id: str) -> PublicKey:
        """The public key ``key_id`` names; UnknownKeyError if it never signed here."""
        with self.reading() as conn:
            raw = conn.execute(
                sa.select(self.keys.c.public_key).where(self.keys.c.key_id == key_id)
            ).scalar_one_or_none()
        if raw is None:
            raise UnknownKeyError(f"no public key with id {key_id}")
        return PublicKey(bytes(raw))

    def check_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Check the signature with the stored key of its key id; raise if it does not hold."""
        checkpoint.check(self.public_key(checkpoint.key_id))

    def inclusion_proof(self, notification_id: int, tree_size: int) -> InclusionProof:
        """The audit path of the event at ``notification_id`` in the tree of ``tree_size``."""
        leaf_index = self.leaf_index_of(notification_id)
        if leaf_index is None:
            raise NotSealedError(f"event {notification_id} is not sealed yet")
        if leaf_index >= tree_size:
            raise NotSealedError(
                f"event {notification_id} is leaf {leaf_index}, outside a tree of size {tree_size}"
            )
        with self.reading() as conn:
            self._check_size(tree_size, self.size(conn))
            return self.subtrees.inclusion(conn, leaf_index, tree_size)

    def consistency_proof(self, first: int, second: int) -> ConsistencyProof:
        """The proof that the tree of ``second`` leaves extends the tree of ``first``."""
        if not 0 <= first <= second:
            raise ValueError(f"tree sizes {first} and {second} are not in order")
        with self.reading() as conn:
            self._check_size(second, self.size(conn))
            return self.subtrees.consistency(conn, first, second)

    # ------------------------------------------------------------------------------ helpers
    @contextmanager
    def _conn(self, conn: sa.Connection | None) -> Iterator[sa.Connection]:
        if conn is not None:
            yield conn
        else:
            with self.reading() as fresh:
                yield fresh

    @staticmethod
    def _check_size(tree_size: int, sealed: int) -> None:
        if tree_size < 0:
            raise ValueError(f"tree size {tree_size} is negative")
        if tree_size > sealed:
            raise NotSealedError(f"only {sealed} leaves are sealed, not {tree_size}")


def _frontier(size: int, packed: bytes) -> MerkleFrontier:
    packed = bytes(packed)
    nodes = [packed[i : i + HASH_SIZE] for i in range(0, len(packed), HASH_SIZE)]
    return MerkleFrontier(int(size), nodes)


def _checkpoint(row: sa.Row[Any], cosigned: Mapping[int, list[Cosignature]]) -> Checkpoint:
    checkpoint = Checkpoint(
        origin=row.origin,
        tree_size=int(row.tree_size),
        root_hash=bytes(row.root_hash),
        timestamp=parse_timestamp(row.timestamp),
        key_id=row.key_id,
        signature=bytes(row.signature),
        key_hash=row.key_hash,
    )
    cosignatures = cosigned.get(checkpoint.tree_size)
    if not cosignatures or checkpoint.key_hash is None:
        return checkpoint
    return checkpoint.with_cosignatures(tuple(cosignatures))


def integrity_store_beside(env: Mapping[str, str], data_dir: Path) -> IntegrityStore:
    """The integrity store beside the event store configured by an eventsourcing ``env``.

    PostgreSQL (``PERSISTENCE_MODULE=eventsourcing.postgres``): the events' database and schema
    (``public`` when none is configured). Otherwise: ``<data_dir>/integrity.sqlite``, a file of
    its own, so that the leaves and checkpoints outlive a rollback of the events file.
    """
    url = postgres_url(env)
    if url is not None:
        return IntegrityStore(url, schema=env.get("POSTGRES_SCHEMA") or "public")
    return IntegrityStore.sqlite(Path(data_dir) / SQLITE_FILE_NAME)
