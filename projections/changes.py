"""The changes one batch of events makes to one register, written at the end in bulk.

Handlers read and write rows through :class:`Changes`: ``get`` a keyed row, ``put`` a new
version, ``end`` it, or ``append`` to a log table. Nothing is written until
:meth:`Changes.flush`, which the follower calls inside the transaction that also moves the
register's tracked position: the batch and its position are committed together or not at all.

Two times (:mod:`projections.tables`). Each event has a business date (业务日期, from
:func:`domain.dates.business_date`); the follower runs the register's handler for it through
:meth:`Changes.run`, which sees the rows as they stood on that date. An event dated on or after
every day its rows know (the usual case) writes as before: the latest version ends on the
event's day (``_until``) and a new one begins — or, on the same day, replaces it (one version a
day at most). An event dated before days its rows already know (a fact recorded late, a
correction) is applied to the state of every later day as well: the handler runs again as of
each of those days and the rows' timelines from its date on are written anew, the versions they
replace closed in recording time. Each day's state is thus the events dated up to it, in the
order they were recorded.

Versions opened and closed within one batch are inserted already closed, so a batch costs one
UPDATE per row that was current before it (ending or closing that version) and one bulk INSERT
per table. Current rows are kept in a bounded cache between batches; the follower drops it
whenever a transaction fails, because it may then hold versions that were never committed.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from projections.tables import (
    ALWAYS,
    AT,
    FROM,
    FROM_AT,
    ON,
    POS,
    SEQ,
    TO,
    TO_AT,
    UNTIL,
    UNTIL_AT,
    UNTIL_POS,
    TableSpec,
)

Key = tuple[Any, ...]
CACHE_LIMIT = 2_000
RERUNS = 3
"""How many times the set of rows a late event reaches may grow before it is taken as it is."""


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
        self.close = self.cut = ""
        self.close_processors: list[Any] = []
        self.cut_processors: list[Any] = []
        if spec.versioned:
            # The latest version of a row, held and open-ended: closed in recording time (a
            # change on its own first day), or ended on a later business day.
            where = (
                " AND ".join(f"{quote(k)} = {mark}" for k in self.key)
                + f" AND {quote(TO)} IS NULL AND {quote(UNTIL)} IS NULL"
            )
            self.close = (
                f"UPDATE {name} SET {quote(TO)} = {mark}, {quote(TO_AT)} = {mark} WHERE {where}"  # noqa: S608
            )
            self.cut = (
                f"UPDATE {name} SET {quote(UNTIL)} = {mark}, {quote(UNTIL_POS)} = {mark}, "  # noqa: S608
                f"{quote(UNTIL_AT)} = {mark} WHERE {where}"
            )
            keys = [key_processors[k] for k in self.key]
            self.close_processors = [key_processors[TO], key_processors[TO_AT], *keys]
            self.cut_processors = [
                key_processors[UNTIL],
                key_processors[UNTIL_POS],
                key_processors[UNTIL_AT],
                *keys,
            ]
        # The versions a row holds now (its timeline), latest day first.
        self.current = (
            sa.select(*[table.c[n] for n in spec.column_names], table.c[ON], table.c[UNTIL])
            .where(*[table.c[k] == sa.bindparam(f"k_{k}") for k in self.key], table.c[TO].is_(None))
            .order_by(table.c[ON].desc())
            if spec.versioned
            else None
        )
        # ... those that describe a given day or later ones.
        self.from_day = (
            self.current.where(
                sa.or_(table.c[UNTIL].is_(None), table.c[UNTIL] > sa.bindparam("day"))
            )
            if self.current is not None
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
    """What is known of a keyed row's latest version.

    ``values`` are its values while it is open-ended (None: the row has none now); ``on`` the
    first day it describes and ``until`` the day it ended, if it did (None for a key that never
    had a row). ``pending`` is that version when this batch inserts it; ``in_db`` says a stored
    version is held and open-ended.
    """

    values: dict[str, Any] | None
    pending: dict[str, Any] | None = None  # the version inserted by this batch, if any
    in_db: bool = False  # a current version is stored and still open in the database
    on: date | None = None
    until: date | None = None

    @property
    def last_day(self) -> date | None:
        """The latest business day the row's history knows of."""
        return self.until or self.on


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
        self.on = self.at.date()
        self._view = self.on
        self._inserts: dict[str, list[dict[str, Any]]] = {name: [] for name in specs}
        self._closes: dict[str, list[list[Any]]] = {name: [] for name in specs}
        self._cuts: dict[str, list[list[Any]]] = {name: [] for name in specs}
        self._seq = 0
        self._touched: list[_Current] = []
        self._purges: dict[str, list[dict[str, Any]]] = {name: [] for name in specs}
        # One event's writes (row or None for ended) and reads, by (table, key), while its
        # handler runs; ``_again`` while it runs again for a later day.
        self._writes: dict[tuple[str, Key], dict[str, Any] | None] = {}
        self._reads: set[tuple[str, Key]] = set()
        self._again = False
        self._timelines: dict[tuple[str, Key], list[dict[str, Any]]] = {}
        self.purged = False
        """Whether rows were deleted for good (:meth:`purge`) by this batch."""
        self._index_rows: dict[sa.Table, list[tuple[Any, ...]]] = {}

    def at_event(self, position: int, at: datetime, on: date | None = None) -> None:
        """Stamp what follows with the event's log position, record time (naive UTC) and
        business date (by default the record time's day)."""
        self.position = position
        self.at = at
        self.on = on if on is not None else at.date()
        self._seq = 0

    def run(self, handler: Callable[[], None]) -> None:
        """Apply one event: ``handler`` reads and writes the rows as they stand on the event's
        business date; where they know later days, it runs again as of each of them."""
        self._timelines.clear()
        self._start(self.on, again=False)
        handler()
        first = self._writes
        touched = set(first) | self._reads
        if not any(self._later(table, key) for table, key in touched):
            for (table, key), row in first.items():
                self._write(table, key, row)
            return
        self.flush()  # from here the stored timelines are the whole truth
        self._timelines.clear()
        runs: dict[date, dict[tuple[str, Key], dict[str, Any] | None]] = {}
        for _ in range(RERUNS):
            days = sorted({day for table, key in touched for day in self._days(table, key)})
            runs = {}
            reached = set(touched)
            for day in days:
                self._start(day, again=True)
                handler()
                runs[day] = self._writes
                reached |= set(self._writes) | self._reads
            if reached == touched:
                break
            touched = reached
        self._again = False
        self._rewrite({self.on: first, **runs})

    def _start(self, day: date, *, again: bool) -> None:
        self._view = day
        self._again = again
        self._writes = {}
        self._reads = set()

    def _later(self, table: str, key: Key) -> bool:
        """Whether the row knows of a business day after the event's."""
        if not self.specs[table].dated:
            return False
        last = self._entry(table, key).last_day
        return last is not None and last > self.on

    def _days(self, table: str, key: Key) -> list[date]:
        """The days after the event's on which the row's stored timeline changes."""
        days: list[date] = []
        for version in self._timeline(table, key):
            for day in (version[ON], version[UNTIL]):
                if day is not None and day > self.on:
                    days.append(day)
        return days

    def _timeline(self, table: str, key: Key) -> list[dict[str, Any]]:
        """The versions the row holds for the event's day and later ones (stored: the batch
        is flushed first), by first day."""
        found = self._timelines.get((table, key))
        if found is None:
            if (
                any(self._inserts.values())
                or any(self._closes.values())
                or any(self._cuts.values())
            ):
                self.flush()
            spec = self.specs[table]
            params = {f"k_{k}": v for k, v in zip(spec.key, key, strict=True)}
            query = self.statements(table).from_day
            assert query is not None
            found = [dict(r._mapping) for r in self.conn.execute(query, {**params, "day": self.on})]
            found.reverse()
            self._timelines[(table, key)] = found
        return found

    def _state(self, table: str, key: Key, day: date) -> dict[str, Any] | None:
        """The row's values on ``day`` (the end of it), before this event."""
        entry = self._entry(table, key)
        last = entry.last_day
        if last is None or last <= day:
            return entry.values
        names = self.specs[table].column_names
        for version in self._timeline(table, key):
            if version[ON] <= day and (version[UNTIL] is None or version[UNTIL] > day):
                return {n: version[n] for n in names}
        return None

    def _rewrite(
        self, runs: Mapping[date, Mapping[tuple[str, Key], dict[str, Any] | None]]
    ) -> None:
        """Write anew, from the event's day on, the timelines of the rows it changed on some
        day: the versions they held from then are closed, and the new ones inserted."""
        days = sorted(runs)
        written = sorted({k for run in runs.values() for k in run}, key=repr)
        tables = {name: self.tables[name] for name in self.specs}
        for table, key in written:
            spec = self.specs[table]
            names = spec.column_names
            states = [
                runs[day][(table, key)]
                if (table, key) in runs[day]
                else self._state(table, key, day)
                for day in days
            ]
            segments: list[tuple[date, dict[str, Any] | None]] = []
            for day, state in zip(days, states, strict=True):
                values = {n: state[n] for n in names} if state is not None else None
                if not segments or segments[-1][1] != values:
                    segments.append((day, values))
            physical = tables[table]
            where = [physical.c[k] == v for k, v in zip(spec.key, key, strict=True)]
            rows: list[dict[str, Any]] = []
            for version in self._timeline(table, key):
                if version[UNTIL] is not None and version[UNTIL] <= self.on:
                    continue  # days before the event's: untouched
                self.conn.execute(
                    physical.update()
                    .where(*where, physical.c[TO].is_(None), physical.c[ON] == version[ON])
                    .values({TO: self.position, TO_AT: self.at})
                )
                if version[ON] < self.on:  # its days before the event's stay as they were
                    rows.append(self._version(version, version[ON], self.on))
            for n, (day, values) in enumerate(segments):
                if values is not None:
                    until = segments[n + 1][0] if n + 1 < len(segments) else None
                    rows.append(self._version(values, day, until))
            if rows:
                self.conn.execute(physical.insert(), rows)
            self.cache.rows.pop((table, key), None)
            self.cache.noted(table, key, True)  # look it up again: it may have rows
            self._timelines.pop((table, key), None)

    def _version(self, values: Mapping[str, Any], on: date, until: date | None) -> dict[str, Any]:
        """A new version of a row, held from this event, for the days from ``on`` to ``until``."""
        return {
            **{n: v for n, v in values.items() if not n.startswith("_")},
            FROM: self.position,
            FROM_AT: self.at,
            TO: None,
            TO_AT: None,
            ON: on,
            UNTIL: until,
            UNTIL_POS: self.position if until is not None else None,
            UNTIL_AT: self.at if until is not None else None,
        }

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
                found = self.conn.execute(query.limit(1), params).first()
                if found is None:
                    entry = _Current(None)
                else:
                    row = found._mapping
                    values = {n: row[n] for n in spec.column_names}
                    if row[UNTIL] is None:
                        entry = _Current(values, in_db=True, on=row[ON])
                    else:
                        entry = _Current(None, on=row[ON], until=row[UNTIL])
            self.cache.rows[(table, key)] = entry
        return entry

    def get(self, table: str, *key: Any) -> dict[str, Any] | None:
        """The row's values as they stand on the event's business date (with this event's own
        changes so far), or None; a copy, safe to change."""
        if (table, key) in self._writes:
            written = self._writes[(table, key)]
            return dict(written) if written is not None else None
        if not self.specs[table].dated:
            values = self._entry(table, key).values
            return dict(values) if values is not None else None
        self._reads.add((table, key))
        values = self._state(table, key, self._view)
        return dict(values) if values is not None else None

    def put(self, table: str, key: Key, values: Mapping[str, Any]) -> None:
        """Make ``values`` (merged over the key) the row's version from the event's day on."""
        spec = self.specs[table]
        row = dict.fromkeys(spec.column_names)
        row.update(values)
        row.update(zip(spec.key, key, strict=True))
        self._writes[(table, key)] = row

    def update(self, table: str, key: Key, **changes: Any) -> dict[str, Any] | None:
        """Change some columns of the current row; nothing (and None) if there is none."""
        current = self.get(table, *key)
        if current is None:
            return None
        current.update(changes)
        self.put(table, key, current)
        return current

    def end(self, table: str, *key: Any) -> None:
        """End the row on the event's day: from then on it has none."""
        if self.get(table, *key) is not None:
            self._writes[(table, key)] = None

    def _write(self, table: str, key: Key, row: dict[str, Any] | None) -> None:
        """Write an event's change of a row whose history knows no later day than the event's."""
        day = self.on if self.specs[table].dated else ALWAYS
        entry = self._entry(table, key)
        if row is None:
            if entry.values is None:
                return
            if entry.pending is not None and entry.pending[FROM] == self.position:
                inserts = self._inserts[table]
                del inserts[next(i for i, r in enumerate(inserts) if r is entry.pending)]
                entry.pending = None
            else:
                self._end_latest(table, key, entry, day)
            entry.values = None
            entry.until = day  # the key keeps its history: still known (``noted``)
            return
        self._end_latest(table, key, entry, day)
        version = self._version(row, day, None)
        self._inserts[table].append(version)
        entry.values = dict(row)
        entry.pending = version
        entry.on = day
        entry.until = None
        self._touched.append(entry)
        self.cache.noted(table, key, True)

    def _end_latest(self, table: str, key: Key, entry: _Current, day: date) -> None:
        """The row's latest version gives way on the event's day: ended before it (a later
        day), or closed in recording time (the same day: one version a day)."""
        if entry.values is None:
            return
        same_day = entry.on == day
        if entry.pending is not None:
            if same_day:
                entry.pending[TO] = self.position
                entry.pending[TO_AT] = self.at
            else:
                entry.pending[UNTIL] = day
                entry.pending[UNTIL_POS] = self.position
                entry.pending[UNTIL_AT] = self.at
            entry.pending = None
        elif entry.in_db:
            if same_day:
                self._closes[table].append([self.position, self.at, *key])
            else:
                self._cuts[table].append([day, self.position, self.at, *key])
            entry.in_db = False

    def purge(self, table: str, **where: Any) -> None:
        """Delete physically every version of the rows matching ``where`` (column = value).

        Unlike :meth:`end`, nothing of the rows stays in the history: what must be forgotten for
        good (the text of a destroyed dossier) is gone from the register's current generation.
        Versions this batch would insert are dropped; stored ones are deleted at :meth:`flush`,
        after the batch's version-closing updates and before its inserts.
        """
        if self._again:
            return
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

    # ------------------------------------------------------- a register's own index
    def insert_later(self, table: sa.Table, rows: list[tuple[Any, ...]]) -> None:
        """Rows for a table the register keeps beside its specs (an index of its own, plain
        values in the table's column order), inserted at :meth:`flush` before everything else:
        all of the batch's at once, sorted (neighbours share pages), a row already there kept."""
        if self._again:
            return
        self._index_rows.setdefault(table, []).extend(rows)

    # -------------------------------------------------------------- log rows
    def append(self, table: str, values: Mapping[str, Any]) -> None:
        """Add a row to a log table, stamped with the event's position, time and business date
        (once: not again when a late event's handler runs again for later days)."""
        if self._again:
            return
        spec = self.specs[table]
        row = dict.fromkeys(spec.column_names)
        row.update(values)
        row.update({POS: self.position, SEQ: self._seq, AT: self.at, ON: self.on})
        self._seq += 1
        self._inserts[table].append(row)

    # ------------------------------------------------------------------ write
    def flush(self) -> int:
        """Write the batch's changes; return how many rows were written."""
        written = 0
        cursor: Any = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            for table, rows in self._index_rows.items():
                if rows:
                    rows.sort()
                    preparer = self.conn.dialect.identifier_preparer
                    mark = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
                    names = ", ".join(preparer.quote(c.name) for c in table.columns)
                    marks = ", ".join(mark for _ in table.columns)
                    cursor.executemany(
                        f"INSERT INTO {preparer.format_table(table)} ({names}) "  # noqa: S608
                        f"VALUES ({marks}) ON CONFLICT DO NOTHING",
                        rows,
                    )
                    written += len(rows)
            self._index_rows.clear()
            for name in self.specs:
                closes, inserts = self._closes[name], self._inserts[name]
                cuts, purges = self._cuts[name], self._purges[name]
                if not closes and not cuts and not inserts and not purges:
                    continue
                statements = self.statements(name)
                if closes:
                    cursor.executemany(
                        statements.close,
                        [statements.convert(c, statements.close_processors) for c in closes],
                    )
                    written += len(closes)
                if cuts:
                    cursor.executemany(
                        statements.cut,
                        [statements.convert(c, statements.cut_processors) for c in cuts],
                    )
                    written += len(cuts)
                self.purged = self.purged or bool(purges)
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
                cuts.clear()
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
