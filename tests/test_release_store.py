"""A store written by an earlier release loads, rebuilds and verifies as it did then.

``tests/fixtures/release_store/`` holds the data directory of release b57aad6 — the demo
portfolio plus commands sending one event of every event class the domain defines, three
issued compliance reports and, last, an issued audit bundle — with the release's registers,
and a manifest and a dump of every register row that release wrote (``build.py`` made them,
with that release's code; ``manifest.json`` says what is in it). Today's code must:

- open it through ``api.composition`` and record nothing (same rules-in-force hash, so no
  ``Replaced``; same event count), decode every event and load every aggregate;
- rebuild every register of the release at open (each one's version was raised since), the
  document search showing the release's rows without their text (a blind index now), at the
  release's last position and after following it to the head; rebuild every register, from
  the same events, to the rows the release showed (less what was changed since, said for each
  register) — on SQLite and, with the events copied there, on PostgreSQL (the history's shape
  changed with business dates: what the rows say at each position is compared, not the system
  columns);
- rebuild each issued report to the SHA-256 recorded when it was issued;
- find the store intact (``dossier verify``): every leaf, checkpoint and document — and again
  once a checkpoint of today's format (a signed note) extends the release's.

The release's own follower could not apply its ``AuditBundle.Issued`` event (its trail read the
event's ``documents``, an int, as a list), so its registers stopped at the position before it;
this release upcasts that event (``document_count``) and follows it to the head.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import sqlite3
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.domain import CanMutateAggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic, resolve_topic
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.composition import (
    Integrity,
    Registers,
    build_archive,
    build_integrity,
    build_registers,
    key_store,
)
from api.settings import Settings
from archive.application import DossierArchive
from archive.rules import load_rules
from archive.transcodings import register_moved_topics
from domain.classification import STATUTORY
from domain.rules import RulesInForce, parse_adopted, shipped_rules
from domain.topics import MOVED, stored_topics
from projections.projection import Projection
from storage.blobs import InMemoryBlobStore
from storage.checkpoints import LEGACY_FORMAT, NOTE_FORMAT, Checkpoint
from storage.eventstore import event_store_env, sqlite_env
from storage.keystore import SQLiteKeyStore
from storage.witness import FileWitness
from tests.factories import settings_for
from tests.fixtures.release_store import dump
from tests.postgres import fresh_schema

FIXTURE = Path(__file__).parent / "fixtures" / "release_store"
MANIFEST: dict[str, Any] = json.loads((FIXTURE / "manifest.json").read_text("utf-8"))
HEAD: int = MANIFEST["event_count"]
KEPT_AT: int = MANIFEST["registers"]["position"]
"""Where the release's registers stopped: the position before its audit bundle's event."""
VERSIONS: dict[str, int] = MANIFEST["registers"]["versions"]
AUDITOR, COMPLIANCE = "0931", "0921"  # the demo's (demo/staff.py)


@pytest.fixture(scope="module")
def released() -> dump.Snapshot:
    """Every register row the release showed at :data:`KEPT_AT` (``dump.as_of``)."""
    snapshot = dump.read(FIXTURE / MANIFEST["registers"]["dump"])
    return {name: dump.as_of(tables, KEPT_AT) for name, tables in snapshot.items()}


def unpack(into: Path) -> Path:
    """A copy of the release's data directory, its SQLite files unzipped."""
    store = FIXTURE / "store"
    shutil.copytree(store, into, ignore=shutil.ignore_patterns("*.gz"))
    for packed in sorted(store.glob("*.sqlite.gz")):
        (into / packed.name.removesuffix(".gz")).write_bytes(gzip.decompress(packed.read_bytes()))
    for secret in ("master.key", "signing.key"):
        (into / secret).chmod(0o600)
    return into


def tokens(data_dir: Path) -> dict[str, str]:
    """The demo staff's bearer tokens, by staff number."""
    lines = (data_dir / "demo-credentials.txt").read_text("utf-8").splitlines()
    return {
        fields[0]: fields[3]
        for fields in (line.split("\t") for line in lines if not line.startswith("#"))
    }


