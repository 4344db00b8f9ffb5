"""Destruction batches (销毁批次) through the application, on SQLite and PostgreSQL.

A loan is disbursed with a contract carrying a marker phrase, settled, transferred, catalogued,
appraised "destroy" once retention has run out (a controlled clock), and destroyed by a batch
proposed by the archive head, approved by the branch head and by compliance, executed by an
archivist before two supervisors and IT. Afterwards the data key and every blob are gone, no
byte of the data directory holds the marker, search finds nothing, reads answer "destroyed",
and a rebuild of every register still shows the destruction and brings no text back. Each
refusal has its own error and leaves events, blobs and data keys as they were; an execution
killed after each step and re-run ends as an uninterrupted one.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from archive.application import DossierArchive
from archive.commands.disposition import (
    ApproveDestruction,
    ComplianceApproveDestruction,
    ExecuteDestruction,
    ProposeDestruction,
)
from archive.commands.integrity import CheckFixity
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from domain.errors import (
    DestructionDutyDoubledError,
    DestructionHoldOpenError,
    DestructionLoanNotSettledError,
    DestructionNotAppraisedError,
    DestructionNotApprovedError,
    DestructionOnLoanError,
    DestructionRetentionNotEndedError,
    DestructionSupervisorsError,
    DocumentDestroyedError,
    RoleNotPermittedError,
)
from domain.scope import RowScope
from domain.values import (
    AppraisalOpinion,
    FixityStatus,
    HoldKind,
    ReadPurpose,
    Role,
    TransferKind,
)
from projections.registers import all_registers
from projections.registers.filing.search import search
from projections.store import register_store_beside
from storage.envelope import EncryptingBlobStore
from tests import steps
from tests.archive.test_custody import ITEMS, settle
from tests.factories import make_disbursement, make_pdf, make_upload
from tests.projections.conftest import follower_for

LOAN_NO = "JJ2025011000071"
MARKER = "ZQXDESTROYMARKER7731"
AFTER_RETENTION = datetime(2056, 3, 1, 9, 0, tzinfo=UTC)  # D30 from 2026: ends 2055-12-31


def counts(app: DossierArchive) -> tuple[int, int, int]:
    blobs = app.blobs
    keys = blobs.envelope.keys.count() if isinstance(blobs, EncryptingBlobStore) else 0
    return app.recorder.max_notification_id() or 0, blobs.count(), keys


def stored(app: DossierArchive) -> list[str]:
    """Every key in the blob store (the store is not iterable itself)."""
    return list(app.blobs.keys())


@contextmanager
def changes_nothing(app: DossierArchive) -> Iterator[None]:
    before = counts(app)
    yield
    assert counts(app) == before


@pytest.fixture
def people(app: DossierArchive, staff: dict[str, CommandContext]) -> dict[str, CommandContext]:
    """make_staff's people plus an IT administrator and an archive head who also supervises."""
    return with_it_and_second_head(app, staff)


