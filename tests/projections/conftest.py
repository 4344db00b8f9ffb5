"""Fixtures of the register tests: the registers' database beside each event store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from archive.application import DossierArchive
from domain.compliance import ComplianceReport, Scope
from domain.scope import RowScope
from projections.compliance import compliance_report
from projections.follower import Follower
from projections.projection import Projection
from projections.query import AsOf, select_all
from projections.registers import all_registers
from projections.store import RegisterStore, register_store_beside, sqlite_url


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


def report_of(
    registers: Registers,
    on: date,
    scope: Scope = Scope(),
    *,
    position: int | None = None,
    name_of: Callable[[UUID], str] = str,
) -> ComplianceReport:
    """The compliance report on ``on`` over every loan, from the registers at ``position``
    (by default, the log's head)."""
    head = registers.app.recorder.max_notification_id() or 0
    return compliance_report(
        registers.store,
        registers.register("completeness"),
        registers.register("work_queue"),
        data_scope=RowScope.everything(),
        on=on,
        position=head if position is None else position,
        scope=scope,
        name_of=name_of,
    )


@contextmanager
def caught_up(
    app: DossierArchive, folder: Path, *projections: Projection
) -> Iterator[RegisterStore]:
    """``projections`` alone, in a SQLite store of their own in ``folder``, caught up with
    the log."""
    folder.mkdir()
    store = RegisterStore(sqlite_url(folder))
    follower = Follower(store, app.recorder, app.mapper, list(projections))
    follower.prepare()
    try:
        follower.catch_up()
        yield store
    finally:
        follower.stop()
        store.close()


def follower_for(app: DossierArchive, store: RegisterStore) -> Follower:
    return Follower(
        store,
        app.recorder,
        app.mapper,
        all_registers(app.document_text, index_key=app.search_index_key),
    )


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
