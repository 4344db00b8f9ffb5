"""Every register, replayed from the log into a fresh copy, equals the live one row by row.

The live registers follow the demo portfolio (and one dossier destroyed after it, and a few
batches of the core system's feed) while it is being recorded — in whatever batches the follower happens to read — and are then compared,
history included, with copies rebuilt from position zero in large batches. Batch boundaries, caches and timing must not matter.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from archive.application import DossierArchive
from archive.core import CommandContext
from archive.feed.sample import sample_batches
from demo.portfolio import build_portfolio
from domain.feed import FeedLedger
from projections.changes import CACHE_LIMIT
from projections.registers import all_registers
from projections.registers.filing.search import held_table, postings_table
from tests.archive.test_disposition import (
    AFTER_RETENTION,
    approved_batch,
    execute,
    prepare,
    with_it_and_second_head,
)
from tests.factories import make_staff
from tests.projections.conftest import Registers


def destroy_one_dossier(app: DossierArchive) -> dict[str, CommandContext]:
    """No retention has ended in the demo's years: one more dossier is kept until it has, and
    destroyed, so that the destruction register has its entry. The people who did it."""
    people = with_it_and_second_head(app, make_staff(app))
    real = app.clock
    app.clock = lambda: AFTER_RETENTION
    try:
        prepare(app, people)
        execute(app, people, approved_batch(app, people))
    finally:
        app.clock = real
    return people


def postings(registers: Registers) -> list[list[tuple[Any, ...]]]:
    """The search index's postings (term hash, document number) and each document's packed
    hashes, in order."""
    docs = registers.register("document_search")
    with registers.store.reading() as conn:
        documents = registers.store.live_tables(conn, docs)["documents"]
        return [
            [tuple(r) for r in conn.execute(sa.select(table).order_by(*table.c))]
            for table in (postings_table(documents), held_table(documents))
        ]


def test_every_register_rebuilds_identical_to_the_live_copy(
    registers: Registers, tmp_path: Path
) -> None:
    registers.follower.batch_size = 37  # odd, small batches: boundaries fall everywhere
    registers.follower.cache_limit = 5  # rows forgotten and read back from the database
    registers.follower.interval = 0.01
    registers.follower.start()
    build_portfolio(registers.app, loans=12, advance=registers.follower.wake)
    people = destroy_one_dossier(registers.app)
    # The core system's batches, so that the register of batches has its rows.
    # The demo's own batches came first: these begin the day after its last.
    ledger = registers.app.repository.get(FeedLedger.create_id())
    assert isinstance(ledger, FeedLedger)
    assert ledger.last_business_date is not None
    batches = sample_batches(
        tmp_path / "feed",
        loans=4,
        days=3,
        start=ledger.last_business_date + timedelta(days=1),
        manager_no="account_manager",
    )
    registers.app.import_feed(people["integration"], batches)
    registers.app.wait_for_text_extraction()
    registers.follower.stop()
    registers.catch_up()
    head = registers.app.recorder.max_notification_id()
    names = [r.name for r in all_registers()]
    assert registers.store.positions() == dict.fromkeys(names, head)

    live = {name: registers.snapshot(name) for name in names}
    live_postings = postings(registers)
    assert all(live_postings), "the demo's documents are in the search index"
    assert all(any(rows for rows in tables.values()) for tables in live.values()), (
        "every register holds rows after the demo portfolio"
    )
    registers.follower.cache_limit = CACHE_LIMIT
    registers.follower.rebuild(names)
    rebuilt = {name: registers.snapshot(name) for name in names}
    assert postings(registers) == live_postings  # the blind index too
    # Again with a row cache of three rows: rows are forgotten and read back all the time.
    registers.follower.cache_limit = 3
    registers.follower.rebuild(names)
    squeezed = {name: registers.snapshot(name) for name in names}
    assert squeezed == rebuilt

    for name in names:
        for table, rows in live[name].items():
            assert rebuilt[name][table] == rows, f"{name}.{table} differs after rebuild"
    assert registers.store.positions() == dict.fromkeys(names, head)
