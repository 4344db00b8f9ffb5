"""tests/parked_registers.py: a test's register tables come from the previous test's, emptied,
shaped as production creates them; tables a test changed are never handed on."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from projections.projection import Projection
from projections.registers import all_registers
from projections.store import RegisterStore, register_store_beside
from storage.eventstore import postgres_env
from tests.parked_registers import PARKING, SHAPE, _key
from tests.postgres import fresh_schema

pytestmark = pytest.mark.postgres


def _register() -> Projection:
    return next(p for p in all_registers() if p.name == "staff_directory")


def _parked(projection: Projection) -> int:
    return len(PARKING.parked.get(_key(projection, 1), []))


def _shape(store: RegisterStore, schema: str, table: sa.Table) -> Any:
    with store.reading() as conn:
        return conn.exec_driver_sql(SHAPE, {"schema": schema, "names": [table.name]}).all()[0][1:]


def _a_row(table: sa.Table) -> dict[str, Any]:
    """A value for every column, by its type."""
    values: dict[str, Any] = {}
    for column in table.columns:
        python = column.type.python_type
        values[column.name] = {
            str: "x",
            int: 1,
            bool: True,
            uuid.UUID: uuid.uuid4(),
            date: date(2025, 1, 1),
            datetime: datetime(2025, 1, 1, tzinfo=UTC).replace(tzinfo=None),
        }.get(python, 1)
    return values


def test_register_tables_are_handed_on_emptied_and_shaped_as_production_made_them(
    postgres_url: str, tmp_path: Path
) -> None:
    projection = _register()
    with fresh_schema(postgres_url) as first:
        store = register_store_beside(postgres_env(postgres_url, schema=first), tmp_path)
        try:
            store.ensure([projection])
            tables = store.tables(projection, 1)
            made = {name: _shape(store, first, t) for name, t in tables.items()}
            with store.transaction() as conn:
                for table in tables.values():
                    conn.execute(table.insert().values(**_a_row(table)))
        finally:
            store.close()
        parked = _parked(projection)
    assert _parked(projection) == parked + 1, "the first test's tables are parked"

    with fresh_schema(postgres_url) as second:
        store = register_store_beside(postgres_env(postgres_url, schema=second), tmp_path)
        try:
            store.ensure([projection])
            assert _parked(projection) == parked, "the second test's come from the parking"
            tables = store.tables(projection, 1)
            assert {name: _shape(store, second, t) for name, t in tables.items()} == made
            with store.reading() as conn:
                for table in tables.values():
                    assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0
            # A test that changes a table's shape keeps it to itself: it is dropped, not parked.
            with store.transaction() as conn:
                name = next(iter(tables.values())).name
                conn.exec_driver_sql(f'ALTER TABLE "{second}"."{name}" ADD COLUMN extra integer')
        finally:
            store.close()
    assert _parked(projection) == parked