def events_in(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        count: int = conn.execute("SELECT count(*) FROM stored_events").fetchone()[0]
    return count


SEARCH = "document_search"
"""The register whose rows say today what the release's said, but for the text: its version
was raised for business dates (业务日期, ``on=``), which leaves what its rows say as it was, and
for a blind index, which took the text out (``content``) and numbered each document and counted
its terms (``doc``, ``terms``). Every other register the release had gained columns since."""

BLIND_INDEX = {"content", "doc", "terms"}
"""Document search's columns the blind index took away or added."""


def without_text(tables: dict[str, dump.Rows]) -> dict[str, dump.Rows]:
    """Document search's rows (the release's or today's) without :data:`BLIND_INDEX`'s columns,
    copied (the release's rows are shared by the module's tests)."""
    return {
        name: [{k: v for k, v in row.items() if k not in BLIND_INDEX} for row in rows]
        for name, rows in tables.items()
    }


def rebuilt_every_register(registers: Registers) -> None:
    """Every register of the release was rebuilt when the store was opened: the live copy of
    each is of today's version (none kept its version since the release)."""
    projections = registers.follower.projections
    assert {name for name in VERSIONS if projections[name].version == VERSIONS[name]} == set()
    with registers.service.store.reading() as conn:
        live = registers.service.store.live(conn)
    assert {name: g.version for name, g in live.items()} == {
        name: p.version for name, p in projections.items()
    }


@dataclass
class Release:
    settings: Settings
    archive: DossierArchive
    registers: Registers
    integrity: Integrity


def test_every_topic_the_release_stored_resolves_to_a_class_defined_today() -> None:
    """Each of the release's 78 topics names a class today's code defines, and the registers
    dispatch on it: it is one of the topics that class's events are stored under."""
    register_moved_topics()
    topics = sorted(MANIFEST["topics"])
    assert len(topics) == MANIFEST["event_classes"]["count"]

    resolved = {topic: resolve_topic(topic) for topic in topics}

    unknown = [t for t, cls in resolved.items() if not issubclass(cls, CanMutateAggregate)]
    assert unknown == []
    undispatched = [t for t, cls in resolved.items() if t not in stored_topics(get_topic(cls))]
    assert undispatched == []
    moved = {t for t in topics if t.partition(":")[0] in MOVED}
    assert moved, "the release stored events of a module that has moved since"
    assert all(get_topic(resolved[t]) != t for t in moved)


@pytest.fixture
def release(tmp_path: Path) -> Iterator[Release]:
    """The release's store, opened as the service opens it (nothing followed or sealed yet)."""
    settings = settings_for(unpack(tmp_path / "store"))
    archive = build_archive(settings)
    try:
        registers = build_registers(settings, archive)
        try:
            integrity = build_integrity(settings, archive)
            try:
                yield Release(settings, archive, registers, integrity)
            finally:
                integrity.close()
        finally:
            registers.close()
    finally:
        archive.close()


def test_the_release_store_opens_decodes_and_loads_without_recording_anything(
    release: Release,
) -> None:
    recorder = release.archive.recorder
    assert recorder.max_notification_id() == HEAD
    topics: Counter[str] = Counter()
    last_version: dict[uuid.UUID, int] = {}
    start = 1
    while page := recorder.select_notifications(start=start, limit=200):
        for note in page:
            event = release.archive.mapper.to_domain_event(note)
            assert event.originator_version == note.originator_version
            topics[note.topic] += 1
            last_version[note.originator_id] = note.originator_version
        start = page[-1].id + 1
    assert dict(topics) == MANIFEST["topics"]
    assert len(topics) == MANIFEST["event_classes"]["count"]
    for aggregate_id, version in last_version.items():
        assert release.archive.repository.get(aggregate_id).version == version
    assert recorder.max_notification_id() == HEAD


def test_the_rules_in_force_keep_the_hash_the_release_recorded(release: Release) -> None:
    recorded = MANIFEST["rules_in_force"]
    in_force = release.archive.rules_in_force()
    assert in_force is not None
    assert in_force.rules_version == recorded["version"]
    assert in_force.adoptions == recorded["adoptions"]
    # Today's parser and canonical JSON hash the bank's file as the release did.
    rules, source = load_rules(release.settings.data_dir)
    assert source.endswith("rules.toml")
    assert Path(source).parent == release.settings.data_dir
    assert rules.version == recorded["version"]
    assert release.archive.adopt_rules(rules, source=source) is False
    assert release.archive.recorder.max_notification_id() == HEAD


def test_the_release_rule_sets_lack_the_keys_added_since_and_read_as_it_applied_them(
    release: Release,
) -> None:
    """Both rule sets the release adopted (its shipped file, then the bank's copy) predate the
    values moved from code into rules.toml: each still decodes to its recorded version and
    reads those values as the release applied them — which are today's shipped ones."""
    shipped = shipped_rules()
    recorded: Any = list(release.archive.events.get(RulesInForce.create_id()))
    assert [type(e).__name__ for e in recorded] == ["Adopted", "Replaced"]
    for event in recorded:
        rules = parse_adopted(event.rules)
        assert rules.version == event.version
        assert "classification" not in event.rules
        assert "default_days" not in event.rules["borrowing"]
        assert rules.sub_grades == shipped.sub_grades
        # The shipped lists gained the qualitative ratings (定性评级) since; the release's, which
        # lack the keys, keep the grades alone.
        assert rules.inspections == replace(
            shipped.inspections,
            high_ratings=frozenset({"AAA", "AA+", "AA", "AA-"}),
            a_ratings=frozenset({"A+", "A", "A-"}),
        )
        assert rules.special_warning_colours == shipped.special_warning_colours
        assert rules.borrowing == shipped.borrowing
        assert rules.task_owners == shipped.task_owners
        assert rules.reference == shipped.reference
        assert rules.type_defaults == shipped.type_defaults
        assert rules.repayment == shipped.repayment
        assert rules.floor_policy == STATUTORY
    in_force = release.archive.rule_set()
    assert in_force.version == MANIFEST["rules_in_force"]["version"]
    assert in_force.reminder_lead_days == 5  # the bank's own change, kept


def test_the_release_registers_are_rebuilt_at_open_and_search_shows_its_rows_without_text(
    release: Release, released: dump.Snapshot
) -> None:
    rebuilt_every_register(release.registers)
    positions = release.registers.service.positions()
    assert {name: positions[name] >= KEPT_AT for name in VERSIONS} == dict.fromkeys(VERSIONS, True)
    search = release.registers.follower.projections[SEARCH]
    live = dump.snapshot(release.registers.service.store, [search])
    shown = dump.as_of(live[SEARCH], KEPT_AT)
    assert "content" not in shown["documents"][0]
    assert without_text(shown) == without_text(released[SEARCH])


def test_the_registers_follow_the_release_store_to_its_head(
    release: Release, released: dump.Snapshot
) -> None:
    release.registers.follower.catch_up()
    positions = release.registers.service.positions()
    assert positions == dict.fromkeys(release.registers.follower.projections, HEAD)
    search = release.registers.follower.projections[SEARCH]
    live = dump.snapshot(release.registers.service.store, [search])
    assert without_text(dump.as_of(live[SEARCH], KEPT_AT)) == without_text(released[SEARCH])


def test_every_register_rebuilds_from_the_release_store_identical_to_the_live_copy(
    release: Release,
) -> None:
    follower = release.registers.follower
    follower.catch_up()
    every = list(follower.projections.values())
    live = dump.snapshot(release.registers.service.store, every)
    follower.rebuild(list(follower.projections))
    assert dump.snapshot(release.registers.service.store, every) == live
    assert release.registers.service.positions() == dict.fromkeys(follower.projections, HEAD)
    assert release.archive.recorder.max_notification_id() == HEAD


# ---------------------------------------------------------------- the events in a new store
@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    ids=["sqlite", "postgres"],
)
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """The release's documents, data keys and rules, with an empty event store and no
    registers: SQLite beside them, or a PostgreSQL schema of its own (keys copied there)."""
    data_dir = unpack(tmp_path / "new")
    for database in ("events.sqlite", "registers.sqlite", "integrity.sqlite"):
        (data_dir / database).unlink()
    if request.param == "sqlite":
        yield settings_for(data_dir)
        return
    url: str = request.getfixturevalue("postgres_url")
    with fresh_schema(url) as schema:
        settings = settings_for(data_dir, event_store=url, postgres_schema=schema)
        source, target = SQLiteKeyStore(data_dir / "keys.sqlite"), key_store(settings)
        try:
            for wrapped in source.all():
                target.add(wrapped)
        finally:
            source.close()
            target.close()
        yield settings


