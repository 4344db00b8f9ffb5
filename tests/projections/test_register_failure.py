"""A register that cannot apply an event stops at it; the others go on following.

Two small registers over staff enrolments follow the real application's log (SQLite and
PostgreSQL): one of them cannot apply the enrolment of ``BAD`` — its handler raises, or the
row it makes cannot be written — and the other can. The one stops at the position before that
event, never skipping it, records and logs why, and refuses reads (at once, even a read that
would wait); the other reaches the head. A rebuild stops at the same event and equals the
live copy; once the cause is gone, the next start applies the event once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import closing
from functools import singledispatchmethod
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from structlog.testing import capture_logs

from archive.application import DossierArchive
from domain.staff import Staff
from projections.changes import Changes
from projections.errors import RegisterFailedError
from projections.follower import Follower
from projections.projection import Listing, Projection
from projections.query import select_all
from projections.service import RegisterService
from projections.store import RegisterStore, register_store_beside
from projections.tables import TableSpec, col
from tests.projections.test_follower import Headcount, enrol

StaffEvents: Any = Staff

PEOPLE = TableSpec(
    "people",
    [
        col("staff_no", sa.String(32), "工号", "staff no.", nullable=False),
        col("initial", sa.String(8), "首字母", "initial", nullable=False),
    ],
    key=("staff_no",),
)


class Fragile(Projection):
    """One row per person; it cannot take ``BAD``: its handler raises, or (``at_write``) it
    makes a row the database refuses (no initial, in a NOT NULL column)."""

    name = "fragile"
    version = 1
    title_zh = "人员"
    title_en = "People"
    tables = (PEOPLE,)
    listings: ClassVar[dict[str, Listing]] = {"people": Listing("people", ("staff_no",), "", "")}

    def __init__(self, *, at_write: bool = False) -> None:
        self.bad: str | None = "BAD"
        self.at_write = at_write

    @singledispatchmethod
    def handle(self, event: object, changes: Changes) -> None:
        """Other events change nothing."""

    @handle.register(StaffEvents.Enrolled)
    def _(self, event: Any, changes: Changes) -> None:
        bad = event.staff_no == self.bad
        if bad and not self.at_write:
            raise TypeError("'int' object is not iterable")
        initial = None if bad else event.staff_no[:1]
        changes.put("people", (event.staff_no,), {"initial": initial})


@pytest.fixture
def store(store_env: dict[str, str], tmp_path: Path) -> Iterator[RegisterStore]:
    with closing(register_store_beside(store_env, tmp_path)) as registers:
        yield registers


def people(store: RegisterStore, register: Fragile) -> list[str]:
    return [r["staff_no"] for r in select_all(store, register, "people")]


@pytest.mark.parametrize("at_write", [False, True], ids=["handler", "rows"])
def test_a_register_stops_at_the_event_it_cannot_apply_and_the_others_follow(
    app: DossierArchive, store: RegisterStore, at_write: bool
) -> None:
    fragile, healthy = Fragile(at_write=at_write), Headcount()
    follower = Follower(store, app.recorder, app.mapper, [fragile, healthy])
    follower.prepare()
    enrol(app, "A1", "城东支行")
    enrol(app, "A2", "城东支行")
    # Enrolment saves several events; the first of BAD's is the one the register cannot take.
    before_bad = app.recorder.max_notification_id() or 0
    enrol(app, "BAD", "城东支行")
    enrol(app, "C1", "城西支行")
    head = app.recorder.max_notification_id()

    with capture_logs() as logs:
        follower.catch_up()  # one batch: the failure is found inside it

    assert store.positions() == {"fragile": before_bad, "headcount": head}
    assert people(store, fragile) == ["A1", "A2"]
    failure = follower.failures()["fragile"]
    assert (failure.position, failure.event_type) == (before_bad + 1, "Staff.Enrolled")
    assert list(follower.failures()) == ["fragile"]
    stopped = [e for e in logs if e["event"] == "register stopped at an event it cannot apply"]
    assert [(e["log_level"], e["register"], e["position"]) for e in stopped] == [
        ("error", "fragile", before_bad + 1)
    ]
    assert stopped[0]["event_type"] == "Staff.Enrolled"

    # It never skips the event: more events, more batches, and it stays where it stopped.
    enrol(app, "C2", "城西支行")
    follower.catch_up()
    assert store.positions()["fragile"] == before_bad
    assert store.positions()["headcount"] == app.recorder.max_notification_id()

    # A rebuild stops at the same event: the rebuilt copy equals the live one.
    live = select_all(store, fragile, "people", with_history=True)
    follower.rebuild(["fragile", "headcount"])
    assert store.positions()["fragile"] == before_bad
    assert select_all(store, fragile, "people", with_history=True) == live
    assert follower.failures()["fragile"].position == before_bad + 1

    # The cause is fixed and the service restarted: the event is applied, once.
    fragile.bad = None
    follower.prepare()
    follower.catch_up()
    assert follower.failures() == {}
    assert store.positions()["fragile"] == app.recorder.max_notification_id()
    assert people(store, fragile) == ["A1", "A2", "BAD", "C1", "C2"]


def test_reads_of_a_stopped_register_are_refused_at_once_naming_the_event(
    app: DossierArchive, store: RegisterStore
) -> None:
    fragile, healthy = Fragile(), Headcount()
    follower = Follower(store, app.recorder, app.mapper, [fragile, healthy])
    follower.prepare()
    enrol(app, "BAD", "城东支行")
    head = app.recorder.max_notification_id() or 0
    follower.catch_up()
    service = RegisterService(store, [fragile, healthy])

    service.wait(["headcount"], head, 1)
    for awaited in (None, head - 1, head):
        started = time.monotonic()
        with pytest.raises(RegisterFailedError) as refused:
            service.wait(["fragile"], awaited, 30)
        assert time.monotonic() - started < 5  # not the 30 s allowed: nothing will come
        assert refused.value.code == "register_failed"
        context = refused.value.context
        assert context["register"] == "fragile"
        assert context["event_type"] == "Staff.Enrolled"
        assert context["position"] == context["stopped_at"] + 1
        assert "Staff.Enrolled" in refused.value.en
        assert "Staff.Enrolled" in refused.value.zh
    with pytest.raises(RegisterFailedError):
        service.applied(["headcount", "fragile"], 0)
    assert service.applied(["headcount"], head)
