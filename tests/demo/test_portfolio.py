"""The demo portfolio: a small bank's loans, lived out through the application on both stores.

A dozen loans are enough to show every fate docs/rules.md describes — settled, cured, in arrears,
restructured, non-performing with a responsibility determination, written off — and every one
of them must have been accepted by the domain, downgrades never better than the statutory
floors, every secured loan's collateral registered with its certificate in the vault (or
released once the loan is settled), and every cited document stored. The same seed gives the
same portfolio, byte for byte in its documents, its collateral's included; another seed gives
another.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from archive.application import DossierArchive
from archive.core import CommandContext, blob_key
from demo.plan import MAX_STEPS, TODAY
from demo.portfolio import DemoSummary, build_portfolio
from domain.collateral import Collateral
from domain.errors import InvalidInputError
from domain.loan import Loan
from domain.supervision import SupervisionCheck
from domain.values import (
    BorrowingForm,
    BorrowingPurpose,
    CertificateStatus,
    CollateralStatus,
    CollectionStepKind,
    Grade,
    GuaranteeType,
    HoldKind,
    LoanStatus,
    ResponsibilityStage,
    Role,
    TransferKind,
    dossier_id_for,
)
from storage.blobs import InMemoryBlobStore, LocalBlobStore
from storage.eventstore import postgres_env, sqlite_env
from tests.demo.conftest import LOANS, SEED, BuiltDemo
from tests.postgres import fresh_schema

OTHER_SEED = 7
# docs/rules.md CLS-06 to CLS-09: more than N days overdue → at least this grade.
OVERDUE_FLOORS = (
    (360, Grade.LOSS),
    (270, Grade.DOUBTFUL),
    (90, Grade.SUBSTANDARD),
    (0, Grade.SPECIAL_MENTION),
)


@dataclass(frozen=True)
class Portfolio:
    """What a built portfolio looks like to an auditor reading it back."""

    summary: DemoSummary
    loans: dict[str, Loan]
    events: dict[str, list[Any]]
    collateral: dict[str, list[Collateral]]
    collateral_events: dict[str, list[Any]]
    """Per loan, the events of all its collateral."""
    supplements: dict[str, list[Any]]
    """Per loan, the documents its dossier holds filed on their own (补充归档): the settlement
    certificate filed the day the core system reports the loan settled."""
    missing_blobs: list[str]

    def every_event(self, loan_no: str) -> list[Any]:
        """The loan's events, its collateral's and its dossier's supplements."""
        return [
            *self.events[loan_no],
            *self.collateral_events[loan_no],
            *self.supplements[loan_no],
        ]

    def fingerprint(self) -> dict[str, list[tuple[str, Any, Any]]]:
        """Per loan: every event's type, data and documents — all but the timestamps."""
        return {
            loan_no: [(e.type, e.data, e.documents) for e in self.every_event(loan_no)]
            for loan_no in self.events
        }

    def document_hashes(self) -> set[str]:
        return {
            d["sha256"] for no in self.events for e in self.every_event(no) for d in e.documents
        }


def _read_back(archive: DossierArchive, summary: DemoSummary) -> Portfolio:
    auditor = next(s for s in summary.staff if s.role == Role.AUDITOR.value)
    ctx = CommandContext(archive.authenticate(auditor.token))
    loans = {loan.loan_no: loan for loan in archive.list_loans(ctx, limit=summary.loans + 50)}
    events = {loan_no: archive.loan_events(ctx, loan_no) for loan_no in loans}
    collateral = {loan_no: archive.list_collateral(ctx, loan_no) for loan_no in loans}
    collateral_events = {
        loan_no: [
            e
            for held in collateral[loan_no]
            for e in archive.collateral_events(ctx, loan_no, held.collateral_no)
        ]
        for loan_no in loans
    }
    supplements = {
        loan_no: [
            e
            for e in archive.dossier_events(ctx, loan_no)
            if e.type == "DocumentFiled" and e.data["evidences_id"] is None
        ]
        for loan_no in loans
    }
    missing = [
        f"{loan_no} {e.type} {d['filename']}"
        for loan_no in loans
        for e in [*events[loan_no], *collateral_events[loan_no], *supplements[loan_no]]
        for d in e.documents
        if not archive.blobs.exists(blob_key(dossier_id_for(loans[loan_no].id), d["sha256"]))
    ]
    return Portfolio(summary, loans, events, collateral, collateral_events, supplements, missing)