def copy_events(source: Path, settings: Settings, through: int) -> None:
    """The release's events up to ``through``, in order, into the (empty) store of
    ``settings``: they take the same positions there."""
    reader = DossierArchive(sqlite_env(source), blobs=InMemoryBlobStore())
    env = event_store_env(settings.event_store, settings.data_dir, settings.postgres_schema)
    writer = DossierArchive(env, blobs=InMemoryBlobStore())
    try:
        notes = reader.recorder.select_notifications(start=1, limit=through)
        writer.recorder.insert_events(
            [StoredEvent(n.originator_id, n.originator_version, n.topic, n.state) for n in notes]
        )
        assert writer.recorder.max_notification_id() == through
        copied = writer.recorder.select_notifications(start=1, limit=through)
        assert [(n.id, n.topic) for n in copied] == [(n.id, n.topic) for n in notes]
    finally:
        writer.close()
        reader.close()


@pytest.mark.parametrize("through", [KEPT_AT, HEAD], ids=["before-bundle", "head"])
def test_registers_rebuilt_from_the_release_events_are_those_it_wrote(
    new_store: Settings, through: int, released: dump.Snapshot, tmp_path: Path
) -> None:
    source = unpack(tmp_path / "release") / "events.sqlite"
    copy_events(source, new_store, through)
    archive = build_archive(new_store)
    try:
        assert archive.recorder.max_notification_id() == through  # the rules were not re-adopted
        registers = build_registers(new_store, archive)
        try:
            registers.follower.catch_up()
            positions = registers.service.positions()
            assert positions == dict.fromkeys(registers.follower.projections, through)
            search = registers.follower.projections[SEARCH]
            rebuilt = dump.snapshot(registers.service.store, [search])
            assert without_text(dump.as_of(rebuilt[SEARCH], KEPT_AT)) == without_text(
                released[SEARCH]
            )
        finally:
            registers.close()
        # The reports, from the registers rebuilt here, are the files the release handed out.
        with TestClient(create_app(new_store, archive)) as client:
            check_reports(client, new_store.data_dir)
        assert archive.recorder.max_notification_id() == through
    finally:
        archive.close()


