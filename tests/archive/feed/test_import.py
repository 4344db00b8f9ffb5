"""Importing core-banking batches into the archive, on SQLite and PostgreSQL.

Each test writes batches as a core system would (archive/feed/writing.py), imports them through
the application with the integration identity's token, and reads back what the store holds.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from archive.application import DossierArchive
from archive.core import CommandContext
from archive.feed.batch import LOANS, OVERDUE, REPAYMENTS, SETTLEMENTS
from archive.feed.importing import CHUNK_LINES, Progress, _SaveFailed, _Writer
from archive.feed.problems import BatchRefused
from archive.feed.sample import sample_batches
from archive.feed.writing import write_batch, zip_batch
from archive.receipts import BorrowerIndex
from domain.dossier import Dossier
from domain.errors import AuthorizationError
from domain.feed import FeedBatch
from domain.loan import Loan
from domain.values import LoanStatus, RepaymentMethod
from storage.eventstore import sqlite_env
from tests.factories import encrypted_archive, make_staff

DAY1 = date(2026, 11, 2)
DAY2 = date(2026, 11, 3)
ID_NO = "11010519491231002X"


def loan(no: str = "JD-1", **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "loan_no": no,
        "borrower_name": "林秀英",
        "borrower_kind": "individual",
        "borrower_id_type": "resident_id",
        "borrower_id_no": ID_NO,
        "product": "individual_production",
        "branch": "营业部",
        "account_manager_no": "account_manager",
        "principal": "100000.00",
        "rate": "0.0435",
        "value_date": "2026-11-02",
        "maturity_date": "2027-11-02",
        "repayment_method": "equal_principal",
        "guarantee_type": "guarantee",
        "purpose": "购买种苗",
    }
    row.update(changes)
    return row


def repayment(ref: str, loan_no: str = "JD-1", **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "reference": ref,
        "loan_no": loan_no,
        "paid_on": "2026-11-03",
        "principal": "1000.00",
        "interest": "36.25",
        "penalty": "0.00",
    }
    row.update(changes)
    return row


def arrears(
    loan_no: str, days: int, principal: str = "0.00", interest: str = "0.00"
) -> dict[str, object]:
    return {
        "loan_no": loan_no,
        "days_overdue": str(days),
        "overdue_principal": principal,
        "overdue_interest": interest,
    }


def batch(tmp: Path, day: date, name: str | None = None, **kwargs: Any) -> Path:
    return write_batch(
        tmp / (name or f"feed-{day:%Y%m%d}"),
        bank="云溪农商银行",
        business_date=day,
        files=kwargs.pop("files"),
        **kwargs,
    )


def recorded(app: DossierArchive) -> int:
    return app.recorder.max_notification_id() or 0


@pytest.fixture
def feed(staff: dict[str, CommandContext]) -> CommandContext:
    return staff["integration"]


def test_a_first_batch_books_the_loans_with_their_dossiers(
    app: DossierArchive, feed: CommandContext, tmp_path: Path
) -> None:
    path = batch(tmp_path, DAY1, files={LOANS: [loan(), loan("JD-2", principal="50000.00")]})
    [outcome] = app.import_feed(feed, [path])
    assert outcome.status == "applied"
    assert outcome.balanced is True
    assert outcome.reconciliation == {
        LOANS: {
            "control_records": "2",
            "archive_records": "2",
            "refused_records": "0",
            "control_amount": "150000.00",
            "archive_amount": "150000.00",
        }
    }
    booked = app.repository.get(Loan.create_id("JD-1"))
    assert isinstance(booked, Loan)
    manager = app.staff("account_manager")
    assert booked.account_manager_id == manager.id
    assert booked.repayment_method is RepaymentMethod.INSTALMENT
    assert booked.term.interest_rate == "4.35%"
    dossier = app.repository.get(Dossier.create_id(booked.id))
    assert isinstance(dossier, Dossier)
    first = app.events.get(booked.id)
    fed = next(iter(first)).fed  # type: ignore[attr-defined]
    assert fed["file"] == LOANS
    assert fed["line"] == 2
    assert fed["business_date"] == "2026-11-02"
    assert fed["batch"] == outcome.batch
    # The borrower's index, its events triggered directly: those BorrowerIndex(...) and
    # add_loan() record.
    index = app.repository.get(BorrowerIndex.create_id(ID_NO))
    assert isinstance(index, BorrowerIndex)
    assert index.loan_ids == [booked.id, Loan.create_id("JD-2")]
    made = BorrowerIndex(borrower_id=ID_NO)
    made.add_loan(loan_id=booked.id)
    made.add_loan(loan_id=Loan.create_id("JD-2"))
    assert [_payload(e) for e in app.events.get(index.id)] == [
        _payload(e) for e in made.collect_events()
    ]


def _payload(event: Any) -> tuple[str, list[tuple[str, str]]]:
    return get_topic(type(event)), sorted(
        (k, repr(v)) for k, v in vars(event).items() if k != "timestamp"
    )


def test_importing_a_batch_twice_records_nothing_the_second_time(
    app: DossierArchive, feed: CommandContext, tmp_path: Path
) -> None:
    path = batch(tmp_path, DAY1, files={LOANS: [loan()]})
    app.import_feed(feed, [path])
    before = recorded(app)
    [again] = app.import_feed(feed, [zip_batch(path, tmp_path / "again.zip")])
    assert again.status == "already_applied"
    assert recorded(app) == before


def test_repayments_arrears_and_settlement_follow_the_core(
    app: DossierArchive, feed: CommandContext, tmp_path: Path
) -> None:
    day1 = batch(tmp_path, DAY1, files={LOANS: [loan(principal="2000.00")]})
    day2 = batch(
        tmp_path,
        DAY2,
        files={
            REPAYMENTS: [repayment("TX-1"), repayment("TX-2", principal="1000.00", interest="0")],
            OVERDUE: [arrears("JD-1", 0)],
            SETTLEMENTS: [{"loan_no": "JD-1", "settled_on": "2026-11-03", "how": "repaid"}],
        },
    )
    outcomes = app.import_feed(feed, [day2, day1])  # applied in business-date order
    assert [o.business_date for o in outcomes] == [DAY1, DAY2]
    assert outcomes[1].balanced is True
    assert outcomes[1].reconciliation is not None
    assert outcomes[1].reconciliation[REPAYMENTS]["archive_amount"] == "2036.25"
    settled = app.repository.get(Loan.create_id("JD-1"))
    assert isinstance(settled, Loan)
    assert settled.status is LoanStatus.SETTLED
    assert settled.balance == 0
    assert set(settled.core_references) == {"TX-1", "TX-2"}


def test_a_line_the_loan_refuses_refuses_the_batch_and_records_nothing(
    app: DossierArchive, feed: CommandContext, tmp_path: Path
) -> None:
    app.import_feed(feed, [batch(tmp_path, DAY1, files={LOANS: [loan(principal="2000.00")]})])
    before = recorded(app)
    bad = batch(
        tmp_path,
        DAY2,
        files={REPAYMENTS: [repayment("TX-1"), repayment("TX-2", principal="5000.00")]},
    )
    with pytest.raises(BatchRefused) as refused:
        app.import_feed(feed, [bad])
    [problem] = refused.value.problems
    assert (problem.file, problem.line, problem.column) == (REPAYMENTS, 3, "principal")
    assert "超过余额" in problem.reason_zh
    assert "exceeds the balance" in problem.reason_en
    assert recorded(app) == before
    # With the option, the valid lines are applied and the refused one reported.
    [outcome] = app.import_feed(feed, [bad], partial=True)
    assert [(p.file, p.line) for p in outcome.refused] == [(REPAYMENTS, 3)]
    assert outcome.reconciliation is not None
    assert outcome.reconciliation[REPAYMENTS]["archive_records"] == "1"
    assert outcome.reconciliation[REPAYMENTS]["refused_records"] == "1"
    assert outcome.balanced is False


def test_a_batch_older_than_one_applied_is_refused(
    app: DossierArchive, feed: CommandContext, tmp_path: Path
) -> None:
    app.import_feed(feed, [batch(tmp_path, DAY2, files={LOANS: [loan(value_date="2026-11-03")]})])
    before = recorded(app)
    with pytest.raises(BatchRefused) as refused:
        app.import_feed(feed, [batch(tmp_path, DAY1, files={LOANS: [loan("JD-9")]})])
    assert refused.value.problems[0].code == "batch_out_of_order"
    assert recorded(app) == before


def test_a_correction_batch_replaces_what_it_names(
    app: DossierArchive, feed: CommandContext, tmp_path: Path
) -> None:
    app.import_feed(feed, [batch(tmp_path, DAY1, files={LOANS: [loan()]})])
    app.import_feed(
        feed,
        [
            batch(
                tmp_path,
                DAY2,
                files={REPAYMENTS: [repayment("TX-1")], OVERDUE: [arrears("JD-1", 3, "500.00")]},
            )
        ],
    )
    fixed = batch(
        tmp_path,
        DAY2,
        name="feed-20261103-correction",
        correction=True,
        files={
            REPAYMENTS: [repayment("TX-1", principal="800.00")],
            OVERDUE: [arrears("JD-1", 2, "400.00")],
        },
    )
    [outcome] = app.import_feed(feed, [fixed])
    assert outcome.balanced is True
    corrected = app.repository.get(Loan.create_id("JD-1"))
    assert isinstance(corrected, Loan)
    assert corrected.balance == Decimal("99200.00")
    assert corrected.core_references["TX-1"][0] == Decimal("800.00")
    assert (corrected.days_overdue, corrected.overdue_principal) == (2, Decimal("400.00"))
    # The repayment-behaviour history reads the corrected figures too.
    assert [r.amount for r in corrected.repayment_history] == [Decimal("836.25")]
    assert [a.days_overdue for a in corrected.arrears_history] == [2]
    names = [type(e).__name__ for e in app.events.get(corrected.id)]
    assert names[-2:] == ["RepaymentCorrected", "ArrearsCorrected"]
    before = recorded(app)
    assert app.import_feed(feed, [fixed])[0].status == "already_applied"
    assert recorded(app) == before


def test_a_gb18030_batch_is_read_in_its_encoding(
    app: DossierArchive, feed: CommandContext, tmp_path: Path
) -> None:
    path = batch(tmp_path, DAY1, encoding="GB18030", files={LOANS: [loan(purpose="购买䶮牌种苗")]})
    assert "购买".encode("gb18030") in (path / LOANS).read_bytes()
    app.import_feed(feed, [path])
    booked = app.repository.get(Loan.create_id("JD-1"))
    assert isinstance(booked, Loan)
    assert booked.purpose == "购买䶮牌种苗"


def test_only_the_integration_identity_imports(
    app: DossierArchive, staff: dict[str, CommandContext], tmp_path: Path
) -> None:
    path = batch(tmp_path, DAY1, files={LOANS: [loan()]})
    for who in ("administrator", "account_manager", "risk_manager"):
        with pytest.raises(AuthorizationError):
            app.import_feed(staff[who], [path])
    assert not app.aggregate_exists(Loan.create_id("JD-1"))


def test_a_large_batch_is_saved_in_chunks_with_its_progress(
    app: DossierArchive, feed: CommandContext, tmp_path: Path
) -> None:
    loans = [loan(f"JD-{n}", borrower_id_no=ID_NO) for n in range(CHUNK_LINES + 5)]
    seen: list[int] = []
    [outcome] = app.import_feed(
        feed,
        [batch(tmp_path, DAY1, files={LOANS: loans})],
        progress=lambda p: seen.append(p.lines_done),
    )
    assert seen == [CHUNK_LINES, CHUNK_LINES + 5]
    stored = app.repository.get(FeedBatch.create_id(outcome.batch))
    assert isinstance(stored, FeedBatch)
    assert stored.lines_done == CHUNK_LINES + 5


def _imported(archive: DossierArchive) -> list[tuple[object, ...]]:
    """The events of the import as (aggregate, version, topic, payload), the time left out."""
    found = []
    for n in archive.recorder.select_notifications(start=1, limit=10**9):
        if not n.topic.startswith(
            ("domain.loan", "domain.dossier", "domain.feed", "archive.receipts")
        ):
            continue
        event = archive.mapper.to_domain_event(n)
        payload = sorted((k, repr(v)) for k, v in vars(event).items() if k != "timestamp")
        found.append((n.originator_id, n.originator_version, n.topic, payload))
    return found


def test_history_imported_at_once_is_what_a_day_by_day_import_records(
    app: DossierArchive, feed: CommandContext, tmp_path: Path
) -> None:
    """Migration: the batches of past business dates imported together record what the archive
    would have recorded had it taken each on its day."""
    days = sample_batches(tmp_path / "history", loans=40, days=15, manager_no="account_manager")
    for day in days:
        app.import_feed(feed, [day])
    at_once = encrypted_archive(sqlite_env(tmp_path / "at-once.sqlite"), tmp_path / "at-once")
    try:
        people = make_staff(at_once)
        at_once.import_feed(people["integration"], list(reversed(days)))
        assert _imported(at_once) == _imported(app)
    finally:
        at_once.close()


def _good(tmp: Path) -> Path:
    return batch(
        tmp,
        DAY2,
        files={
            LOANS: [loan("JD-2", value_date="2026-11-03")],
            REPAYMENTS: [repayment("TX-1")],
            OVERDUE: [arrears("JD-1", 1, "100.00")],
        },
    )


def _replace(path: Path, name: str, old: bytes, new: bytes) -> None:
    data = (path / name).read_bytes()
    assert old in data
    (path / name).write_bytes(data.replace(old, new))


BROKEN = {
    # control file against its files
    "missing_file": lambda p: (p / OVERDUE).unlink(),
    "count_mismatch": lambda p: _replace(p, "batch.ctl", b"records=1", b"records=2"),
    "hash_mismatch": lambda p: _replace(p, OVERDUE, b"100.00", b"100.01"),
    "amount_mismatch": lambda p: _replace(p, "batch.ctl", b"amount=100000.00", b"amount=100000.10"),
    "encoding": lambda p: (
        _replace(p, "batch.ctl", b"encoding=UTF-8", b"encoding=GB18030")
        or (p / LOANS).write_bytes((p / LOANS).read_bytes().replace("林".encode(), b"\xff\xfe"))
    ),
    # lines (the control file rewritten to match, as a core system would)
    "bad_amount": lambda p: _rewrite(p, REPAYMENTS, b"1000.00", b"1000.001"),
    "unknown_product": lambda p: _rewrite(p, LOANS, b"individual_production", b"gold_loan"),
    "date_after_business_date": lambda p: _rewrite(p, REPAYMENTS, b"2026-11-03", b"2026-11-04"),
    "unknown_loan": lambda p: _rewrite(p, OVERDUE, b"JD-1,", b"JD-404,"),
}


def _rewrite(path: Path, name: str, old: bytes, new: bytes) -> None:
    """Change a file and its control line, so only the line itself is wrong."""
    import hashlib

    before = hashlib.sha256((path / name).read_bytes()).hexdigest()
    _replace(path, name, old, new)
    after = hashlib.sha256((path / name).read_bytes()).hexdigest()
    _replace(path, "batch.ctl", before.encode(), after.encode())


LINE_KINDS = ("bad_amount", "unknown_product", "date_after_business_date", "unknown_loan")


@pytest.mark.parametrize("kind", list(BROKEN))
def test_each_kind_of_refusal_records_nothing_and_says_where(
    app: DossierArchive, feed: CommandContext, tmp_path: Path, kind: str
) -> None:
    app.import_feed(feed, [batch(tmp_path, DAY1, files={LOANS: [loan()]})])
    before = recorded(app)
    broken = _good(tmp_path)
    BROKEN[kind](broken)
    with pytest.raises(BatchRefused) as refused:
        # a control file that does not match refuses even where valid lines may be applied
        app.import_feed(feed, [broken], partial=kind not in LINE_KINDS)
    codes = {p.code for p in refused.value.problems}
    assert kind in codes, codes
    if kind in LINE_KINDS:  # a line: named by file, line and column
        assert all(p.line and p.column for p in refused.value.problems)
    assert all(p.reason_zh and p.reason_en for p in refused.value.problems)
    assert recorded(app) == before


def test_a_batch_of_a_day_still_to_come_is_refused(
    app: DossierArchive, feed: CommandContext, tmp_path: Path
) -> None:
    tomorrow = app.today() + timedelta(days=1)
    path = batch(tmp_path, tomorrow, files={LOANS: [loan(value_date=tomorrow.isoformat())]})
    with pytest.raises(BatchRefused) as refused:
        app.import_feed(feed, [path])
    assert [p.code for p in refused.value.problems] == ["business_date_in_future"]
    assert not app.aggregate_exists(Loan.create_id("JD-1"))


def test_changed_master_data_is_an_extension_a_move_or_an_information_change(
    app: DossierArchive, feed: CommandContext, staff: dict[str, CommandContext], tmp_path: Path
) -> None:
    app.import_feed(feed, [batch(tmp_path, DAY1, files={LOANS: [loan()]})])
    changed = loan(
        maturity_date="2028-11-02",
        rate="0.0390",
        purpose="购买种苗和化肥",
        account_manager_no="account_manager_2",
    )
    [outcome] = app.import_feed(feed, [batch(tmp_path, DAY2, files={LOANS: [changed]})])
    assert outcome.balanced is True
    found = app.repository.get(Loan.create_id("JD-1"))
    assert isinstance(found, Loan)
    assert found.term.maturity_date == date(2028, 11, 2)
    assert found.term.extensions == 1
    assert found.term.interest_rate == "3.9%"
    assert found.purpose == "购买种苗和化肥"
    assert found.account_manager_id == app.staff("account_manager_2").id
    recorded_events = list(app.events.get(found.id))
    names = [type(e).__name__ for e in recorded_events]
    assert names[-3:] == ["Extended", "MasterDataChanged", "AccountManagersAssigned"]
    changes = recorded_events[-2].changes  # type: ignore[attr-defined]
    assert changes == {
        "interest_rate": ["4.35%", "3.9%"],
        "purpose": ["购买种苗", "购买种苗和化肥"],
    }
    assert all(e.fed["line"] == 2 for e in recorded_events[-3:])  # type: ignore[attr-defined]
    # The same master data again records nothing.
    before = recorded(app)
    again = batch(tmp_path, date(2026, 11, 4), files={LOANS: [changed]})
    app.import_feed(feed, [again])
    assert [type(e).__name__ for e in app.events.get(found.id, gt=found.version)] == []
    assert recorded(app) > before  # only the batch's own record


def test_the_writer_drops_what_follows_a_failed_save_and_raises_it_with_its_batch() -> None:
    # The writer saves chunks in the order handed; after a save that failed (another writer
    # went first) nothing handed later is saved, so the log has no chunk beyond a gap.
    saved: list[list[Any]] = []

    def save(events: list[Any]) -> None:
        if events == ["conflict"]:
            raise IntegrityError("another writer went first")
        saved.append(events)

    reported: list[int] = []
    writer = _Writer(save, lambda p: reported.append(p.lines_done))
    try:
        writer.submit(0, ["a"], Progress(DAY1, LOANS, 1, 3, 1))
        writer.submit(1, ["conflict"], Progress(DAY1, LOANS, 2, 3, 2))
        writer.submit(1, ["b"], Progress(DAY1, LOANS, 3, 3, 3))
        with pytest.raises(_SaveFailed) as failed:
            writer.drain()
        assert failed.value.batch == 1
        assert isinstance(failed.value.error, IntegrityError)
        with pytest.raises(_SaveFailed):  # refused until resumed
            writer.submit(1, ["c"])
        writer.resume()
        writer.submit(1, ["d"])
        writer.drain()
    finally:
        writer.close()
    assert saved == [["a"], ["d"]]
    assert reported == [1]


def test_loans_let_go_and_loaded_again_record_what_loans_kept_record(
    app: DossierArchive, feed: CommandContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import keeping only a few aggregates (the rest let go and loaded again from the store)
    records the very events of one loading each loan afresh for every batch: repayments known
    by their reference and arrears known by their date record nothing again, corrections
    replace what the loan recorded, whether it was kept or loaded again."""
    nos = [f"JD-{n}" for n in range(1, 7)]
    day3 = DAY2 + timedelta(days=1)
    days = [
        batch(tmp_path, DAY1, files={LOANS: [loan(no) for no in nos]}),
        batch(
            tmp_path,
            DAY2,
            files={
                REPAYMENTS: [repayment(f"TX-{no}", no) for no in nos[:3]],
                OVERDUE: [arrears(no, 3, "500.00", "2.50") for no in nos[3:]],
            },
        ),
        batch(
            tmp_path,
            day3,
            files={
                REPAYMENTS: [repayment(f"TX-{no}", no) for no in nos[:3]],  # re-sent
                OVERDUE: [arrears(no, 4, "500.00", "2.50") for no in nos[3:]],
            },
        ),
        batch(
            tmp_path,
            DAY2,
            name="feed-20261103-correction",
            correction=True,
            files={
                REPAYMENTS: [repayment("TX-JD-1", "JD-1", principal="800.00")]
                + [repayment(f"TX-{no}", no) for no in nos[1:3]],  # the same: nothing
                OVERDUE: [arrears("JD-4", 2, "400.00", "2.50")]
                + [arrears(no, 3, "500.00", "2.50") for no in nos[4:]],  # the same: nothing
            },
        ),
    ]
    for day in days:  # each import loads every loan afresh
        app.import_feed(feed, [day])
    monkeypatch.setattr("archive.feed.importing.KEPT_AGGREGATES", 4)
    few = encrypted_archive(sqlite_env(tmp_path / "few.sqlite"), tmp_path / "few")
    try:
        people = make_staff(few)
        outcomes = few.import_feed(people["integration"], days[:3])
        outcomes += few.import_feed(people["integration"], days[3:])
        assert all(o.balanced for o in outcomes)
        assert _imported(few) == _imported(app)
        corrected = few.repository.get(Loan.create_id("JD-4"))
        assert isinstance(corrected, Loan)
        assert corrected.arrears_on(DAY2) == (2, Decimal("400.00"), Decimal("2.50"))
        assert corrected.arrears_on(day3) == (4, Decimal("500.00"), Decimal("2.50"))
        assert corrected.most_days_overdue == 4
        unchanged = few.repository.get(Loan.create_id("JD-5"))
        assert isinstance(unchanged, Loan)
        assert unchanged.arrears_on(DAY2) == (3, Decimal("500.00"), Decimal("2.50"))
        repaid = few.repository.get(Loan.create_id("JD-1"))
        assert isinstance(repaid, Loan)
        assert repaid.core_references == {
            "TX-JD-1": (Decimal("800.00"), Decimal("36.25"), Decimal("0.00"))
        }
        assert [r.amount for r in repaid.repayment_history] == [Decimal("836.25")]
    finally:
        few.close()
