"""Empty PostgreSQL register tables kept between tests, instead of created for each.

Creating a register generation's tables on PostgreSQL (about 60 tables and 210 indexes for
every register) takes most of a second, each time a test starts the API on a fresh schema.
In the tests, :meth:`RegisterStore._create <projections.store.RegisterStore._create>` is
wrapped (:func:`install`):

- the first time a generation of a register is made in a test process, it is made as in
  production, and the shape its tables have in the catalog (columns, defaults, indexes,
  constraints, triggers) is noted;
- when the test's schema is dropped (:func:`tests.postgres.fresh_schema`), the register tables
  the test was given are emptied (``DELETE``) and moved (``ALTER TABLE ... SET SCHEMA``) into a
  parking schema of the test process, if they still have the shape noted — untouched by the
  test but for their rows;
- the next time the same generation of the same register is made, its parked tables are moved
  into the new schema, inside the caller's transaction, instead of being created.

A test therefore sees empty tables of exactly the shape production creates, in its own schema;
what it wrote is gone. Anything unexpected — tables already there, a shape that differs, an
error while moving — falls back to creating the tables as production does, or to dropping them
with the test's schema. The parking schemas (``park_<uuid hex>``) are dropped at the end of the
session.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from projections.projection import Projection
from projections.store import RegisterStore

PREFIX = "park"

log = logging.getLogger(__name__)

# The shape of each named table of a schema, free of the schema's name: its columns (type,
# nullability, default, identity), index definitions, constraints and the number of triggers.
SHAPE = """
SELECT c.relname,
       (SELECT string_agg(col, ', ' ORDER BY num) FROM (
            SELECT a.attnum AS num,
                   a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                   || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                   || CASE WHEN a.attidentity <> '' THEN ' identity' ELSE '' END
                   || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') AS col
            FROM pg_attribute a
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) cols),
       (SELECT string_agg(replace(def, quote_ident(n.nspname) || '.', ''), '; ' ORDER BY def)
            FROM (SELECT pg_get_indexdef(i.indexrelid) AS def
                  FROM pg_index i WHERE i.indrelid = c.oid) ixs),
       (SELECT string_agg(def, '; ' ORDER BY def)
            FROM (SELECT k.conname || ' ' || pg_get_constraintdef(k.oid) AS def
                  FROM pg_constraint k WHERE k.conrelid = c.oid) cons),
       (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relkind = 'r' AND c.relname = ANY(%(names)s)
"""

# Every relation of a schema but indexes and TOAST tables (which go with their table).
RELATIONS = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relkind NOT IN ('i', 't')
"""

# The parking schemas (of those given) holding any of the named tables.
HOLDING = """
SELECT DISTINCT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s) AND c.relname = ANY(%(names)s)
"""

Shape = dict[str, tuple[Any, ...]]
Key = tuple[Any, ...]


@dataclass
class _Lent:
    """Register tables a test schema holds that came from, or may go to, the parking."""

    key: Key
    names: tuple[str, ...]


@dataclass
class Parking:
    """This test process's parked register tables."""

    schemas: list[str] = field(default_factory=list)
    """The parking schemas, created as needed: one holds at most one table of a name."""
    shapes: dict[Key, Shape] = field(default_factory=dict)
    """The shape production gave the tables of each register generation."""
    parked: dict[Key, list[str]] = field(default_factory=dict)
    """The parking schemas holding a set of each register generation's tables."""
    lent: dict[str, list[_Lent]] = field(default_factory=dict)
    """By test schema, the register tables it was given or made."""
    url: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    # ----------------------------------------------------------- in the test
    def create(
        self,
        original: Callable[[RegisterStore, sa.Connection, Projection, int], None],
        store: RegisterStore,
        conn: sa.Connection,
        projection: Projection,
        generation: int,
    ) -> None:
        """Make ``generation`` of ``projection``'s tables in the store's schema: parked ones
        moved in when there are, else as production does."""
        schema = store.schema
        if conn.dialect.name != "postgresql" or schema is None:
            original(store, conn, projection, generation)
            return
        tables = store.tables(projection, generation)
        names = tuple(sorted(t.name for t in tables.values()))
        key = _key(projection, generation)
        if self._move_in(conn, key, schema, names):
            return
        before = _relations(conn, schema)
        original(store, conn, projection, generation)
        if _relations(conn, schema) - before != set(names):
            return  # something more than the tables (or fewer): never parked
        shape = _shape(conn.exec_driver_sql, schema, names)
        if any("nextval" in str(s) or " identity" in str(s) for s in shape.values()):
            return  # a sequence would not start again when emptied: never parked
        with self.lock:
            self.shapes.setdefault(key, shape)
            self.lent.setdefault(schema, []).append(_Lent(key, names))

    def _move_in(self, conn: sa.Connection, key: Key, schema: str, names: Sequence[str]) -> bool:
        """Move a parked set of the tables into ``schema``, in the caller's transaction."""
        with self.lock:
            holders = self.parked.get(key)
            if not holders:
                return False
            park = holders.pop()
        there = conn.exec_driver_sql(HOLDING, {"schemas": [schema], "names": list(names)})
        if there.first() is not None:  # some are there already: production's way
            with self.lock:
                self.parked.setdefault(key, []).append(park)
            return False
        try:
            with conn.begin_nested():
                moves = (f"ALTER TABLE {_q(park)}.{_q(n)} SET SCHEMA {_q(schema)}" for n in names)
                conn.exec_driver_sql(";".join(moves), execution_options={"no_parameters": True})
        except sa.exc.DBAPIError:
            return False  # that set is lost to the parking; it goes with the parking schema
        with self.lock:
            self.lent.setdefault(schema, []).append(_Lent(key, tuple(names)))
        return True

    # ------------------------------------------------------ after the test
    def park(self, conn: Any, url: str, schema: str) -> None:
        """Empty the register tables the test's ``schema`` was given and park them, those that
        kept their shape. ``conn`` is an autocommit psycopg connection; the caller drops the
        schema afterwards."""
        with self.lock:
            lent = self.lent.pop(schema, [])
        if not lent:
            return
        self.url = url
        shapes = _shape(conn.execute, schema, [n for item in lent for n in item.names])
        # A lock still held on a table (an application left open) ends the parking at once:
        # the schema is then dropped with its tables, as without it.
        conn.execute("SET lock_timeout = '1s'")
        try:
            self._park(conn, schema, lent, shapes)
        finally:
            conn.execute("RESET lock_timeout")

    def _park(self, conn: Any, schema: str, lent: list[_Lent], shapes: Shape) -> None:
        for item in lent:
            expected = self.shapes.get(item.key)
            if expected is None or any(shapes.get(n) != expected.get(n) for n in item.names):
                continue  # changed, or gone: it goes with the schema
            park = self._parking_for(conn, item.names)
            try:
                tables = [f"{_q(schema)}.{_q(name)}" for name in item.names]
                with conn.transaction():
                    conn.execute(";".join(f"DELETE FROM {t}" for t in tables))  # noqa: S608
                    conn.execute(";".join(f"ALTER TABLE {t} SET SCHEMA {_q(park)}" for t in tables))
            except Exception:  # the tables go with the schema, whatever the reason
                log.debug("register tables not parked", exc_info=True)
                return
            with self.lock:
                self.parked.setdefault(item.key, []).append(park)

    def _parking_for(self, conn: Any, names: Sequence[str]) -> str:
        """A parking schema holding none of ``names`` (created if none is free)."""
        held = {"schemas": self.schemas, "names": list(names)}
        taken = {row[0] for row in conn.execute(HOLDING, held)}
        for park in self.schemas:
            if park not in taken:
                return park
        park = f"{PREFIX}_{uuid.uuid4().hex}"
        conn.execute(f"CREATE SCHEMA {_q(park)}")
        self.schemas.append(park)
        return park

    def drop(self) -> None:
        """Drop the parking schemas (at the end of the session)."""
        if self.url is None or not self.schemas:
            return
        import psycopg

        with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
            conn.execute("SET lock_timeout = '10s'")
            for park in self.schemas:
                conn.execute(f"DROP SCHEMA IF EXISTS {_q(park)} CASCADE")
        self.schemas.clear()
        self.parked.clear()


PARKING = Parking()


def install() -> None:
    """Wrap ``RegisterStore._create`` in this process (once)."""
    original = RegisterStore._create
    if getattr(original, "parked", False):
        return

    def _create(self: RegisterStore, conn: sa.Connection, projection: Projection, n: int) -> None:
        PARKING.create(original, self, conn, projection, n)

    _create.parked = True  # type: ignore[attr-defined]
    RegisterStore._create = _create  # type: ignore[method-assign]


# ------------------------------------------------------------------------------- helpers
_KEYS: dict[Key, Any] = {}


def _key(projection: Projection, generation: int) -> Key:
    """What decides the tables of a register generation: its class, name, version and table
    specifications (by identity, kept alive here so that no other object takes their id)."""
    key = (
        type(projection),
        projection.name,
        projection.version,
        generation,
        tuple(id(spec) for spec in projection.tables),
    )
    _KEYS.setdefault(key, tuple(projection.tables))
    return key


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _relations(conn: sa.Connection, schema: str) -> set[str]:
    return {row[0] for row in conn.exec_driver_sql(RELATIONS, {"schema": schema})}


def _shape(
    execute: Callable[[str, dict[str, Any]], Any], schema: str, names: Sequence[str]
) -> Shape:
    """The shape of the named tables of ``schema``; ``execute`` runs a query with psycopg
    parameters (a SQLAlchemy connection's ``exec_driver_sql``, or a psycopg connection's
    ``execute``)."""
    rows = execute(SHAPE, {"schema": schema, "names": list(names)})
    return {row[0]: tuple(row[1:]) for row in rows}
