"""Fixtures of the register tests: the registers' database beside each event store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from archive.application import DossierArchive
from projections.follower import Follower
from projections.projection import Projection
from projections.query import AsOf, select_all
from projections.registers import all_registers
from projections.store import RegisterStore, register_store_beside


@dataclass
class Registers:
    """The application, its registers' store and a follower feeding every register."""

    app: DossierArchive
    store: RegisterStore
    follower: Follower

    def catch_up(self) -> int:
        return self.follower.catch_up()

    def register(self, name: str) -> Projection:
        return self.follower.projections[name]

    def rows(self, name: str, table: str, **kw: Any) -> list[dict[str, Any]]:
        """Rows of a register table: current, ``as_of=AsOf(...)``, or ``with_history=True``."""
        return select_all(self.store, self.register(name), table, **kw)

    def as_of(self, name: str, table: str, **point: Any) -> list[dict[str, Any]]:
        return self.rows(name, table, as_of=AsOf(**point))

    def snapshot(self, name: str) -> dict[str, list[dict[str, Any]]]:
        """Every table of a register with its whole history, for row-by-row comparison."""
        return {
            spec.name: self.rows(name, spec.name, with_history=True)
            for spec in self.register(name).tables
        }


def follower_for(app: DossierArchive, store: RegisterStore) -> Follower:
    return Follower(store, app.recorder, app.mapper, all_registers(app.document_text))


@pytest.fixture
def registers(
    app: DossierArchive, store_env: dict[str, str], tmp_path: Path
) -> Iterator[Registers]:
    """Every register, on the backend of ``app`` (SQLite and PostgreSQL), created and empty."""
    store = register_store_beside(store_env, tmp_path)
    follower = follower_for(app, store)
    follower.prepare()
    try:
        yield Registers(app, store, follower)
    finally:
        follower.stop()
        store.close()