RULES_FOLLOWING = ("loan_ledger", "warning_ledger")
"""Registers whose version was raised only so they keep the rules in force (a table more)."""


def rebuilt_at_release(
    new_store: Settings, tmp_path: Path, names: Sequence[str]
) -> tuple[list[Projection], dict[str, dict[str, dump.Rows]]]:
    """The named registers, built today from the release's events up to :data:`KEPT_AT`,
    and what each shows there (``dump.as_of``)."""
    source = unpack(tmp_path / "release") / "events.sqlite"
    copy_events(source, new_store, KEPT_AT)
    archive = build_archive(new_store)
    try:
        registers = build_registers(new_store, archive)
        try:
            registers.follower.catch_up()
            chosen = [registers.follower.projections[name] for name in names]
            snapshot = dump.snapshot(registers.service.store, chosen)
        finally:
            registers.close()
    finally:
        archive.close()
    return chosen, {p.name: dump.as_of(snapshot[p.name], KEPT_AT) for p in chosen}


def test_registers_raised_to_follow_the_rules_rebuild_every_row_the_release_wrote(
    new_store: Settings, released: dump.Snapshot, tmp_path: Path
) -> None:
    """The loan ledger and the warning ledger now judge with the rules in force (a
    ``rules_in_force`` table more, so a new version): from the release's events, every table
    the release had comes out row for row as it wrote it."""
    raised, rebuilt = rebuilt_at_release(new_store, tmp_path, RULES_FOLLOWING)
    assert all(p.version != VERSIONS[p.name] for p in raised)
    for projection in raised:
        tables = rebuilt[projection.name]
        assert set(tables) == {*released[projection.name], "rules_in_force"}
        added_since = ADDED_SINCE.get(projection.name, {})
        judged = JUDGED_SINCE.get(projection.name, {})
        old = {
            name: [
                {
                    k: v
                    for k, v in row.items()
                    if k not in added_since.get(name, ()) and k not in judged.get(name, ())
                }
                for row in tables[name]
            ]
            for name in released[projection.name]
        }
        assert old == released[projection.name], projection.name
        for name in judged:
            for row in tables.get(name, []):
                if projection.name == "warning_ledger":
                    # Raised before the closed loop: two steps, and no catalogue nor route;
                    # before emergency plans: none required, no progress.
                    assert row["closed_loop"] is False, (projection.name, name)
                    assert row["plan_required"] is False, (projection.name, name)
                    assert row["plan_progress_count"] == 0, (projection.name, name)
                else:
                    assert isinstance(row["b_post_required"], bool), (projection.name, name)
        for name, added in added_since.items():
            # The release's inspections answered no checklist: the new columns stay empty.
            for row in tables.get(name, []):
                assert {row[k] for k in added} == {None}, (projection.name, name)


