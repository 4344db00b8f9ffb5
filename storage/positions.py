"""Where a stored event sits in the global sequence (its notification id)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Recorder
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
