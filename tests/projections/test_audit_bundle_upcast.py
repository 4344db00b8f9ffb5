"""Audit bundles issued before version 2 of their event still read back, and feed the registers.

Version 1 of ``AuditBundle.Issued`` stored the number of documents in the bag under
``documents`` — the name every other event gives the list of documents it cites — and the
accountability trail, reading it as such, stopped every register. Version 2 names the count
``document_count``; a version-1 event stays in the log byte for byte and reads back with its
count under the new name (SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from domain.integrity import AuditBundle
from domain.values import Actor, Role, staff_id_for
from tests.projections.conftest import Registers

TOPIC = "domain.integrity:AuditBundle.Issued"


def test_a_version_1_bundle_event_reads_back_and_every_register_applies_it(
    registers: Registers,
) -> None:
    app = registers.app
    bundle_id = uuid4()
    auditor = staff_id_for("AU001")
    state = app.mapper.transcoder.encode(
        {
            "timestamp": datetime(2025, 11, 3, 6, 0, tzinfo=UTC),
            "originator_topic": "domain.integrity:AuditBundle",
            "bundle_id": bundle_id,
            "loan_no": "JJ2024V1000001",
            "purpose": "年度审计",
            "tree_size": 120,
            "root_hash": "A" * 44,
            "key_id": "0123456789abcdef",
            "events": 40,
            "documents": 7,
            "tagmanifest_sha256": "0" * 64,
            "actor_id": auditor,
            "role": Role.AUDITOR,
        }
    )
    app.recorder.insert_events(
        [StoredEvent(originator_id=bundle_id, originator_version=1, topic=TOPIC, state=state)]
    )

    bundle = app.repository.get(bundle_id)
    assert isinstance(bundle, AuditBundle)
    assert (bundle.events, bundle.document_count) == (40, 7)
    assert not hasattr(bundle, "documents")

    registers.catch_up()
    head = app.recorder.max_notification_id()
    assert registers.follower.failures() == {}
    assert set(registers.store.positions().values()) == {head}
    (row,) = registers.rows("accountability_trail", "actions")
    assert (row["event"], row["aggregate"], row["actor_id"]) == ("Issued", "audit_bundle", auditor)
    assert (row["document_count"], row["documents"]) == (0, "")  # it cites no document
    # Upcasting happens on the way out: the stored record is as version 1 wrote it.
    (record,) = app.recorder.select_events(bundle_id)
    assert (record.topic, record.state) == (TOPIC, state)


def test_a_bundle_issued_now_is_stored_as_version_2_with_its_document_count(
    registers: Registers,
) -> None:
    app = registers.app
    issued = AuditBundle.issue(
        bundle_id=uuid4(),
        loan_no="JJ2024V1000001",
        purpose="年度审计",
        tree_size=120,
        root_hash="A" * 44,
        key_id="0123456789abcdef",
        events=40,
        document_count=7,
        tagmanifest_sha256="0" * 64,
        actor=Actor(staff_id_for("AU001"), Role.AUDITOR),
    )
    app.save(issued)

    (record,) = app.recorder.select_events(issued.id)
    stored = app.mapper.transcoder.decode(record.state)
    assert (stored["class_version"], stored["document_count"]) == (2, 7)
    assert "documents" not in stored
    registers.catch_up()
    assert registers.follower.failures() == {}
