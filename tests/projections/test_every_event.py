"""Every register takes one event of every class the domain defines, live and rebuilt.

An event class whose attributes a register misreads stops that register; here every class is
recorded (by the factories of ``every_event``, each making its events with the domain's own
commands) while the follower follows in small batches, and then every register is rebuilt
from position zero: every register reaches the head, none stops, and each rebuilt copy equals
the live one row by row, history included (SQLite and PostgreSQL).
"""

from __future__ import annotations

from typing import Any

from archive.application import DossierArchive
from tests.projections.conftest import Registers
from tests.projections.every_event import FACTORIES, World, event_classes


def test_every_event_class_has_a_factory_and_every_factory_a_class() -> None:
    classes = event_classes()

    assert sorted(set(classes) - set(FACTORIES)) == [], "event classes without a factory"
    assert sorted(set(FACTORIES) - set(classes)) == [], "factories of no event class"


def record_every_event(app: DossierArchive, after_each: Any) -> dict[str, list[int]]:
    """Run every factory in turn, saving what it made; the positions of each class's events."""
    classes = event_classes()
    world = World()
    positions: dict[str, list[int]] = {}
    for topic, factory in FACTORIES.items():
        before = app.recorder.max_notification_id() or 0
        app.save(*factory(world))
        notes = app.recorder.select_notifications(start=before + 1, limit=1_000)
        for note in notes:
            event = app.mapper.to_domain_event(note)
            for known, cls in classes.items():
                if isinstance(event, cls):
                    positions.setdefault(known, []).append(note.id)
        after_each()
        assert topic in positions, f"the factory of {topic} made none of its events"
    return positions


def test_every_register_applies_every_event_and_rebuilds_identical(registers: Registers) -> None:
    follower = registers.follower
    follower.batch_size = 3  # small batches: their boundaries fall everywhere
    follower.cache_limit = 4  # rows forgotten and read back from the database

    positions = record_every_event(registers.app, follower.catch_up)

    assert set(positions) == set(event_classes())
    head = registers.app.recorder.max_notification_id()
    names = list(follower.projections)
    assert follower.failures() == {}
    assert registers.store.positions() == dict.fromkeys(names, head)
    live = {name: registers.snapshot(name) for name in names}

    follower.rebuild(names)

    assert follower.failures() == {}
    assert registers.store.positions() == dict.fromkeys(names, head)
    for name in names:
        assert registers.snapshot(name) == live[name], f"{name} differs after the rebuild"