ADDED_SINCE = {
    "loan_ledger": {
        "loans": (
            "last_checklist_on",
            "last_judgment",
            "last_abnormal",
            "previous_rating",
            "rating_changed_on",
            "rating_due_on",
            "information_changed_on",
            "funds_used",
            "funds_misused",
            "industry",
            "lead_unit",
        )
    },
    "warning_ledger": {
        "signals": (
            "signal_name",
            "category",
            "report_to",
            "report_due",
            "reported_on",
            "reported_by",
            "feedback_on",
            "feedback_by",
            "result",
            "determined_on",
            "determined_by",
            "confirmed",
            "opinion",
            "plan_start_due",
            "plan_started_on",
            "plan_started_late",
            "plan_started_by",
            "plan_owner",
            "plan_measures",
            "plan_due",
            "plan_progress_on",
            "plan_progress",
        )
    },
}
"""Columns a register gained after the release: the loan ledger's last checklist inspection,
its change of rating and information, the use of its funds, the borrower's industry; the
warning ledger's catalogue name, report, feedback and determination (预警闭环), and the
emergency plan a red signal starts (应急预案)."""

JUDGED_SINCE = {
    "loan_ledger": {
        "loans": (
            "b_manager_id",
            "b_manager",
            "b_post_required",
            "key_customer",
            "watch_list",
            "large_customer",
            "third_party_servicer",
            "maturity_notice_on",
            "repayments_on_time",
            "repayments_late",
        )
    },
    "warning_ledger": {"signals": ("closed_loop", "plan_required", "plan_progress_count")},
}
"""Columns a register gained after the release that it fills from the release's own events: the
loan ledger's B岗 and whether the rules require one (true or false for every loan), and its
closer watch (key customer, watch list, large customer: false for every loan until listed or as
the rules judge the principal; no servicer, no notice), and its count of repayments made on
time and while overdue; whether a signal follows the closed loop and requires an emergency
plan (false for every signal the release raised, with no progress recorded)."""


def test_the_circulation_register_raised_to_name_documents_rebuilds_the_rows_the_release_wrote(
    new_store: Settings, released: dump.Snapshot, tmp_path: Path
) -> None:
    """The circulation register names a document short on return by its title (a
    ``documents`` table more, so a new version): from the release's events every row the
    release wrote comes out again, the page shortfall it noted by a hash now by the title."""
    (circulation,), tables = rebuilt_at_release(new_store, tmp_path, ["circulation_register"])
    assert circulation.version != VERSIONS[circulation.name]
    rebuilt = tables[circulation.name]
    old = released[circulation.name]
    assert set(rebuilt) == {*old, "documents"}
    assert rebuilt["dossiers"] == old["dossiers"]
    assert len(rebuilt["borrowings"]) == len(old["borrowings"])
    short = 0
    for then, now in zip(old["borrowings"], rebuilt["borrowings"], strict=True):
        detail, was = now["mismatch_detail"], then["mismatch_detail"]
        assert {k: v for k, v in now.items() if k != "mismatch_detail"} == {
            k: v for k, v in then.items() if k != "mismatch_detail"
        }
        if was is not None:
            short += 1
            assert re.fullmatch(r"[0-9a-f]{12}: 借出\d+页，归还\d+页", was)
            title, _, counts = detail.partition("：")
            assert counts == was.partition(": ")[2]
            assert title in {d["title"] for d in rebuilt["documents"]}
            assert not re.fullmatch(r"[0-9a-f]{12}", title)
    assert short >= 1