def _build(archive: DossierArchive, seed: int) -> Portfolio:
    try:
        return _read_back(archive, build_portfolio(archive, loans=LOANS, seed=seed))
    finally:
        archive.close()


def _built(demo: BuiltDemo) -> Portfolio:
    """The shared build of the demo (``LOANS`` loans, ``SEED``), read back."""
    archive = demo.open()
    try:
        return _read_back(archive, demo.summary)
    finally:
        archive.close()


@pytest.fixture
def another_store_env(
    store_env: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[dict[str, str]]:
    """A second fresh, empty event store on the same backend as ``store_env``."""
    if store_env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        yield sqlite_env(tmp_path / "again.sqlite")
        return
    url: str = request.getfixturevalue("postgres_url")
    with fresh_schema(url) as schema:
        yield postgres_env(url, schema=schema)


def _statutory_floor(days_overdue: int) -> Grade:
    return next((g for days, g in OVERDUE_FLOORS if days_overdue > days), Grade.NORMAL)


def test_a_small_demo_portfolio_shows_every_fate_and_keeps_every_rule(
    built_demo: BuiltDemo,
) -> None:
    built = _built(built_demo)
    loans, events = built.loans, built.events

    # At least the loans asked for, each with a plausible record; the staff of a real bank.
    assert built.summary.loans >= LOANS
    assert len(loans) == built.summary.loans
    assert built.summary.documents == sum(
        len(e.documents) for no in loans for e in built.every_event(no)
    )
    # A loan's own steps are trimmed to MAX_STEPS; the bank's work after them (the archive
    # office, the year's target record, a closer watch) adds a few events more.
    assert all(2 <= len(es) <= MAX_STEPS + 4 for es in events.values()), {
        n: len(es) for n, es in events.items()
    }
    assert {s.role for s in built.summary.staff} == {r.value for r in Role}
    assert all(no.startswith("DK") and len(no) == 12 for no in loans)

    # Every fate docs/rules.md describes is there.
    types = {no: [e.type for e in es] for no, es in events.items()}
    assert any(loan.status is LoanStatus.SETTLED for loan in loans.values())
    assert any(loan.status is LoanStatus.WRITTEN_OFF for loan in loans.values())
    assert any(loan.grade.is_non_performing and loan.determinations for loan in loans.values())
    assert any("WarningCleared" in t for t in types.values())
    assert any("Restructured" in t for t in types.values())
    notices = [
        {d["doc_type"] for d in e.documents}
        for es in events.values()
        for e in es
        if e.type == "CollectionStepTaken" and e.data["kind"] == "notice_served"
    ]
    assert {"collection_notice"} in notices, "a notice whose receipt was never filed"
    assert {"collection_notice", "collection_receipt"} in notices

    # No approved grade is better than the floor the days overdue set at that moment, and no
    # proposer approved their own proposal (审贷分离).
    approvals = 0
    for es in events.values():
        days = 0
        for e in es:
            if e.type == "OverdueStatusRecorded":
                days = e.data["days_overdue"]
            elif e.type == "ClassificationApproved":
                approvals += 1
                grade = Grade(e.data["grade"])
                assert grade.severity >= _statutory_floor(days).severity, (e.data, days)
                assert grade.severity >= Grade(e.data["floor"]).severity
                assert e.data["proposer_id"] != str(e.actor_id)
    assert approvals > 0

    # Every loan names who investigated, reviewed and approved it, three different people
    # (审贷分离); a responsibility finding for those stages is about the person named.
    origination = {
        ResponsibilityStage.INVESTIGATION: "investigator_id",
        ResponsibilityStage.REVIEW: "origination_reviewer_id",
        ResponsibilityStage.APPROVAL: "approver_id",
    }
    for loan in loans.values():
        parties = {getattr(loan, attribute) for attribute in origination.values()}
        assert None not in parties, loan.loan_no
        assert len(parties) == 3, loan.loan_no
        assert loan.investigator_id == loan.account_managers[0]
        for finding in loan.determinations.values():
            if finding.stage in origination:
                assert finding.person_id == getattr(loan, origination[finding.stage])

    # Every loan secured by a mortgage or a pledge has its collateral registered and its title
    # certificate lodged by two archivists; the certificate is in the vault — or, once the loan
    # is settled, the collateral is released. Unsecured loans have none.
    secured = {GuaranteeType.MORTGAGE, GuaranteeType.PLEDGE}
    assert any(loan.guarantee_type in secured for loan in loans.values())
    for loan_no, loan in loans.items():
        held = built.collateral[loan_no]
        if loan.guarantee_type not in secured:
            assert held == [], loan_no
            continue
        assert held, f"{loan_no} is secured but registers no collateral"
        for collateral in held:
            assert collateral.certificate_status in (
                CertificateStatus.IN_VAULT,
                CertificateStatus.RELEASED,
            ), (loan_no, collateral.certificate_status)
            settled = loan.status is LoanStatus.SETTLED
            assert (collateral.status is CollateralStatus.RELEASED) == settled, loan_no
        lodgings = [e for e in built.collateral_events[loan_no] if e.type == "CertificateLodged"]
        assert len(lodgings) == len(held)
        assert all(len(set(e.data["custodian_ids"])) == 2 for e in lodgings)
        assert all(e.role == Role.ARCHIVIST.value for e in lodgings)

    # Every document an event cites is in the blob store.
    assert built.missing_blobs == []


def test_the_same_seed_gives_the_same_portfolio_and_another_seed_another(
    built_demo: BuiltDemo, another_store_env: dict[str, str], tmp_path: Path
) -> None:
    # Two independent builds of the same seed: the shared one, and another made here afresh.
    first = _built(built_demo)
    again = _build(DossierArchive(another_store_env, blobs=LocalBlobStore(tmp_path / "two")), SEED)
    other = _build(
        DossierArchive({"PERSISTENCE_MODULE": "eventsourcing.popo"}, blobs=InMemoryBlobStore()),
        OTHER_SEED,
    )

    assert list(first.loans) == list(again.loans)
    assert {n: [e.type for e in es] for n, es in first.events.items()} == {
        n: [e.type for e in es] for n, es in again.events.items()
    }
    assert first.document_hashes() == again.document_hashes()
    assert first.fingerprint() == again.fingerprint()
    assert (first.summary.loans, first.summary.events, first.summary.documents) == (
        again.summary.loans,
        again.summary.events,
        again.summary.documents,
    )

    assert list(other.loans) != list(first.loans)
    assert other.document_hashes().isdisjoint(first.document_hashes())


def test_the_demo_archive_office_receives_catalogues_lends_and_freezes(
    built_demo: BuiltDemo,
) -> None:
    """The archive office's work on the demo, read back from the dossiers and borrowings:
    originals received for every loan, every closed loan's full dossier matched with them and
    catalogued under its own reference code, defects, borrowings (one a page short, one out
    past its due date today) and holds — every date in the demo's years."""
    archive = built_demo.open()
    try:
        summary = built_demo.summary
        auditor = next(s for s in summary.staff if s.role == Role.AUDITOR.value)
        ctx = CommandContext(archive.authenticate(auditor.token))
        loans = archive.list_loans(ctx, limit=summary.loans + 50)
        dossiers = {loan.loan_no: archive.dossier_of(archive.loan(loan.loan_no)) for loan in loans}
        borrowings = [b for loan in loans for b in archive.list_borrowings(ctx, loan.loan_no)]
        ids = {s.staff_no: archive.staff(s.staff_no).id for s in summary.staff}
    finally:
        archive.close()
    roles = {ids[s.staff_no]: Role.parse(s.role, "role") for s in summary.staff}
    days: list[date] = []

    # Every loan's contract originals were listed by the account manager who signed, within
    # three working days, and received by an archivist — each item a document of the dossier.
    for loan in loans:
        dossier = dossiers[loan.loan_no]
        originals = [t for t in dossier.transfers.values() if t.kind is TransferKind.ORIGINALS]
        assert len(originals) == 1, loan.loan_no
        transfer = originals[0]
        assert transfer.received, loan.loan_no
        assert not transfer.late, loan.loan_no
        assert transfer.listed_by == loan.account_managers[0]
        assert transfer.received_by is not None
        assert roles[transfer.received_by] is Role.ARCHIVIST
        filed = {(d.ref.doc_type, d.ref.pages) for d in dossier.documents}
        assert all((i.doc_type, i.pages) in filed for i in transfer.items), loan.loan_no
        assert {"loan_contract", "drawdown_receipt"} <= {i.doc_type for i in transfer.items}
        days += [transfer.listed_on, transfer.received_on or transfer.listed_on]

    # Every settled or written-off loan's full dossier followed, was matched with the originals
    # (二次组卷) and catalogued; each under a reference code of its own, retention running.
    closed = [loan for loan in loans if loan.status is not LoanStatus.ACTIVE]
    assert closed
    codes = []
    for loan in closed:
        dossier = dossiers[loan.loan_no]
        full = [t for t in dossier.transfers.values() if t.kind is TransferKind.FULL]
        assert len(full) == 1, loan.loan_no
        assert full[0].received, loan.loan_no
        assert full[0].completes, f"{loan.loan_no}: nothing matched with the originals"
        entry = dossier.catalogue_entry
        assert entry is not None, loan.loan_no
        assert dossier.retention_started
        codes.append(entry.reference_code)
        days += [full[0].listed_on, entry.catalogued_on]
    assert len(set(codes)) == len(codes), codes
    assert all(
        dossiers[loan.loan_no].reference_code is None for loan in loans if loan not in closed
    )

    # A defect still open (an item missing), and one cleared.
    defects = [d for dossier in dossiers.values() for d in dossier.defects.values()]
    assert any(d.cleared_on is None for d in defects)
    assert any(d.cleared_on is not None for d in defects)

    # Borrowings: duties apart; one returned a page short (recorded and escalated); one out
    # past its due date on the demo's today; an auditor's electronic copy; a title
    # certificate released by the archive head and the branch head.
    assert len(borrowings) >= 4
    for b in borrowings:
        assert b.requester_id not in b.approver_ids
        assert b.archivist_id not in (None, b.requester_id, *b.approver_ids)
        days += [b.requested_on, b.due_on]
    short = [b for b in borrowings if b.mismatches]
    assert short
    assert short[0].escalated
    assert all(out - back == 1 for out, back in short[0].mismatches.values())
    assert any(b.is_overdue(TODAY) for b in borrowings)
    assert any(
        b.form is BorrowingForm.ELECTRONIC_COPY
        and b.purpose is BorrowingPurpose.AUDIT
        and b.copy_sha256
        and roles[b.requester_id] is Role.AUDITOR
        for b in borrowings
    )
    assert any(
        b.tier_one_items and {Role.ARCHIVE_HEAD, Role.BRANCH_HEAD} <= set(b.approver_roles)
        for b in borrowings
    )

    # Compliance froze a loan in litigation and the hold is open; an audit hold came and went.
    holds = [(no, h) for no, dossier in dossiers.items() for h in dossier.all_holds.values()]
    litigation = [
        (no, h) for no, h in holds if h.kind is HoldKind.LITIGATION and h.released_on is None
    ]
    assert litigation
    assert all(roles[h.placed_by] is Role.COMPLIANCE for _, h in litigation)
    sued = {loan.loan_no for loan in loans if loan.grade.is_non_performing} | {
        loan.loan_no
        for loan in loans
        for step in loan.collection_steps.values()
        if step.kind is CollectionStepKind.LITIGATION
    }
    assert {no for no, _ in litigation} <= sued
    assert any(h.kind is HoldKind.AUDIT and h.released_on is not None for _, h in holds)
    days += [h.placed_on for _, h in holds]

    assert all(date(2023, 1, 1) <= day <= TODAY for day in days)


def test_the_demo_is_not_loaded_on_a_clock_before_its_last_business_date(
    app: DossierArchive,
) -> None:
    """Its dates run to TODAY: on an earlier clock they would be dated after today."""
    app.clock = lambda: datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC) - timedelta(days=2)
    with pytest.raises(InvalidInputError) as refused:
        build_portfolio(app, loans=1)
    assert str(TODAY) in refused.value.en
    assert refused.value.context["field"] == "clock"
    assert (app.recorder.max_notification_id() or 0) == 0


