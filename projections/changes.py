"""The changes one batch of events makes to one register, written at the end in bulk.

Handlers read and write rows through :class:`Changes`: ``get`` the current version of a keyed
row, ``put`` a new version, ``end`` it, or ``append`` to a log table. Nothing is written until
:meth:`Changes.flush`, which the follower calls inside the transaction that also moves the
register's tracked position: the batch and its position are committed together or not at all.

Versions opened and closed within one batch are inserted already closed, so a batch costs one
UPDATE per row that was current before it (closing that version) and one bulk INSERT per table.
Current rows are kept in a bounded cache between batches; the follower drops it whenever a
transaction fails, because it may then hold versions that were never committed.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from projections.tables import AT, FROM, FROM_AT, POS, SEQ, TO, TO_AT, TableSpec

Key = tuple[Any, ...]
CACHE_LIMIT = 2_000


class Statements:
    """A table's INSERT and version-closing UPDATE as driver SQL, with the column converters.

    Batches are written through the DB-API cursor's ``executemany`` with parameters converted
    by the same SQLAlchemy type processors a Core statement would use (so reads through
    SQLAlchemy see the same values), but without building a statement per row.
    """

    def __init__(self, table: sa.Table, spec: TableSpec, dialect: sa.Dialect) -> None:
        quote = dialect.identifier_preparer.quote
        name = dialect.identifier_preparer.format_table(table)
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self.columns = [c.name for c in table.columns]
        self.insert = (
            f"INSERT INTO {name} ({', '.join(quote(c) for c in self.columns)}) "  # noqa: S608
            f"VALUES ({', '.join(mark for _ in self.columns)})"
        )
        self.processors = [
            c.type.dialect_impl(dialect).bind_processor(dialect) for c in table.columns
        ]
        if dialect.name == "postgresql":
            # PostgreSQL's text cannot hold NUL, which earlier releases let into free text:
            # the register keeps it written as exports show it, rather than stop at the event.
            self.processors = [
                _nul_escaped(p) if isinstance(c.type, sa.String) else p
                for c, p in zip(table.columns, self.processors, strict=True)
            ]
        self.copy = (
            f"COPY {name} ({', '.join(quote(c) for c in self.columns)}) FROM STDIN"
            if dialect.name == "postgresql"
            else None
        )
        self.key = list(spec.key)
        key_processors = {c.name: p for c, p in zip(table.columns, self.processors, strict=True)}
        self.close = ""
        self.close_processors: list[Any] = []
        if spec.versioned:
            self.close = (
                f"UPDATE {name} SET {quote(TO)} = {mark}, {quote(TO_AT)} = {mark} WHERE "  # noqa: S608
                + " AND ".join(f"{quote(k)} = {mark}" for k in self.key)
                + f" AND {quote(TO)} IS NULL"
            )
            self.close_processors = [
                key_processors[TO],
                key_processors[TO_AT],
                *[key_processors[k] for k in self.key],
            ]
        self.current = (
            sa.select(*[table.c[n] for n in spec.column_names]).where(
                *[table.c[k] == sa.bindparam(f"k_{k}") for k in self.key], table.c[TO].is_(None)
            )
            if spec.versioned
            else None
        )

        self._pick = operator.itemgetter(*self.columns)
        self._converted = [(i, p) for i, p in enumerate(self.processors) if p is not None]

    @staticmethod
    def convert(values: list[Any], processors: list[Any]) -> tuple[Any, ...]:
        return tuple(
            p(v) if p is not None and v is not None else v
            for v, p in zip(values, processors, strict=True)
        )

    def insert_rows(self, rows: list[dict[str, Any]]) -> list[Sequence[Any]]:
        pick, converted = self._pick, self._converted
        out: list[Sequence[Any]] = []
        for row in rows:
            values = list(pick(row))
            for index, process in converted:
                value = values[index]
                if value is not None:
                    values[index] = process(value)
            out.append(values)
        return out


def _nul_escaped(process: Any) -> Any:
    """The bind processor ``process`` (or none), with NUL written as ``\\u0000`` first."""

    def bind(value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            value = value.replace("\x00", "\\u0000")
        return process(value) if process is not None else value

    return bind


@dataclass
class _Current:
    """What is known of a keyed row: its current values (None: no current version)."""

    values: dict[str, Any] | None
    pending: dict[str, Any] | None = None  # the version inserted by this batch, if any
    in_db: bool = False  # a current version is stored and still open in the database


class RowCache:
    """Current versions of keyed rows, kept across batches of one register generation.

    At most ``limit`` rows are kept; past it the oldest half is forgotten (they are read again
    when needed). A cache that starts with its generation empty (a rebuild) also keeps the set
    of keys that have a current row — a few dozen bytes each, against a kilobyte or more for a
    row — so a key it has never seen needs no look-up at all.
    """

    def __init__(self, limit: int = CACHE_LIMIT, *, complete: bool = False) -> None:
        self.limit = limit
        self.rows: dict[tuple[str, Key], _Current] = {}
        self.known: set[tuple[str, Key]] | None = set() if complete else None
        self.statements: dict[str, Statements] = {}

    def clear(self) -> None:
        """Forget everything, including which keys exist (after a failed transaction)."""
        self.rows.clear()
        self.known = None

    def noted(self, table: str, key: Key, current: bool) -> None:
        if self.known is not None:
            if current:
                self.known.add((table, key))
            else:
                self.known.discard((table, key))

    def absent(self, table: str, key: Key) -> bool:
        """True when the key is known to have no current row, without asking the database."""
        return self.known is not None and (table, key) not in self.known

    def trim(self) -> None:
        """Bounded memory: forget the oldest half of the rows once past the limit."""
        if len(self.rows) <= self.limit:
            return
        keep = list(self.rows.items())[len(self.rows) // 2 :]
        self.rows = dict(keep)


class Changes:
    """One register's pending changes for one batch of events."""

    def __init__(
        self,
        conn: sa.Connection,
        specs: Mapping[str, TableSpec],
        tables: Mapping[str, sa.Table],
        cache: RowCache,
    ) -> None:
        self.conn = conn
        self.specs = specs
        self.tables = tables
        self.cache = cache
        self.position = 0
        self.at = datetime(1970, 1, 1)  # noqa: DTZ001 - naive UTC, like every register time
        self._inserts: dict[str, list[dict[str, Any]]] = {name: [] for name in specs}
        self._closes: dict[str, list[list[Any]]] = {name: [] for name in specs}
        self._seq = 0
        self._touched: list[_Current] = []
        self._purges: dict[str, list[dict[str, Any]]] = {name: [] for name in specs}

    def at_event(self, position: int, at: datetime) -> None:
        """Stamp what follows with the event's log position and record time (naive UTC)."""
        self.position = position
        self.at = at
        self._seq = 0

    # ------------------------------------------------------------- keyed rows
    def statements(self, table: str) -> Statements:
        found = self.cache.statements.get(table)
        if found is None:
            found = Statements(self.tables[table], self.specs[table], self.conn.dialect)
            self.cache.statements[table] = found
        return found

    def _entry(self, table: str, key: Key) -> _Current:
        entry = self.cache.rows.get((table, key))
        if entry is None:
            if self.cache.absent(table, key):
                entry = _Current(None)
            else:
                spec = self.specs[table]
                params = {f"k_{k}": v for k, v in zip(spec.key, key, strict=True)}
                query = self.statements(table).current
                assert query is not None
                found = self.conn.execute(query, params).first()
                values = dict(found._mapping) if found is not None else None
                entry = _Current(values, in_db=found is not None)
            self.cache.rows[(table, key)] = entry
        return entry

    def get(self, table: str, *key: Any) -> dict[str, Any] | None:
        """The current values of the row with this key, or None; a copy, safe to change."""
        values = self._entry(table, key).values
        return dict(values) if values is not None else None

    def put(self, table: str, key: Key, values: Mapping[str, Any]) -> None:
        """Make ``values`` (merged over the key) the row's new current version."""
        spec = self.specs[table]
        row = dict.fromkeys(spec.column_names)
        row.update(values)
        row.update(zip(spec.key, key, strict=True))
        entry = self._entry(table, key)
        if entry.pending is not None and entry.pending[FROM] == self.position:
            entry.pending.update(row)  # a second change by the same event
            entry.values = {n: row[n] for n in spec.column_names}
            return
        self._close(table, key, entry)
        version = {**row, FROM: self.position, FROM_AT: self.at, TO: None, TO_AT: None}
        self._inserts[table].append(version)
        entry.values = dict(row)
        entry.pending = version
        self._touched.append(entry)
        self.cache.noted(table, key, True)

    def update(self, table: str, key: Key, **changes: Any) -> dict[str, Any] | None:
        """Change some columns of the current row; nothing (and None) if there is none."""
        current = self.get(table, *key)
        if current is None:
            return None
        current.update(changes)
        self.put(table, key, current)
        return current

    def end(self, table: str, *key: Any) -> None:
        """Close the row's current version: from now on it has none."""
        entry = self._entry(table, key)
        if entry.values is None:
            return
        if entry.pending is not None and entry.pending[FROM] == self.position:
            inserts = self._inserts[table]
            del inserts[next(i for i, row in enumerate(inserts) if row is entry.pending)]
            entry.pending = None
            entry.values = None
            self.cache.noted(table, key, False)
            return
        self._close(table, key, entry)
        entry.values = None
        self.cache.noted(table, key, False)

    def _close(self, table: str, key: Key, entry: _Current) -> None:
        if entry.pending is not None:
            entry.pending[TO] = self.position
            entry.pending[TO_AT] = self.at
            entry.pending = None
        elif entry.in_db:
            self._closes[table].append([self.position, self.at, *key])
            entry.in_db = False

    def purge(self, table: str, **where: Any) -> None:
        """Delete physically every version of the rows matching ``where`` (column = value).

        Unlike :meth:`end`, nothing of the rows stays in the history: what must be forgotten for
        good (the text of a destroyed dossier) is gone from the register's current generation.
        Versions this batch would insert are dropped; stored ones are deleted at :meth:`flush`,
        after the batch's version-closing updates and before its inserts.
        """
        spec = self.specs[table]
        unknown = set(where) - set(spec.column_names)
        if not where or unknown:
            raise ValueError(f"purge of {table} needs known columns, got {sorted(where)}")

        def matches(row: Mapping[str, Any]) -> bool:
            return all(row.get(k) == v for k, v in where.items())

        inserts = self._inserts[table]
        inserts[:] = [row for row in inserts if not matches(row)]
        for (name, key), entry in list(self.cache.rows.items()):
            if name != table:
                continue
            values = dict(zip(spec.key, key, strict=True))
            if entry.values is not None:
                values.update(entry.values)
            if matches(values):
                entry.values = None
                entry.pending = None
                entry.in_db = False
                self.cache.noted(table, key, False)
        self._purges[table].append(dict(where))

    # -------------------------------------------------------------- log rows
    def append(self, table: str, values: Mapping[str, Any]) -> None:
        """Add a row to a log table, stamped with the event's position and time."""
        spec = self.specs[table]
        row = dict.fromkeys(spec.column_names)
        row.update(values)
        row.update({POS: self.position, SEQ: self._seq, AT: self.at})
        self._seq += 1
        self._inserts[table].append(row)

    # ------------------------------------------------------------------ write
    def flush(self) -> int:
        """Write the batch's changes; return how many rows were written."""
        written = 0
        cursor: Any = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            for name in self.specs:
                closes, inserts = self._closes[name], self._inserts[name]
                purges = self._purges[name]
                if not closes and not inserts and not purges:
                    continue
                statements = self.statements(name)
                if closes:
                    cursor.executemany(
                        statements.close,
                        [statements.convert(c, statements.close_processors) for c in closes],
                    )
                    written += len(closes)
                if purges and self.conn.dialect.name == "sqlite":
                    # Overwrite the freed pages with zeros: the text must not linger on disk.
                    self.conn.exec_driver_sql("PRAGMA secure_delete = ON")
                for where in purges:
                    # Through SQLAlchemy on the same connection and transaction: the delete
                    # fires the register's triggers (the SQLite full-text index follows).
                    table = self.tables[name]
                    deleted = self.conn.execute(
                        sa.delete(table).where(*[table.c[k] == v for k, v in where.items()])
                    )
                    written += deleted.rowcount or 0
                purges.clear()
                if inserts:
                    if statements.copy is not None:
                        # PostgreSQL: COPY streams the rows in one command.
                        with cursor.copy(statements.copy) as copy:
                            for row in statements.insert_rows(inserts):
                                copy.write_row(row)
                    else:
                        cursor.executemany(statements.insert, statements.insert_rows(inserts))
                    written += len(inserts)
                closes.clear()
                inserts.clear()
        finally:
            cursor.close()
        for entry in self._touched:
            if entry.pending is not None:
                entry.pending = None
                entry.in_db = entry.values is not None
        self._touched.clear()
        self.cache.trim()
        return written
