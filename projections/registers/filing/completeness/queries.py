"""Reads of the completeness register (完整性台账) beyond its listings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from projections.projection import Projection
from projections.query import AsOf, visible
from projections.registers.filing.completeness.tables import GAPS
from projections.store import RegisterStore


def overdue_gaps(
    store: RegisterStore,
    projection: Projection,
    *,
    on: date,
    as_of: AsOf = AsOf(),
    filters: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The documents still missing at ``as_of`` whose due date was before ``on``.

    Each is a row of ``gaps`` with ``days_past_due`` added, most overdue first; ``filters`` are
    exact matches on its columns (``loan_no``, ``branch``, ``rule_id``…).
    """
    spec = projection.specs()[GAPS.name]
    with store.reading() as conn:
        table = store.live_tables(conn, projection)[GAPS.name]
        clauses: Sequence[Any] = [
            *visible(table, spec, as_of),
            table.c.due_on < on,
            *[table.c[name] == value for name, value in (filters or {}).items()],
        ]
        found = conn.execute(
            sa.select(*[table.c[n] for n in spec.column_names])
            .where(*clauses)
            .order_by(table.c.due_on, table.c.loan_no, *[table.c[k] for k in spec.key])
        )
        rows = [dict(r._mapping) for r in found]
    for row in rows:
        row["days_past_due"] = (on - row["due_on"]).days
    return rows