def test_the_demo_evaluates_account_managers_duties_and_leaves_one_due(
    built_demo: BuiltDemo,
) -> None:
    """Row 000-60 on the demo: three years in post, each branch head evaluated their account
    managers in January 2026 but one, whose evaluation is still due; a handover, when the
    portfolio has one, was evaluated a week later. Rows 002-12, 002-77: loans the rules name
    mostly have a B岗."""
    archive = built_demo.open()
    try:
        summary = built_demo.summary
        auditor = next(s for s in summary.staff if s.role == Role.AUDITOR.value)
        ctx = CommandContext(archive.authenticate(auditor.token))
        managers = [s.staff_no for s in summary.staff if s.role == Role.ACCOUNT_MANAGER.value]
        found = {no: archive.duty_evaluations(ctx, no)[1] for no in managers}
        loans = archive.list_loans(ctx, limit=summary.loans + 50)
        rules = archive.rule_set().managers
        checks = [
            archive.read_supervision_check(ctx, n.originator_id)
            for n in archive.notifications_of(SupervisionCheck.Checked)  # type: ignore[attr-defined]
        ]
        notice = checks[0].rectification
        pdf = archive.rectification_notice_pdf(ctx, checks[0].id)[1] if notice else b""
    finally:
        archive.close()
    # Rows 004-30, 004-31: a check below the mark, its notice followed to closure, the penalty.
    assert [(c.subject.value, c.score, c.passed, c.state.value) for c in checks] == [
        ("account_manager", 76, False, "closed"),
        ("branch", 97, True, "passed"),
    ]
    assert notice is not None
    assert pdf.startswith(b"%PDF")
    assert [(p.amount, p.staff_id) for p in checks[0].penalties] == [
        (Decimal("300.00"), checks[0].staff_id)
    ]
    assert found["0304"] == [] or all(e.occasion.value == "handover" for e in found["0304"])
    in_post = {no for no, made in found.items() for e in made if e.occasion.value == "in_post"}
    assert in_post == set(managers) - {"0304"}
    for made in found.values():
        for e in made:
            assert e.period_from == date(2023, 1, 3)
            assert e.evaluated_on <= TODAY
            assert e.findings
    needing = [
        loan
        for loan in loans
        if rules.b_post_rule(
            borrower_type=loan.borrower_type.value,
            product=loan.product.value,
            principal=loan.principal,
        )
    ]
    assert all(loan.b_manager_id != loan.account_manager_id for loan in needing)
    if needing:
        assert any(loan.b_manager_id is not None for loan in needing) or len(needing) < 2


def test_the_demo_keeps_customer_files(built_demo: BuiltDemo) -> None:
    """Rows 002-76, 000-33, 002-95 on the demo: managing banks named by the branch heads, an
    operating rhythm recorded, a customer 失联 after three failed calls and one restored by its
    new phone verified."""
    archive = built_demo.open()
    try:
        auditor = next(s for s in built_demo.summary.staff if s.role == Role.AUDITOR.value)
        ctx = CommandContext(archive.authenticate(auditor.token))
        borrowers = sorted({loan.borrower_id for loan in archive.list_loans(ctx, limit=500)})
        files = [archive._stored_customer(b) for b in borrowers]
    finally:
        archive.close()
    kept = [f for f in files if f is not None]
    assert any(f.managing_branch for f in kept)
    assert any(f.rhythm is not None and f.rhythm.months == (3, 9) for f in kept)
    assert any(f.unreachable_since is not None for f in kept)
    assert any(f.verified and f.unreachable_since is None for f in kept)
