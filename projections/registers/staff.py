"""Staff directory (人员名录): who each staff id is — name, staff number, branch, roles held.

A projection of the ``Staff`` events alone. Every other register keeps the ids of the people
its events name; what a person reads shows them as ``姓名（工号）`` (:mod:`domain.display`),
looked up here (:func:`names_of`) when a listing is read or exported. Names never change (there
is no renaming event), so a row read now names the person as every earlier row did; the table
is versioned all the same, so the directory answers "as of" like any register (roles held then).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar
from uuid import UUID

import sqlalchemy as sa

from domain.display import person
from domain.staff import Staff
from projections.changes import Changes
from projections.projection import Listing, Projection, handlers
from projections.query import AsOf, visible
from projections.roles import held_roles, roles_columns
from projections.store import RegisterStore
from projections.tables import TableSpec, col

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
StaffEvents: Any = Staff

STAFF = TableSpec(
    "staff",
    [
        col("staff_id", sa.Uuid, "人员ID", "staff id", export=False, nullable=False),
        col("staff_no", sa.String(32), "工号", "staff no.", filter=True),
        col("name", sa.String(100), "姓名", "name"),
        col("display_name", sa.String(140), "姓名（工号）", "name (staff no.)"),
        col("branch", sa.String(100), "机构", "branch", filter=True),
        col("roles", sa.String(400), "当前岗位代码", "roles held", export=False),
        col("roles_zh", sa.String(400), "当前岗位", "roles held (Chinese)"),
    ],
    key=("staff_id",),
    indexes=(("staff_no",),),
    dated=False,  # who is who: read by every day's events alike
)


class StaffDirectory(Projection):
    """人员名录: each member of staff by id, with name, staff number, branch and roles."""

    name = "staff_directory"
    version = 3  # 3: rows dated by business date (业务日期), read on a day (on=)
    title_zh = "人员名录"
    title_en = "Staff directory"
    tables = (STAFF,)
    listings: ClassVar[dict[str, Listing]] = {
        "staff": Listing("staff", ("staff_no",), title_zh, title_en)
    }

    handle = handlers()

    @handle.register(StaffEvents.Enrolled)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put(
            "staff",
            (event.originator_id,),
            {
                "staff_no": event.staff_no,
                "name": event.name,
                "display_name": person(event.name, event.staff_no),
                "branch": event.branch,
            }
            | roles_columns(()),
        )

    def _held(self, changes: Changes, staff_id: UUID) -> list[str] | None:
        row = changes.get("staff", staff_id)
        return None if row is None else held_roles(row)

    @handle.register(StaffEvents.RoleGranted)
    def _(self, event: Any, changes: Changes) -> None:
        held = self._held(changes, event.originator_id)
        if held is not None:
            changes.update(
                "staff", (event.originator_id,), **roles_columns([*held, event.granted_role.value])
            )

    @handle.register(StaffEvents.RoleRevoked)
    def _(self, event: Any, changes: Changes) -> None:
        held = self._held(changes, event.originator_id)
        if held is not None:
            revoked = event.revoked_role.value
            changes.update(
                "staff", (event.originator_id,), **roles_columns(r for r in held if r != revoked)
            )

    @handle.register(StaffEvents.Transferred)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update("staff", (event.originator_id,), branch=event.branch)


CHUNK = 500
"""Ids asked for per query (well under every driver's limit on bound parameters)."""


def names_of(
    store: RegisterStore,
    directory: Projection,
    ids: Iterable[UUID],
    *,
    as_of: AsOf = AsOf(),
) -> dict[UUID, str]:
    """``姓名（工号）`` of each id the directory knows, as it stood at ``as_of``; ids it does not
    know are left out (the caller says so in its own words, never with the id)."""
    wanted = sorted({i for i in ids if i is not None}, key=str)
    found: dict[UUID, str] = {}
    if not wanted:
        return found
    with store.reading() as conn:
        table = store.live_tables(conn, directory)["staff"]
        where = visible(table, STAFF, as_of)
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            rows = conn.execute(
                sa.select(table.c.staff_id, table.c.display_name).where(
                    *where, table.c.staff_id.in_(chunk)
                )
            )
            found |= {row.staff_id: row.display_name for row in rows}
    return found
