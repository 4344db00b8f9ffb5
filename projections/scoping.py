"""Registers filtered by a reader's data scope (数据权限): only the rows of loans they reach.

The application decides what a reader reaches (:class:`domain.scope.RowScope`, from the one
decision of ``domain.scope``); this turns it into WHERE clauses on any register table, through
the register of branches and account managers (``scope_register``): a row is kept when its loan
(by ``loan_no``, else ``loan_id``, else ``dossier_id``) belongs *now* to one of the reader's
branches or is managed by them. A table that names no loan is kept whole when it shows people
(by their ``branch``) or is joined to one that names loans (:data:`VIA`).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.scope import RowScope
from projections.errors import RegisterQueryError
from projections.projection import Projection
from projections.registers.scope import LOANS, ScopeRegister
from projections.store import RegisterStore
from projections.tables import TableSpec

SCOPE_REGISTER = ScopeRegister()
LOAN_KEYS = ("loan_no", "loan_id", "dossier_id")
"""The columns by which a register row names its loan, in the order they are looked for."""

VIA: dict[tuple[str, str], tuple[str, str]] = {
    ("destruction_register", "batches"): ("entries", "batch_id"),
}
"""A table whose rows name no loan, and the table of the same register (with the column
joining them) whose rows do: a destruction batch is shown to whoever reaches one of its
dossiers."""


def loan_key(spec: TableSpec) -> str | None:
    """The column by which rows of ``spec`` name their loan, if they do."""
    return next((c for c in LOAN_KEYS if c in spec.column_names), None)


def reached(
    conn: sa.Connection, store: RegisterStore, scope: RowScope, key: str, as_of: Any = None
) -> sa.Select[Any]:
    """The ``key`` (loan_no, loan_id or dossier_id) of every loan ``scope`` reaches now — or,
    given ``as_of`` (a :class:`projections.query.AsOf`), as the loans stood then."""
    from projections.query import current, visible  # query filters through here: no cycle

    try:
        loans = store.live_tables(conn, SCOPE_REGISTER)[LOANS.name]
    except KeyError:
        raise RegisterQueryError(
            "数据权限登记簿尚未建立，无法按数据权限筛选",
            "the scope register does not exist yet: rows cannot be filtered by data scope",
        ) from None
    reaches: list[sa.ColumnElement[bool]] = []
    if scope.branches:
        reaches.append(loans.c.branch.in_(sorted(scope.branches)))
    if scope.manager_id is not None:
        reaches += [loans.c.a_manager_id == scope.manager_id]
        reaches += [loans.c.b_manager_id == scope.manager_id]
    when = visible(loans, LOANS, as_of) if as_of is not None else current(loans)
    return sa.select(loans.c[key]).where(*when, sa.or_(*reaches) if reaches else sa.false())


def scope_clauses(
    conn: sa.Connection,
    store: RegisterStore,
    projection: Projection,
    table_name: str,
    table: sa.Table,
    scope: RowScope,
    as_of: Any = None,
) -> list[Any]:
    """The WHERE clauses keeping the rows of ``table`` that ``scope`` reaches (none: all): by
    the loans' branches and managers now, or as they stood at ``as_of`` when given (a report
    read at a past position is built again the same)."""
    if not scope.filtered:
        return []
    spec = projection.specs()[table_name]
    key = loan_key(spec)
    if key is not None:
        return [table.c[key].in_(reached(conn, store, scope, key, as_of))]
    via = VIA.get((projection.name, table_name))
    if via is not None:
        other_name, column = via
        other = store.live_tables(conn, projection)[other_name]
        other_key = loan_key(projection.specs()[other_name])
        assert other_key is not None, f"{other_name} names no loan"
        from projections.query import current  # query filters through here: no cycle

        joined = sa.select(other.c[column]).where(
            *(current(other) if projection.specs()[other_name].versioned else [sa.true()]),
            other.c[other_key].in_(reached(conn, store, scope, other_key, as_of)),
        )
        return [table.c[column].in_(joined)]
    if "branch" in spec.column_names:  # people, by their unit
        people: list[sa.ColumnElement[bool]] = [table.c.branch.in_(sorted(scope.branches or ()))]
        if scope.manager_id is not None and "staff_id" in spec.column_names:
            people.append(table.c.staff_id == scope.manager_id)
        return [sa.or_(*people)]
    return [sa.false()]
