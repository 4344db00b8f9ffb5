"""What every register is: a name, a version, tables, and one handler per event type.

A register subclasses :class:`Projection`, declares its :class:`TableSpec` objects and
registers one handler per event class on :meth:`Projection.handle` (a
``functools.singledispatchmethod``). The follower only decodes the events some register
handles, found from those registrations.

Raising ``version`` when a register's tables or handlers change makes the next start rebuild
it from position zero: schema changes are rebuilds, never hand-written migrations.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import singledispatchmethod
from typing import Any, ClassVar

import sqlalchemy as sa

from domain.authorization import Action, register_read
from domain.topics import class_topics
from projections.changes import Changes
from projections.tables import TableSpec


@dataclass(frozen=True)
class Listing:
    """How a register is listed over the API: the table, its filters and default order."""

    table: str
    order_by: tuple[str, ...]
    title_zh: str
    title_en: str


class Projection:
    """A read model fed from the log; subclasses register handlers on ``handle``."""

    name: ClassVar[str]
    version: ClassVar[int]
    title_zh: ClassVar[str]
    title_en: ClassVar[str]
    tables: ClassVar[Sequence[TableSpec]]
    # Listings exposed over the API; the first is the register's main listing.
    listings: ClassVar[Mapping[str, Listing]] = {}
    # A register that follows every event of every aggregate (the accountability trail).
    all_events: ClassVar[bool] = False

    @property
    def read_action(self) -> Action:
        """What a reader must be allowed to do to read it: its line of REGISTER_READS."""
        return register_read(self.name)

    # Each register defines its own ``handle`` as a ``functools.singledispatchmethod`` with one
    # registered handler per event class (``handle = handlers()``); unregistered events fall
    # through to the default.
    @singledispatchmethod
    def handle(self, event: object, changes: Changes) -> None:
        """Events a register has no handler for change nothing."""

    def _table(self) -> dict[str, Any]:
        """Topic → handler, for every class an event of a registered type is stored as.

        An aggregate built as a chain of classes stores an event under the class that declared
        it (``LoanCore.RepaymentRecorded``) while code names it on the final class
        (``Loan.RepaymentRecorded``); both, and every same-named class between, map to the
        handler registered for it — under its topic today and every topic it was stored under
        before its module moved or its class was split (:func:`domain.topics.class_topics`).
        """
        cls = type(self)
        cached: dict[str, Any] | None = cls.__dict__.get("_dispatch_table")
        if cached is None:
            registry = inspect.getattr_static(cls, "handle").dispatcher.registry
            cached = {}
            for registered, function in registry.items():
                if registered is object:
                    continue
                for topic in class_topics(registered):
                    cached[topic] = function
            cls._dispatch_table = cached  # type: ignore[attr-defined]
        return cached

    def apply(self, topic: str, event: Any, changes: Changes) -> None:
        """Apply one event: its registered handler, or ``handle`` for an all-events register."""
        function = self._table().get(topic)
        if function is not None:
            function(self, event, changes)
        elif self.all_events:
            self.handle(event, changes)

    def handled_topics(self) -> frozenset[str] | None:
        """The topics of the events this register handles; None means every event."""
        if self.all_events:
            return None
        return frozenset(self._table())

    def specs(self) -> dict[str, TableSpec]:
        return {spec.name: spec for spec in self.tables}

    def bind(self, metadata: sa.MetaData, generation: int) -> dict[str, sa.Table]:
        return {spec.name: spec.bind(metadata, self.name, generation) for spec in self.tables}

    def on_created(self, conn: sa.Connection, tables: Mapping[str, sa.Table]) -> None:
        """Extra objects for a new generation (e.g. a full-text index); none by default."""

    def on_dropped(self, conn: sa.Connection, tables: Mapping[str, sa.Table]) -> None:
        """Drop what ``on_created`` made beside ``tables`` (a generation's, about to be
        dropped); nothing by default."""

    def extra_tables(self, tables: Mapping[str, sa.Table]) -> list[sa.Table]:
        """The tables ``on_created`` made beside ``tables``; none by default."""
        return []

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "listings": sorted(self.listings),
        }


def handlers() -> singledispatchmethod[None]:
    """A register's own ``handle``, empty: events it has no handler for change nothing.

    The register adds one handler per event class with ``@handle.register(EventClass)``; a new
    dispatcher at each call, so no register sees another's handlers.
    """

    def handle(self: Projection, event: object, changes: Changes) -> None:
        """Events this register does not follow change nothing."""

    return singledispatchmethod(handle)