def test_document_search_raised_to_a_blind_index_rebuilds_the_rows_the_release_wrote(
    new_store: Settings, released: dump.Snapshot, tmp_path: Path
) -> None:
    """Document search keeps no text (its ``content`` column gone, a blind index of hashed
    terms instead, so a new version): from the release's events every row the release wrote
    comes out again without the text, each document the release held text for now numbered
    (``doc``) with its terms counted."""
    (docs,), tables = rebuilt_at_release(new_store, tmp_path, [SEARCH])
    assert docs.version != VERSIONS[docs.name]
    rebuilt = tables[docs.name]
    old = released[docs.name]
    assert set(rebuilt) == set(old)
    assert rebuilt["dossiers"] == old["dossiers"]
    assert len(rebuilt["documents"]) == len(old["documents"]) > 0
    assert without_text(rebuilt) == without_text(old)
    with_text = 0
    for then, now in zip(old["documents"], rebuilt["documents"], strict=True):
        text, doc, terms = then["content"], now["doc"], now["terms"]
        assert "content" not in now
        assert doc is not None
        if text:
            with_text += 1
            assert terms > 0
        else:
            assert terms == 0
    assert with_text >= 1


def test_the_destruction_register_raised_to_number_batches_rebuilds_the_rows_the_release_wrote(
    new_store: Settings, released: dump.Snapshot, tmp_path: Path
) -> None:
    """The destruction register holds each batch's number in its year's series (a
    ``batch_no`` column more, so a new version): from the release's events every row the
    release wrote comes out again, its batches without a number (they were proposed unnumbered)."""
    (destruction,), tables = rebuilt_at_release(new_store, tmp_path, ["destruction_register"])
    assert destruction.version != VERSIONS[destruction.name]
    rebuilt = tables[destruction.name]
    old = released[destruction.name]
    assert set(rebuilt) == set(old)
    rows = 0
    for table in old:
        assert len(rebuilt[table]) == len(old[table]), table
        for then, now in zip(old[table], rebuilt[table], strict=True):
            assert now.pop("batch_no") is None
            assert now == then
            rows += 1
    assert rows >= 2


def test_the_archive_catalogue_raised_to_number_transfers_rebuilds_the_rows_the_release_wrote(
    new_store: Settings, released: dump.Snapshot, tmp_path: Path
) -> None:
    """The archive catalogue holds each transfer list's number in its year's series (a
    ``transfer_no`` column more, so a new version): from the release's events every row the
    release wrote comes out again, its transfers without a number (listed unnumbered)."""
    (catalogue,), tables = rebuilt_at_release(new_store, tmp_path, ["archive_catalogue"])
    assert catalogue.version != VERSIONS[catalogue.name]
    rebuilt = tables[catalogue.name]
    old = released[catalogue.name]
    assert set(rebuilt) == set(old)
    transfers = 0
    for table in old:
        assert len(rebuilt[table]) == len(old[table]), table
        for then, now in zip(old[table], rebuilt[table], strict=True):
            if table == "transfers":
                assert now.pop("transfer_no") is None
                transfers += 1
            assert now == then
    assert transfers >= 1


