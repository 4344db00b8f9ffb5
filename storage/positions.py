"""Where a stored event sits in the global sequence (its notification id), and which
aggregates the store holds at all."""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder, ApplicationRecorder, Recorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier


def notification_id_of(recorder: Recorder, originator_id: UUID, version: int) -> int | None:
    """The notification id of one stored event, or ``None`` if it is not stored."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid FROM {recorder.events_table_name} "  # noqa: S608 - library-owned name
                "WHERE originator_id=? AND originator_version=?",
                (originator_id.hex, version),
            )
            row = c.fetchone()
            return int(row[0]) if row else None
    if isinstance(recorder, PostgresApplicationRecorder):
        statement = SQL(
            "SELECT notification_id FROM {schema}.{table} "
            "WHERE originator_id=%s AND originator_version=%s"
        ).format(
            schema=Identifier(recorder.datastore.schema),
            table=Identifier(recorder.events_table_name),
        )
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(statement, (originator_id, version))
            found = curs.fetchone()
            return int(found["notification_id"]) if found else None
    if isinstance(recorder, ApplicationRecorder):
        start: int | None = None
        while True:
            page = recorder.select_notifications(start=start, limit=500)
            for n in page:
                if n.originator_id == originator_id and n.originator_version == version:
                    return n.id
            if len(page) < 500:
                return None
            start = page[-1].id + 1
    return None


STORED_PAGE = 500
"""Ids asked about in one query by :func:`stored_among` (well within SQLite's parameter limit)."""


def stored_among(recorder: Recorder, ids: Collection[UUID]) -> set[UUID]:
    """Which of ``ids`` name an aggregate with at least one stored event: one query for each
    :data:`STORED_PAGE` ids, where asking ``select_events`` would take one for each id."""
    wanted = list(dict.fromkeys(ids))
    found: set[UUID] = set()
    for at in range(0, len(wanted), STORED_PAGE):
        page = wanted[at : at + STORED_PAGE]
        if isinstance(recorder, SQLiteApplicationRecorder):
            marks = ",".join("?" * len(page))
            with recorder.datastore.transaction(commit=False) as c:
                c.execute(
                    f"SELECT DISTINCT originator_id FROM {recorder.events_table_name} "  # noqa: S608 - library-owned name
                    f"WHERE originator_id IN ({marks})",
                    [u.hex for u in page],
                )
                found.update(UUID(row[0]) for row in c.fetchall())
        elif (
            isinstance(recorder, PostgresApplicationRecorder)
            and recorder.datastore.originator_id_type == "uuid"
        ):
            statement = SQL(
                "SELECT DISTINCT originator_id FROM {schema}.{table} WHERE originator_id = ANY(%s)"
            ).format(
                schema=Identifier(recorder.datastore.schema),
                table=Identifier(recorder.events_table_name),
            )
            with recorder.datastore.transaction(commit=False) as curs:
                curs.execute(statement, (page,))
                found.update(row["originator_id"] for row in curs.fetchall())
        elif isinstance(recorder, AggregateRecorder):
            found.update(u for u in page if recorder.select_events(u, limit=1))
    return found