def with_it_and_second_head(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> dict[str, CommandContext]:
    console = CommandContext(SYSTEM_ID)
    found = dict(staff)
    for staff_no, roles in {"it": [Role.ADMINISTRATOR], "head2": [Role.ARCHIVE_HEAD]}.items():
        token = app.execute(
            console, EnrolStaff(staff_no=staff_no, name=staff_no, branch="总行", roles=roles)
        ).token
        assert token is not None
        found[staff_no] = CommandContext(app.authenticate(token.token))
    return found


def prepare(
    app: DossierArchive,
    people: dict[str, CommandContext],
    loan_no: str = LOAN_NO,
    *,
    settled: bool = True,
    appraise: AppraisalOpinion | None = AppraisalOpinion.DESTROY,
    appraised_on: tuple[date, date] = (date(2056, 1, 5), date(2056, 1, 10)),
) -> dict[str, Any]:
    """Disburse with the marker PDF, settle, transfer, catalogue and (after retention) appraise."""
    am, archivist, head = people["account_manager"], people["archivist"], people["archive_head"]
    contract = make_upload("loan_contract", data=make_pdf(f"借款合同 {MARKER} {loan_no}"))
    app.execute(am, make_disbursement(loan_no), [contract])
    app.wait_for_text_extraction()
    if settled:
        settle(app, people, loan_no)
    kind = TransferKind.FULL if settled else TransferKind.ORIGINALS
    listed = steps.list_transfer(
        app,
        am,
        loan_no,
        ITEMS,
        date(2025, 7, 2),
        signed_on=None if settled else date(2025, 7, 1),
        kind=kind,
    )
    steps.receive_transfer(app, archivist, loan_no, listed, steps.present(6, 4), date(2025, 7, 3))
    steps.catalogue(app, archivist, loan_no, "1-01", date(2025, 7, 4))
    dossier = app.dossier_of(app.loan(loan_no))
    if appraise is not None and dossier.retention_ends_on is not None:
        opened = steps.open_appraisal(app, head, loan_no, appraised_on[0], ["archivist", "auditor"])
        steps.decide_appraisal(
            app,
            head,
            loan_no,
            opened,
            appraise,
            "已无保存价值，建议销毁" if appraise is AppraisalOpinion.DESTROY else "延长",
            appraised_on[1],
        )
    return {"dossier_id": dossier.id, "shas": [d.ref.sha256 for d in dossier.documents]}


@pytest.fixture
def clocked(app: DossierArchive, people: dict[str, CommandContext]) -> DossierArchive:
    """The archive after retention has run out; staff were enrolled before, on today's clock."""
    app.clock = lambda: AFTER_RETENTION
    return app


def approved_batch(app: DossierArchive, people: dict[str, CommandContext]) -> UUID:
    proposed = app.execute(
        people["archive_head"], ProposeDestruction(loan_nos=[LOAN_NO], proposed_on=date(2056, 2, 1))
    )
    batch_id = UUID(proposed.ids["batch_id"])
    app.execute(
        people["branch_head"], ApproveDestruction(batch_id=batch_id, approved_on=date(2056, 2, 2))
    )
    app.execute(
        people["compliance"],
        ComplianceApproveDestruction(batch_id=batch_id, approved_on=date(2056, 2, 3)),
    )
    return batch_id


def execute(app: DossierArchive, people: dict[str, CommandContext], batch_id: UUID) -> Any:
    return app.execute(
        people["archivist"],
        ExecuteDestruction(
            batch_id=batch_id,
            supervisor_nos=["auditor", "second_archivist"],
            it_supervisor_no="it",
            method="电子文件密钥销毁并删除；纸质档案碎纸",
        ),
    )


def grep(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_a_destroyed_dossier_is_gone_for_good(
    clocked: DossierArchive,
    people: dict[str, CommandContext],
    store_env: dict[str, str],
    tmp_path: Path,
) -> None:
    app = clocked
    store = register_store_beside(store_env, tmp_path)
    follower = follower_for(app, store)
    follower.prepare()
    try:
        facts = prepare(app, people)
        dossier_id = facts["dossier_id"]
        follower.catch_up()
        docs = follower.projections["document_search"]
        assert [
            h["dossier_id"] for h in search(store, docs, MARKER, scope=RowScope.everything())
        ] == [dossier_id]
        if store_env.get("PERSISTENCE_MODULE", "").endswith("sqlite"):
            # Not even while kept: the text is encrypted, and the search index holds hashes.
            assert grep(tmp_path, MARKER.encode()) == []
            assert grep(tmp_path, b"ZQXDESTROYMARKER") == []
        keys = app.blobs.envelope.keys  # type: ignore[attr-defined]
        assert keys.get(dossier_id) is not None
        assert any(k.startswith(str(dossier_id)) for k in stored(app))

        batch_id = approved_batch(app, people)
        batch = app.destruction_batch(batch_id)
        [entry] = batch.entries
        assert entry["reference_code"] == app.dossier_of(app.loan(LOAN_NO)).reference_code
        assert entry["opinion"] == "已无保存价值，建议销毁"
        assert entry["retention"] == "D30"
        result = execute(app, people, batch_id)
        assert result.events == ("Executed",)
        follower.catch_up()

        assert keys.get(dossier_id) is None
        assert keys.is_destroyed(dossier_id)
        assert not [k for k in stored(app) if k.startswith(str(dossier_id))]
        assert search(store, docs, MARKER, scope=RowScope.everything()) == []
        assert app.destruction_batch(batch_id).completed
        with pytest.raises(DocumentDestroyedError) as gone:
            app.read_document(
                people["auditor"], LOAN_NO, facts["shas"][0], purpose=ReadPurpose.AUDIT
            )
        assert str(batch_id) in gone.value.en
        assert app.document_text(dossier_id, facts["shas"][0], "application/pdf") is None

        # A rebuild of every register brings no text back and still shows the destruction.
        follower.rebuild([p.name for p in all_registers()])
        assert search(store, docs, MARKER, scope=RowScope.everything()) == []
        from projections.query import select_all

        trail = follower.projections["accountability_trail"]
        events = [r["event"] for r in select_all(store, trail, "actions")]
        assert any("Destroyed" in str(e) for e in events), events
        assert any("Executed" in str(e) for e in events), events
    finally:
        follower.stop()
        store.close()
    # At rest, no byte of the data directory (events, keys, blobs, registers) holds the marker.
    assert grep(tmp_path, MARKER.encode()) == []
    assert app.repository.get(facts["dossier_id"]).destroyed_in == batch_id


def _dossier_and_batch(app: DossierArchive) -> tuple[Any, Any]:
    loan = app.loan(LOAN_NO)
    dossier = app.dossier_of(loan)
    return dossier.version, dossier.destroyed_in


def test_refusals_each_with_its_error_and_nothing_changed(
    clocked: DossierArchive, people: dict[str, CommandContext]
) -> None:
    app = clocked
    prepare(app, people)
    head = people["archive_head"]
    # Only the archive head proposes.
    with changes_nothing(app), pytest.raises(RoleNotPermittedError):
        app.execute(
            people["archivist"],
            ProposeDestruction(loan_nos=[LOAN_NO], proposed_on=date(2056, 2, 1)),
        )
    # A hold refuses proposal and execution.
    hold = steps.place_hold(
        app,
        people["compliance"],
        LOAN_NO,
        HoldKind.LITIGATION,
        "涉诉",
        "(2056)沪01民初1号",
        date(2056, 1, 20),
    )
    with changes_nothing(app), pytest.raises(DestructionHoldOpenError):
        app.execute(head, ProposeDestruction(loan_nos=[LOAN_NO], proposed_on=date(2056, 2, 1)))
    steps.release_hold(app, people["compliance"], LOAN_NO, hold, "结案", date(2056, 1, 25))
    proposed = app.execute(
        head, ProposeDestruction(loan_nos=[LOAN_NO], proposed_on=date(2056, 2, 1))
    )
    batch_id = UUID(proposed.ids["batch_id"])
    # Not yet approved: execution is refused.
    with changes_nothing(app), pytest.raises(DestructionNotApprovedError):
        execute(app, people, batch_id)
    # A head of the archive who proposed may not approve (and only the branch head approves).
    with changes_nothing(app), pytest.raises(RoleNotPermittedError):
        app.execute(head, ApproveDestruction(batch_id=batch_id, approved_on=date(2056, 2, 2)))
    app.execute(
        people["branch_head"], ApproveDestruction(batch_id=batch_id, approved_on=date(2056, 2, 2))
    )
    with changes_nothing(app), pytest.raises(DestructionNotApprovedError):
        execute(app, people, batch_id)
    app.execute(
        people["compliance"],
        ComplianceApproveDestruction(batch_id=batch_id, approved_on=date(2056, 2, 3)),
    )
    # Supervisors: two different people, neither the proposer nor the executor, and IT.
    for nos, it, error in (
        (["auditor"], "it", DestructionSupervisorsError),
        (["auditor", "auditor"], "it", DestructionSupervisorsError),
        (["auditor", "archive_head"], "it", DestructionDutyDoubledError),
        (["auditor", "archivist"], "it", DestructionDutyDoubledError),
        (["auditor", "second_archivist"], None, DestructionSupervisorsError),
        (["auditor", "it"], "it", DestructionSupervisorsError),
    ):
        with changes_nothing(app), pytest.raises(error):
            app.execute(
                people["archivist"],
                ExecuteDestruction(
                    batch_id=batch_id, supervisor_nos=nos, it_supervisor_no=it, method="碎纸"
                ),
            )
    # Retention not ended on the day of execution (the clock is turned back).
    app.clock = lambda: datetime(2055, 12, 31, 12, tzinfo=UTC)
    with changes_nothing(app), pytest.raises(DestructionRetentionNotEndedError):
        execute(app, people, batch_id)
    app.clock = lambda: AFTER_RETENTION
    # Something out on loan refuses execution.
    circulation = app.circulation_of(app.dossier_of(app.loan(LOAN_NO)))
    circulation.out["x"] = batch_id  # as a check-out would leave it, without saving anything
    original = app.circulation_of
    app.circulation_of = lambda dossier: circulation  # type: ignore[method-assign]
    with changes_nothing(app), pytest.raises(DestructionOnLoanError):
        execute(app, people, batch_id)
    app.circulation_of = original  # type: ignore[method-assign]
    assert _dossier_and_batch(app)[1] is None
    execute(app, people, batch_id)
    assert _dossier_and_batch(app)[1] == batch_id


def test_an_unsettled_loan_or_one_without_a_destroy_opinion_is_refused(
    clocked: DossierArchive, people: dict[str, CommandContext]
) -> None:
    app = clocked
    prepare(app, people, settled=False)
    with changes_nothing(app), pytest.raises(DestructionLoanNotSettledError):
        app.execute(
            people["archive_head"],
            ProposeDestruction(loan_nos=[LOAN_NO], proposed_on=date(2056, 2, 1)),
        )
    prepare(app, people, "JJ2025011000072", appraise=AppraisalOpinion.EXTEND)
    with changes_nothing(app), pytest.raises(DestructionNotAppraisedError):
        app.execute(
            people["archive_head"],
            ProposeDestruction(loan_nos=["JJ2025011000072"], proposed_on=date(2056, 2, 1)),
        )


def state(app: DossierArchive, dossier_id: UUID, batch_id: UUID) -> tuple[Any, ...]:
    keys = app.blobs.envelope.keys  # type: ignore[attr-defined]
    batch = app.destruction_batch(batch_id)
    dossier = app.repository.get(dossier_id)
    return (
        keys.get(dossier_id) is None,
        keys.is_destroyed(dossier_id),
        sorted(k for k in stored(app) if k.startswith(str(dossier_id))),
        batch.version,
        batch.completed,
        batch.retained_blobs,
        dossier.version,
        dossier.destroyed_in,
    )


@pytest.mark.parametrize("crash_after", ["events", "key", "blobs"])
def test_a_crashed_execution_is_finished_by_running_it_again(
    clocked: DossierArchive,
    people: dict[str, CommandContext],
    monkeypatch: pytest.MonkeyPatch,
    crash_after: str,
) -> None:
    app = clocked
    facts = prepare(app, people)
    batch_id = approved_batch(app, people)

    class Crash(Exception):
        pass

    def crash(*_a: Any, **_k: Any) -> Any:
        raise Crash

    cls = type(app)
    if crash_after == "events":
        monkeypatch.setattr(cls, "destroy_data_key", crash)
    elif crash_after == "key":
        monkeypatch.setattr(cls, "delete_blobs_of", crash)
    else:
        original = cls.delete_blobs_of

        def then_crash(self: Any, dossier_id: UUID) -> Any:
            original(self, dossier_id)
            raise Crash

        monkeypatch.setattr(cls, "delete_blobs_of", then_crash)
    with pytest.raises(Crash):
        execute(app, people, batch_id)
    assert app.repository.get(facts["dossier_id"]).destroyed_in == batch_id
    monkeypatch.undo()
    execute(app, people, batch_id)
    again = state(app, facts["dossier_id"], batch_id)
    execute(app, people, batch_id)  # a further run changes nothing
    assert state(app, facts["dossier_id"], batch_id) == again
    assert again[0]
    assert again[1]
    assert again[2] == []
    assert again[3] == 5  # Proposed, Approved, ComplianceApproved, Executed, Completed
    assert again[4]
    assert again[5] == []


def test_the_day_of_execution_is_the_banks_day_not_utcs(
    clocked: DossierArchive, people: dict[str, CommandContext]
) -> None:
    app = clocked
    # Appraised on the first day past retention, so that a batch may be proposed that day.
    prepare(app, people, appraised_on=(date(2056, 1, 1), date(2056, 1, 1)))
    # 23:00 UTC on 31 December is 07:00 on 1 January in Shanghai: retention (to 2055-12-31)
    # has ended on the bank's calendar, though not yet on UTC's.
    app.clock = lambda: datetime(2055, 12, 31, 23, 0, tzinfo=UTC)
    assert app.today() == date(2056, 1, 1)
    proposed = app.execute(
        people["archive_head"], ProposeDestruction(loan_nos=[LOAN_NO], proposed_on=date(2056, 1, 1))
    )
    assert proposed.events == ("Proposed",)
    app.clock = lambda: datetime(2055, 12, 31, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    with changes_nothing(app), pytest.raises(DestructionRetentionNotEndedError):
        app.execute(
            people["archive_head"],
            ProposeDestruction(loan_nos=[LOAN_NO], proposed_on=date(2055, 12, 31)),
        )


def test_the_four_properties_check_reports_a_lawful_destruction_as_destroyed_not_missing(
    clocked: DossierArchive, people: dict[str, CommandContext]
) -> None:
    """四性检测 after a destruction: every document of the destroyed dossier is reported
    destroyed, naming its batch and day, and the check passes; a blob put back is a failure."""
    app = clocked
    facts = prepare(app, people)
    batch_id = approved_batch(app, people)
    execute(app, people, batch_id)

    [outcome] = app.execute(people["archivist"], CheckFixity(loan_no=LOAN_NO))
    assert outcome.passed
    assert sorted(r.sha256 for r in outcome.results) == sorted(facts["shas"])
    for result in outcome.results:
        assert result.status is FixityStatus.DESTROYED
        assert result.destruction_batch_id == batch_id
        assert result.destroyed_on == date(2056, 3, 1)
        assert str(batch_id) in result.detail
        assert result.as_dict()["destruction_batch_id"] == str(batch_id)
    assert app.repository.get(facts["dossier_id"]).last_fixity_passed is True
    assert all(o.passed for o in app.execute(people["archivist"], CheckFixity()))

    # A blob of the destroyed dossier found in the store again: the destruction is not whole.
    inner = app.blobs.inner  # type: ignore[attr-defined]
    key = f"{facts['dossier_id']}/{facts['shas'][0]}"
    inner.put(key, io.BytesIO(b"restored from a backup"))
    [again] = app.execute(people["archivist"], CheckFixity(loan_no=LOAN_NO))
    assert not again.passed
    [left] = [r for r in again.results if r.failed]
    assert left.status is FixityStatus.NOT_DESTROYED
    assert key in left.detail
