"""The test PostgreSQL server: a schema of a test's own, dropped with everything in it after.

Tests may then run in parallel on one database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from tests.parked_registers import PARKING


@contextmanager
def fresh_schema(url: str, *, create: bool = True, prefix: str = "t") -> Iterator[str]:
    """A schema name of its own, ``<prefix>_<uuid hex>``, on the server at ``url``.

    Created here (eventsourcing expects it to exist) unless ``create`` is False, when the code
    under test creates it; dropped afterwards, if it exists, without waiting forever on a lock
    that an application a test left open might hold. Its register tables are kept, emptied,
    for the next test that makes the same registers (:mod:`tests.parked_registers`).
    """
    import psycopg  # imported here, not at the top, so SQLite tests run without libpq
    from psycopg import sql

    schema = f"{prefix}_{uuid.uuid4().hex}"
    if create:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield schema
    finally:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            PARKING.park(conn, url, schema)
            conn.execute("SET lock_timeout = '10s'")
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
