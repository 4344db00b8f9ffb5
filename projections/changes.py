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

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from projections.tables import AT, FROM, FROM_AT, POS, SEQ, TO, TO_AT, TableSpec

Key = tuple[Any, ...]
CACHE_LIMIT = 50_000


@dataclass
class _Current:
    """What is known of a keyed row: its current values (None: no current version)."""

    values: dict[str, Any] | None
    pending: dict[str, Any] | None = None  # the version inserted by this batch, if any
    in_db: bool = False  # a current version is stored and still open in the database


class RowCache:
    """Current versions of keyed rows, kept across batches of one register generation."""

    def __init__(self, limit: int = CACHE_LIMIT) -> None:
        self.limit = limit
        self.rows: dict[tuple[str, Key], _Current] = {}

    def clear(self) -> None:
        self.rows.clear()

    def trim(self) -> None:
        # Bounded memory: forgetting everything is correct (rows are read again on demand)
        # and cheaper than tracking recency on every access.
        if len(self.rows) > self.limit:
            self.rows.clear()


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
        self._closes: dict[str, list[dict[str, Any]]] = {name: [] for name in specs}
        self._seq = 0

    def at_event(self, position: int, at: datetime) -> None:
        """Stamp what follows with the event's log position and record time (naive UTC)."""
        self.position = position
        self.at = at
        self._seq = 0

    # ------------------------------------------------------------- keyed rows
    def _entry(self, table: str, key: Key) -> _Current:
        entry = self.cache.rows.get((table, key))
        if entry is None:
            spec, physical = self.specs[table], self.tables[table]
            where = [physical.c[k] == v for k, v in zip(spec.key, key, strict=True)]
            found = self.conn.execute(
                sa.select(*[physical.c[n] for n in spec.column_names]).where(
                    *where, physical.c[TO].is_(None)
                )
            ).first()
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
            self._inserts[table].remove(entry.pending)
            entry.pending = None
            entry.values = None
            return
        self._close(table, key, entry)
        entry.values = None

    def _close(self, table: str, key: Key, entry: _Current) -> None:
        if entry.pending is not None:
            entry.pending[TO] = self.position
            entry.pending[TO_AT] = self.at
            entry.pending = None
        elif entry.in_db:
            spec = self.specs[table]
            close = {f"k_{k}": v for k, v in zip(spec.key, key, strict=True)}
            close.update(c_to=self.position, c_to_at=self.at)
            self._closes[table].append(close)
            entry.in_db = False

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
        for name, spec in self.specs.items():
            physical = self.tables[name]
            closes = self._closes[name]
            if closes:
                statement = (
                    physical.update()
                    .where(
                        *[physical.c[k] == sa.bindparam(f"k_{k}") for k in spec.key],
                        physical.c[TO].is_(None),
                    )
                    .values({TO: sa.bindparam("c_to"), TO_AT: sa.bindparam("c_to_at")})
                )
                self.conn.execute(statement, closes)
                written += len(closes)
            inserts = self._inserts[name]
            if inserts:
                self.conn.execute(physical.insert(), inserts)
                written += len(inserts)
            closes.clear()
            inserts.clear()
        for entry in self.cache.rows.values():
            if entry.pending is not None:
                entry.pending = None
                entry.in_db = entry.values is not None
        self.cache.trim()
        return written