# ----------------------------------------------------------------------- reports, integrity
def check_reports(client: TestClient, data_dir: Path) -> None:
    """Each report the release issued, built again over HTTP as of the position it was read
    at, has the SHA-256 recorded when it was issued: drawn again from its record (the release
    recorded no renderer, so renderer 1 draws it), and asked for with ``renderer=1``."""
    reader = {"Authorization": f"Bearer {tokens(data_dir)[COMPLIANCE]}"}
    assert len(MANIFEST["reports"]) >= 2
    for issued in MANIFEST["reports"]:
        answer = client.get(
            f"/api/v1/reports/compliance/issued/{issued['report_id']}", headers=reader
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["X-Dossier-Read-Position"] == str(issued["as_of_position"])
        assert answer.headers["X-Dossier-Rules-Version"] == issued["rules_version"]
        assert answer.headers["X-Dossier-Report-Renderer"] == "1"
        assert answer.headers["X-Dossier-Report-SHA256"] == issued["sha256"]
        assert answer.headers["X-Dossier-Report-Rebuilt-SHA256"] == issued["sha256"]
        assert hashlib.sha256(answer.content).hexdigest() == issued["sha256"], issued

        params = {
            "on": issued["on"],
            "as_of_position": issued["as_of_position"],
            "format": issued["format"],
            "renderer": 1,
            **({"branch": issued["branch"]} if issued["branch"] else {}),
            **({"product": issued["product"]} if issued["product"] else {}),
        }
        again = client.get("/api/v1/reports/compliance", params=params, headers=reader)
        assert again.status_code == 200, again.text
        assert again.headers["X-Dossier-Read-Position"] == str(issued["as_of_position"])
        assert hashlib.sha256(again.content).hexdigest() == issued["sha256"], issued
        # Today's renderer states the bank's time zone: another file, which is why the
        # renderer is recorded with every report issued now.
        today = client.get(
            "/api/v1/reports/compliance", params={**params, "renderer": 2}, headers=reader
        )
        assert today.status_code == 200, today.text
        assert hashlib.sha256(today.content).hexdigest() != issued["sha256"]


def test_reports_the_release_issued_rebuild_to_their_recorded_sha256(tmp_path: Path) -> None:
    data_dir = unpack(tmp_path / "store")
    with TestClient(create_app(settings_for(data_dir))) as client:
        check_reports(client, data_dir)
    assert events_in(data_dir / "events.sqlite") == HEAD


def test_dossier_verify_finds_the_release_store_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = unpack(tmp_path / "store")
    for name in [n for n in os.environ if n.startswith("DOSSIER_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DOSSIER_DATA_DIR", str(data_dir))
    result = CliRunner().invoke(
        cli, ["verify", "--json", "--token", tokens(data_dir)[AUDITOR]], env={"COLUMNS": "240"}
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["intact"] is True
    assert report["discrepancy_count"] == 0
    assert report["tree_size"] == HEAD  # the release sealed its whole log
    assert report["events_checked"] == HEAD
    assert report["unsealed_tail"] is None
    assert report["documents_checked"] > 0
    assert report["documents_destroyed"] > 0  # the destroyed dossier's, skipped as recorded
    # The run itself is recorded, as every run of ``dossier verify`` is: one event more.
    assert events_in(data_dir / "events.sqlite") == HEAD + 1

    # Sealed now, that event goes into a checkpoint of today's format, a signed note, which
    # extends the release's checkpoints; the store, of both formats, is still intact.
    release_lines = (data_dir / "checkpoints.jsonl").read_text("utf-8").splitlines()
    assert len(release_lines) == 4
    assert all('"note"' not in line for line in release_lines)
    sealed = CliRunner().invoke(cli, ["seal", "--json"])
    assert sealed.exit_code == 0, sealed.output
    note = Checkpoint.from_json_text(sealed.stdout)
    assert (note.format, note.tree_size) == (NOTE_FORMAT, HEAD + 1)
    witnessed = FileWitness(data_dir / "checkpoints.jsonl").read()
    assert [c.format for c in witnessed] == [LEGACY_FORMAT] * len(release_lines) + [NOTE_FORMAT]
    again = CliRunner().invoke(
        cli, ["verify", "--json", "--token", tokens(data_dir)[AUDITOR]], env={"COLUMNS": "240"}
    )
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert (report["intact"], report["discrepancy_count"]) == (True, 0)
    assert report["tree_size"] == HEAD + 1
    assert report["anchor"] == "local key"  # development, no trusted key configured

    # The release's key configured as the bank's published key: still intact, anchored to it.
    printed = CliRunner().invoke(cli, ["signing-key", "public", "--vkey"])
    assert printed.exit_code == 0, printed.output
    monkeypatch.setenv("DOSSIER_TRUSTED_KEYS", printed.stdout.strip().splitlines()[-1])
    anchored = CliRunner().invoke(
        cli, ["verify", "--json", "--token", tokens(data_dir)[AUDITOR]], env={"COLUMNS": "240"}
    )
    assert anchored.exit_code == 0, anchored.output
    report = json.loads(anchored.stdout)
    assert (report["intact"], report["anchor"]) == (True, "configured keys")
