"""Reading a register: filters, sorting, paging, "as of" a past position or time, and "on" a
business date.

Two times (:mod:`projections.tables`). In recording time a version was held from ``_from``
until ``_to``: as of position P the versions with ``_from <= P < _to`` (or no ``_to``) are the
ones the register held; as of a record time T the same holds of the record times. In business
time a held version describes the days from ``_on`` until ``_until``: on day D, the one whose
days include D — an end learnt after P (``_until_pos > P``) does not count, so "what did we
know at P about day D" is answered too. Neither: the latest day, as held now. A log table holds
the rows up to P (or T) dated up to D. No rebuild, no replay: one indexed query per request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from domain.scope import RowScope
from projections.errors import RegisterQueryError
from projections.projection import Projection
from projections.scoping import scope_clauses
from projections.store import RegisterStore
from projections.tables import (
    AT,
    FROM,
    FROM_AT,
    LOG_COLUMNS,
    ON,
    POS,
    SEQ,
    TO,
    TO_AT,
    UNTIL,
    UNTIL_AT,
    UNTIL_POS,
    VERSION_COLUMNS,
    TableSpec,
)

MAX_LIMIT = 1_000


@dataclass(frozen=True)
class AsOf:
    """A point in the past: a log position, or a record time (naive UTC); neither: now (记录时点).
    With ``on``, the state of that business date (业务日期) as known then; without, the latest."""

    position: int | None = None
    at: datetime | None = None
    on: date | None = None

    @property
    def recorded(self) -> AsOf:
        """The same point in recording time, on the latest business date."""
        return AsOf(self.position, self.at)


@dataclass(frozen=True)
class Search:
    """Rows any of whose ``columns`` contains ``text``, or any of whose ``endings`` ends with it
    (any case; ``%`` and ``_`` are literal), or whose ``among`` column holds one of the values
    given for it (a match found in another register, by key)."""

    columns: tuple[str, ...]
    text: str
    endings: tuple[str, ...] = ()
    among: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def named(self) -> tuple[str, ...]:
        """Every column the search reads."""
        return self.columns + self.endings + tuple(name for name, _ in self.among)

    def clause(self, table: sa.Table) -> Any:
        escaped = self.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return sa.or_(
            sa.false(),  # nothing to match: no row
            *(table.c[name].ilike(f"%{escaped}%", escape="\\") for name in self.columns),
            *(table.c[name].ilike(f"%{escaped}", escape="\\") for name in self.endings),
            *(table.c[name].in_(values) for name, values in self.among if values),
        )


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    total: int


def visible(table: sa.Table, spec: TableSpec, as_of: AsOf) -> list[Any]:
    """The WHERE clauses selecting the rows the register showed at ``as_of``."""
    clauses: list[Any] = []
    if spec.versioned:
        # the end of the days a version describes, as known at the point asked about
        ended: list[Any] = []
        if as_of.position is not None:
            clauses += [
                table.c[FROM] <= as_of.position,
                sa.or_(table.c[TO].is_(None), table.c[TO] > as_of.position),
            ]
            ended.append(table.c[UNTIL_POS] <= as_of.position)
        if as_of.at is not None:
            clauses += [
                table.c[FROM_AT] <= as_of.at,
                sa.or_(table.c[TO_AT].is_(None), table.c[TO_AT] > as_of.at),
            ]
            ended.append(table.c[UNTIL_AT] <= as_of.at)
        if as_of.position is None and as_of.at is None:
            clauses.append(table.c[TO].is_(None))
        if as_of.on is None:
            over = sa.and_(*ended) if ended else sa.true()
            clauses.append(sa.or_(table.c[UNTIL].is_(None), sa.not_(over)))
        else:
            clauses.append(table.c[ON] <= as_of.on)
            ends = [table.c[UNTIL].is_(None), table.c[UNTIL] > as_of.on]
            if ended:
                ends.append(sa.not_(sa.and_(*ended)))
            clauses.append(sa.or_(*ends))
    else:
        if as_of.position is not None:
            clauses.append(table.c[POS] <= as_of.position)
        if as_of.at is not None:
            clauses.append(table.c[AT] <= as_of.at)
        if as_of.on is not None:
            clauses.append(table.c[ON] <= as_of.on)
    return clauses


def current(table: sa.Table) -> list[Any]:
    """The WHERE clauses selecting a versioned table's rows as they stand now."""
    return [table.c[TO].is_(None), table.c[UNTIL].is_(None)]


