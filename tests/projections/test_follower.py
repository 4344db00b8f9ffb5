"""The register machinery itself: versions and their ranges, a batch that fails (the database
timed out) leaving no trace, and a rebuild that swaps in while the live copy keeps following.

A small register over staff enrolments — one row per branch with a head count, and a log of
enrolments — is fed from the real application's log (SQLite and PostgreSQL).
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
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from domain.staff import Staff
from domain.values import Role
from projections.changes import Changes
from projections.follower import Follower
from projections.projection import Listing, Projection
from projections.query import AsOf, select_all
from projections.store import RegisterStore, register_store_beside
from projections.tables import FROM, TO, TableSpec, col

StaffEvents: Any = Staff

BRANCHES = TableSpec(
    "branches",
    [
        col("branch", sa.String(100), "机构", "branch", nullable=False),
        col("people", sa.Integer, "人数", "people"),
        col("last_staff_no", sa.String(32), "最近入职工号", "last staff no."),
    ],
    key=("branch",),
)
ENROLMENTS = TableSpec("enrolments", [col("staff_no", sa.String(32), "工号", "staff no.")])


class Headcount(Projection):
    name = "headcount"
    version = 1
    title_zh = "人数"
    title_en = "Headcount"
    tables = (BRANCHES, ENROLMENTS)
    listings: ClassVar[dict[str, Listing]] = {
        "branches": Listing("branches", ("branch",), "人数", "Headcount")
    }

    def __init__(self) -> None:
        self.fail_on: str | None = None

    @singledispatchmethod
    def handle(self, event: object, changes: Changes) -> None:
        """Other events change nothing."""

    @handle.register(StaffEvents.Enrolled)
    def _(self, event: Any, changes: Changes) -> None:
        row = changes.get("branches", event.branch) or {"people": 0}
        changes.put(
            "branches",
            (event.branch,),
            {"people": row["people"] + 1, "last_staff_no": event.staff_no},
        )
        # A second change by the same event makes no second version.
        changes.update("branches", (event.branch,), last_staff_no=event.staff_no.lower())
        changes.append("enrolments", {"staff_no": event.staff_no})
        if event.staff_no == self.fail_on:
            self.fail_on = None
            # The database timed out: nobody's event's fault, so the batch is retried.
            raise sa.exc.OperationalError(
                "SELECT", None, Exception("a handler failed half-way through a batch")
            )


def enrol(app: DossierArchive, staff_no: str, branch: str) -> int:
    app.execute(
        CommandContext(SYSTEM_ID),
        EnrolStaff(staff_no=staff_no, name=staff_no, branch=branch, roles=[Role.ACCOUNT_MANAGER]),
    )
    return app.recorder.max_notification_id() or 0


@pytest.fixture
def store(store_env: dict[str, str], tmp_path: Path) -> Iterator[RegisterStore]:
    with closing(register_store_beside(store_env, tmp_path)) as registers:
        yield registers


def _follower(app: DossierArchive, store: RegisterStore, register: Headcount) -> Follower:
    follower = Follower(store, app.recorder, app.mapper, [register])
    follower.prepare()
    return follower


def test_each_change_is_a_version_with_the_range_it_was_true(
    app: DossierArchive, store: RegisterStore
) -> None:
    register = Headcount()
    follower = _follower(app, store, register)
    first = enrol(app, "A1", "城东支行")
    follower.catch_up()
    second = enrol(app, "A2", "城东支行")
    third = enrol(app, "B1", "城西支行")
    follower.catch_up()

    history = select_all(store, register, "branches", with_history=True)
    east = [r for r in history if r["branch"] == "城东支行"]
    assert [(r["people"], r["last_staff_no"]) for r in east] == [(1, "a1"), (2, "a2")]
    # Enrolment saves several events; each version runs from its event to the next change.
    assert east[0][TO] == east[1][FROM]
    assert first >= east[0][FROM]
    assert east[1][TO] is None

    def people(position: int) -> dict[str, int]:
        rows = select_all(store, register, "branches", as_of=AsOf(position=position))
        return {r["branch"]: r["people"] for r in rows}

    assert people(first) == {"城东支行": 1}
    assert people(second) == {"城东支行": 2}
    assert people(third) == {"城东支行": 2, "城西支行": 1}
    assert people(0) == {}
    log = select_all(store, register, "enrolments", as_of=AsOf(position=second))
    assert [r["staff_no"] for r in log] == ["A1", "A2"]


def test_a_batch_that_fails_half_way_leaves_nothing_and_is_applied_once_on_retry(
    app: DossierArchive, store: RegisterStore
) -> None:
    register = Headcount()
    follower = _follower(app, store, register)
    enrol(app, "A1", "城东支行")
    follower.catch_up()
    before = select_all(store, register, "branches", with_history=True)
    position = store.positions()["headcount"]

    enrol(app, "A2", "城东支行")
    enrol(app, "A3", "城东支行")
    register.fail_on = "A3"
    with pytest.raises(sa.exc.OperationalError, match="half-way"):
        follower.catch_up()
    assert store.positions()["headcount"] == position
    assert select_all(store, register, "branches", with_history=True) == before

    follower.catch_up()
    rows = select_all(store, register, "branches")
    assert [(r["people"], r["last_staff_no"]) for r in rows] == [(3, "a3")]
    enrolled = [r["staff_no"] for r in select_all(store, register, "enrolments")]
    assert enrolled == ["A1", "A2", "A3"]


def test_a_rebuild_swaps_in_an_identical_copy_and_the_follower_carries_on(
    app: DossierArchive, store: RegisterStore
) -> None:
    register = Headcount()
    follower = _follower(app, store, register)
    for n in range(5):
        enrol(app, f"S{n}", "城东支行" if n % 2 else "城西支行")
    follower.catch_up()
    live = {t.name: select_all(store, register, t.name, with_history=True) for t in register.tables}
    with store.reading() as conn:
        generation = store.live(conn)["headcount"].generation

    follower.rebuild(["headcount"])

    with store.reading() as conn:
        assert store.live(conn)["headcount"].generation == generation + 1
        names = set(sa.inspect(conn).get_table_names(schema=store.schema))
    assert f"r_headcount_branches_{generation}" not in names, "the old copy is dropped"
    rebuilt = {
        t.name: select_all(store, register, t.name, with_history=True) for t in register.tables
    }
    assert rebuilt == live

    enrol(app, "S9", "城东支行")
    follower.catch_up()
    rows = {r["branch"]: r["people"] for r in select_all(store, register, "branches")}
    assert rows == {"城东支行": 3, "城西支行": 3}


def test_a_new_version_of_a_register_is_rebuilt_at_start(
    app: DossierArchive, store: RegisterStore
) -> None:
    _follower(app, store, Headcount()).catch_up()
    enrol(app, "A1", "城东支行")

    class HeadcountV2(Headcount):
        version = 2

    register = HeadcountV2()
    _follower(app, store, register)  # prepare() rebuilds the outdated register

    with store.reading() as conn:
        assert store.live(conn)["headcount"].version == 2
    assert store.positions()["headcount"] == app.recorder.max_notification_id()
    assert [r["people"] for r in select_all(store, register, "branches")] == [1]


def test_two_followers_taking_turns_neither_count_twice_nor_use_stale_rows(
    app: DossierArchive, store: RegisterStore
) -> None:
    first, second = Headcount(), Headcount()
    one, other = _follower(app, store, first), _follower(app, store, second)
    for n in range(6):
        enrol(app, f"T{n}", "城东支行")
        (one if n % 2 else other).catch_up()
    one.catch_up()

    rows = select_all(store, first, "branches")
    assert [(r["branch"], r["people"]) for r in rows] == [("城东支行", 6)]
    followed = select_all(store, first, "branches", with_history=True)
    one.rebuild(["headcount"])
    assert select_all(store, first, "branches", with_history=True) == followed


class Flaky(Headcount):
    """Its database times out on one enrolment, ``times`` batches in a row."""

    def __init__(self, staff_no: str, times: int) -> None:
        super().__init__()
        self.fail_on, self.times = staff_no, times

    def apply(self, topic: str, event: Any, changes: Changes) -> None:
        failing = self.fail_on
        try:
            super().apply(topic, event, changes)
        except sa.exc.OperationalError:
            self.times -= 1
            if self.times > 0:
                self.fail_on = failing
            raise


def test_the_following_thread_retries_a_failing_batch_and_logs_the_run_of_failures_once(
    app: DossierArchive, store: RegisterStore
) -> None:
    register = Flaky("A2", times=4)
    follower = Follower(store, app.recorder, app.mapper, [register], interval=0.01)
    follower.prepare()
    enrol(app, "A1", "城东支行")
    enrol(app, "A2", "城东支行")
    head = enrol(app, "A3", "城西支行")

    with capture_logs() as logs:
        follower.start()
        try:
            deadline = time.monotonic() + 30
            while store.positions()["headcount"] < head and time.monotonic() < deadline:
                time.sleep(0.01)
            state = follower.worker.state
        finally:
            follower.stop()

    assert store.positions()["headcount"] == head
    rows = {r["branch"]: r["people"] for r in select_all(store, register, "branches")}
    assert rows == {"城东支行": 2, "城西支行": 1}  # nothing counted twice, nothing skipped
    batches = [e for e in logs if e["event"].startswith("register batch")]
    assert [(e["log_level"], e["event"]) for e in batches] == [
        ("error", "register batch failed; retrying"),
        ("warning", "register batch recovered"),
    ]
    assert (batches[0]["attempt"], batches[1]["attempts"]) == (1, 4)
    assert state.failures == 4
    assert not follower.failing
    assert follower.last_error is not None
    assert follower.last_error.error_type == "sqlalchemy.exc.OperationalError"
    assert follower.last_error.register is None
