"""The archive office's part of the dossier, given-when-then, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID, uuid4

import pytest

from domain.dossier import Dossier
from domain.errors import (
    AppraisalGroupError,
    DefectAlreadyClearedError,
    LoanNotClosedError,
    NotCataloguedError,
    PermanentRetentionError,
    SegregationOfDutiesError,
)
from domain.retention import retention_period
from domain.rules import shipped_rules
from domain.transfers import add_working_days
from domain.values import (
    AppraisalOpinion,
    HoldKind,
    LoanStatus,
    RetentionClass,
    Role,
    TransferKind,
)
from tests.factories import actor, doc, party

ITEMS = [{"doc_type": "loan_contract", "title": "借款合同", "pages": 6}]


def opened() -> Dossier:
    dossier = Dossier.open(
        loan_id=uuid4(), loan_no="JJ1", borrower_name="示例", actor=actor(Role.ACCOUNT_MANAGER)
    )
    dossier.file(
        document=doc("registration_certificate"),
        stage="disbursement",
        evidences_id=uuid4(),
        evidences_version=1,
        actor=actor(Role.ACCOUNT_MANAGER),
    )
    return dossier


def listed(dossier: Dossier, by: UUID | None = None) -> UUID:
    """The originals listed for transfer by an account manager (``by``, when given); its id."""
    transfer_id = uuid4()
    dossier.list_transfer(
        transfer_id=transfer_id,
        kind=TransferKind.ORIGINALS,
        items=ITEMS,
        listed_on=date(2025, 1, 13),
        signed_on=date(2025, 1, 10),
        loan_status=LoanStatus.ACTIVE,
        originals_working_days=shipped_rules().originals_transfer_working_days,
        actor=actor(Role.ACCOUNT_MANAGER, id=by),
    )
    return transfer_id


def receive(
    dossier: Dossier, transfer_id: UUID, condition: str = "present", by: UUID | None = None
) -> None:
    """The transfer received by an archivist (``by``, when given), its item found in
    ``condition``."""
    dossier.receive_transfer(
        transfer_id=transfer_id,
        checks=[{"item_no": 1, "condition": condition, "pages_counted": 6}],
        received_on=date(2025, 1, 14),
        actor=actor(Role.ARCHIVIST, id=by),
    )


def received(dossier: Dossier, *, condition: str = "present") -> None:
    receive(dossier, listed(dossier), condition)


def catalogued(
    closed_on: date | None = date(2025, 6, 30),
    retention: RetentionClass = RetentionClass.TEN_YEARS,
    reference_code: str = "J001-XD·2025-D10-XDB-0001",
    tier1_doc_types: Sequence[str] = ("registration_certificate",),
) -> Dossier:
    """The dossier received and catalogued on 1 July 2025 on shelf 1-01 (ten years, the
    registration certificate in tier 1, unless said)."""
    dossier = opened()
    received(dossier)
    dossier.catalogue(
        reference_code=reference_code,
        shelf_location="1-01",
        retention=retention,
        tier1_doc_types=list(tier1_doc_types),
        catalogued_on=date(2025, 7, 1),
        closed_on=closed_on,
        actor=actor(Role.ARCHIVIST),
    )
    return dossier


def test_originals_are_due_three_working_days_after_signing_weekends_skipped() -> None:
    assert add_working_days(date(2025, 1, 10), 3) == date(2025, 1, 15)  # Fri → Wed
    assert add_working_days(date(2025, 1, 6), 3) == date(2025, 1, 9)  # Mon → Thu


def test_retention_counts_from_the_first_of_january_after_closing() -> None:
    assert retention_period(date(2025, 6, 30), RetentionClass.TEN_YEARS) == (
        date(2026, 1, 1),
        date(2035, 12, 31),
    )
    assert retention_period(date(2025, 12, 31), RetentionClass.PERMANENT) == (
        date(2026, 1, 1),
        None,
    )


def test_the_full_dossier_is_not_transferred_while_the_loan_is_live() -> None:
    dossier = opened()
    with pytest.raises(LoanNotClosedError):
        dossier.list_transfer(
            transfer_id=uuid4(),
            kind=TransferKind.FULL,
            items=ITEMS,
            listed_on=date(2025, 2, 1),
            signed_on=None,
            loan_status=LoanStatus.ACTIVE,
            originals_working_days=shipped_rules().originals_transfer_working_days,
            actor=actor(Role.ACCOUNT_MANAGER),
        )


def test_a_missing_item_stays_open_as_a_defect_until_cleared_once() -> None:
    dossier = opened()
    received(dossier, condition="missing")
    (defect_id,) = dossier.open_defects
    clerk = actor(Role.ARCHIVIST)
    dossier.clear_defect(defect_id=defect_id, cleared_on=date(2025, 2, 1), note="补交", actor=clerk)
    assert not dossier.open_defects
    with pytest.raises(DefectAlreadyClearedError):
        dossier.clear_defect(
            defect_id=defect_id, cleared_on=date(2025, 2, 2), note="x", actor=clerk
        )


def test_no_one_signs_the_receipt_of_their_own_transfer() -> None:
    dossier = opened()
    person = uuid4()
    transfer_id = listed(dossier, by=person)
    with pytest.raises(SegregationOfDutiesError):
        receive(dossier, transfer_id, by=person)


def test_custody_tier_is_known_from_cataloguing() -> None:
    dossier = opened()
    certificate = dossier.documents[0].ref.sha256
    with pytest.raises(NotCataloguedError):
        dossier.custody_tier_of(certificate)
    dossier = catalogued()
    assert dossier.custody_tier_of(dossier.documents[0].ref.sha256) == 1
    assert dossier.reference_code == "J001-XD·2025-D10-XDB-0001"
    assert dossier.retention_ends_on == date(2035, 12, 31)


def test_holds_stack() -> None:
    dossier = catalogued()
    audit = actor(Role.AUDITOR)
    first, second = uuid4(), uuid4()
    for hold_id in (first, second):
        dossier.place_hold(
            hold_id=hold_id,
            kind=HoldKind.AUDIT,
            reason="审计",
            reference="A-1",
            placed_on=date(2026, 1, 1),
            actor=audit,
        )
    dossier.release_hold(hold_id=first, reason="完", released_on=date(2026, 2, 1), actor=audit)
    assert list(dossier.open_holds) == [second]


@pytest.mark.parametrize("outsider", [Role.ADMINISTRATOR, Role.INTEGRATION])
def test_an_appraisal_group_is_of_business_people_only(outsider: Role) -> None:
    dossier = catalogued()
    with pytest.raises(AppraisalGroupError):
        dossier.open_appraisal(
            appraisal_id=uuid4(),
            opened_on=date(2036, 1, 2),
            group=[party(Role.ARCHIVIST), party(outsider)],
            actor=actor(Role.ARCHIVE_HEAD),
        )
    assert not dossier.under_appraisal


def test_an_appraisal_needs_a_group_of_two_and_marks_the_dossier_under_appraisal() -> None:
    dossier = catalogued()
    head = actor(Role.ARCHIVE_HEAD)
    someone = party(Role.ARCHIVIST)
    with pytest.raises(AppraisalGroupError):
        dossier.open_appraisal(
            appraisal_id=uuid4(), opened_on=date(2036, 1, 2), group=[someone, someone], actor=head
        )
    appraisal_id = uuid4()
    dossier.open_appraisal(
        appraisal_id=appraisal_id,
        opened_on=date(2036, 1, 2),
        group=[someone, party(Role.AUDITOR)],
        actor=head,
    )
    assert dossier.under_appraisal
    dossier.decide_appraisal(
        appraisal_id=appraisal_id,
        opinion=AppraisalOpinion.DESTROY,
        text="无保存价值",
        decided_on=date(2036, 1, 5),
        actor=head,
    )
    assert not dossier.under_appraisal


def test_a_permanent_dossier_is_never_appraised() -> None:
    dossier = catalogued(
        retention=RetentionClass.PERMANENT,
        reference_code="J001-XD·2025-Y-XDB-0001",
        tier1_doc_types=(),
    )
    assert dossier.retention_ends_on is None
    with pytest.raises(PermanentRetentionError):
        dossier.open_appraisal(
            appraisal_id=uuid4(),
            opened_on=date(2099, 1, 1),
            group=[party(Role.ARCHIVIST), party(Role.AUDITOR)],
            actor=actor(Role.ARCHIVE_HEAD),
        )