def coerce(column: sa.Column[Any], raw: str) -> Any:
    """A query-string value as the column's Python type, or a RegisterQueryError naming it."""
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return raw
    try:
        if python_type is bool:
            if raw.lower() not in ("true", "false", "1", "0"):
                raise ValueError(raw)
            return raw.lower() in ("true", "1")
        if python_type is datetime:
            return datetime.fromisoformat(raw)
        if hasattr(python_type, "fromisoformat"):
            return python_type.fromisoformat(raw)
        return python_type(raw)
    except (ValueError, TypeError, ArithmeticError):
        raise RegisterQueryError(
            f"筛选条件 {column.name} 的值无效：{raw}",
            f"filter {column.name} has an invalid value: {raw!r}",
            field=column.name,
        ) from None


def select_page(
    store: RegisterStore,
    projection: Projection,
    table_name: str,
    *,
    scope: RowScope,
    as_of: AsOf = AsOf(),
    filters: Mapping[str, str] | None = None,
    order_by: Sequence[str] = (),
    limit: int = 100,
    offset: int = 0,
    extra: Sequence[Any] = (),
    search: Search | None = None,
) -> Page:
    """One page of a register table, as it stood at ``as_of``.

    ``scope`` keeps the rows of the loans the reader reaches (their data scope, decided by the
    application); ``filters`` are exact matches on the columns marked as filters; ``order_by``
    names columns, ``-name`` for descending; ``search`` keeps the rows whose named columns
    contain its text. Raises RegisterQueryError for anything the table does not offer.
    """

    if not 1 <= limit <= MAX_LIMIT:
        raise RegisterQueryError(
            f"每页条数须在1到{MAX_LIMIT}之间", f"limit must be between 1 and {MAX_LIMIT}"
        )
    if offset < 0:
        raise RegisterQueryError("偏移量不能为负", "offset must not be negative")
    spec = projection.specs()[table_name]
    with store.reading() as conn:
        table = store.live_tables(conn, projection)[table_name]
        clauses = visible(table, spec, as_of) + list(extra)
        clauses += scope_clauses(conn, store, projection, table_name, table, scope)
        if search is not None and search.text:
            unknown = [c for c in search.named if c not in spec.column_names]
            if unknown:
                raise RegisterQueryError(
                    f"不能按 {unknown[0]} 检索", f"cannot search {unknown[0]!r}: no such column"
                )
            clauses.append(search.clause(table))
        for name, raw in (filters or {}).items():
            column = next((c for c in spec.columns if c.name == name), None)
            if column is None or not column.info.get("filter"):
                offered = [c.name for c in spec.columns if c.info.get("filter")]
                raise RegisterQueryError(
                    f"不支持的筛选条件：{name}（可用：{', '.join(offered)}）",
                    f"unknown filter {name!r}; this register filters on {', '.join(offered)}",
                    field=name,
                )
            clauses.append(table.c[name] == coerce(column, raw))
        ordering = []
        for item in order_by:
            name = item.removeprefix("-")
            if name not in spec.column_names:
                raise RegisterQueryError(
                    f"不能按 {name} 排序", f"cannot sort by {name!r}: no such column", field=name
                )
            ordering.append(table.c[name].desc() if item.startswith("-") else table.c[name])
        ordering += [table.c[c] for c in (spec.key or (POS, SEQ))]
        columns = [table.c[n] for n in spec.column_names]
        total = conn.execute(sa.select(sa.func.count()).select_from(table).where(*clauses))
        count = int(total.scalar_one())
        found = conn.execute(
            sa.select(*columns).where(*clauses).order_by(*ordering).limit(limit).offset(offset)
        )
        return Page([dict(r._mapping) for r in found], count)


def select_all(
    store: RegisterStore,
    projection: Projection,
    table_name: str,
    *,
    as_of: AsOf = AsOf(),
    with_history: bool = False,
    scope: RowScope | None = None,
) -> list[dict[str, Any]]:
    """Every row of a table (current or as of), or its whole history: for exports and tests;
    only those of the loans ``scope`` reaches when it is given."""
    spec = projection.specs()[table_name]
    with store.reading() as conn:
        table = store.live_tables(conn, projection)[table_name]
        clauses = [] if with_history else visible(table, spec, as_of)
        if scope is not None:  # the loans in scope as they stood then (a report, rebuilt)
            clauses += scope_clauses(conn, store, projection, table_name, table, scope, as_of)
        names = list(spec.column_names)
        if with_history:
            names += VERSION_COLUMNS if spec.versioned else LOG_COLUMNS
        order = [table.c[c] for c in ((*spec.key, FROM, ON) if spec.versioned else (POS, SEQ))]
        found = conn.execute(
            sa.select(*[table.c[n] for n in names]).where(*clauses).order_by(*order)
        )
        return [dict(r._mapping) for r in found]
